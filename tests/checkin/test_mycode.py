"""我的签到码: a worker's personal code, rotating every 30 s, that only workers have."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.checkin.codes import (
    PERSONAL_STEP_SECONDS,
    CodeProblem,
    check_personal_code,
    personal_key,
)
from portal.enums import Role
from portal.timeutil import utcnow
from tests.helpers import login

URL = "/me/code"


def _code_in(page: str) -> str:
    match = re.search(r'data-code="([^"]+)"', page)
    assert match, "no code on the page"
    return match.group(1)


def test_worker_code_is_theirs_now_and_refused_two_steps_later(app, client, make_worker):
    """The code on the page proves the worker now, and is refused as expired a minute on."""
    worker = make_worker(name="李晓雯")
    login(client, worker.user.phone)

    response = client.get(URL)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "我的签到码" in page
    assert "李晓雯" in page
    assert "截图一分钟内即失效" in page
    assert "<svg" in page  # the QR code itself
    key = personal_key(app.secret_key)
    code = _code_in(page)
    now = utcnow()
    scan = check_personal_code(key, code, scanned_at=now)
    assert scan.check.ok
    assert scan.user_id == worker.user_id
    later = check_personal_code(key, code, scanned_at=now + timedelta(seconds=2 * 30))
    assert later.check.problem is CodeProblem.EXPIRED


def test_code_page_is_never_stored(client, make_worker):
    """The code page tells every cache not to keep it, so nobody can read an old code back."""
    worker = make_worker()
    login(client, worker.user.phone)

    response = client.get(URL)

    assert "no-store" in response.headers["Cache-Control"]


def test_refresh_fragment_carries_a_new_code_and_the_server_time(client, make_worker):
    """The htmx refresh returns only the code panel, with the server's time for the countdown."""
    worker = make_worker()
    login(client, worker.user.phone)

    response = client.get(URL, headers={"HX-Request": "true"})

    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in fragment
    assert 'id="mycode-panel"' in fragment
    server_ms = int(re.search(r'data-server-now-ms="(\d+)"', fragment).group(1))
    assert abs(server_ms / 1000 - utcnow().timestamp()) < 5
    assert f'data-step-ms="{PERSONAL_STEP_SECONDS * 1000}"' in fragment
    assert _code_in(fragment).startswith(f"CWP1.{worker.user_id}.")


@pytest.mark.parametrize(
    "roles",
    [(Role.TRAINER,), (Role.STREET_ADMIN,), (Role.TALK_LEADER,), (Role.MENTOR,)],
    ids=["trainer", "street_admin", "talk_leader", "mentor"],
)
def test_only_workers_have_a_code(client, make_street, make_user, roles):
    """Someone without a worker profile gets 403: there is no personal code to show."""
    user = make_user(*roles, street=make_street())
    login(client, user.phone)

    response = client.get(URL)

    assert response.status_code == 403
    assert "CWP1." not in response.get_data(as_text=True)


def test_logged_out_visitor_is_sent_to_login(client):
    """Without a login the code page redirects to the login form."""
    response = client.get(URL)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
