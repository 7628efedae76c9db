"""The mentee: sees the sessions with them, confirms each, reflects; and the growth plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.enums import GrowthKind
from portal.models import GrowthItem
from portal.timeutil import local_today
from tests.helpers import csrf_token, logged_in


def test_mentee_sees_the_sessions_and_their_mentor(db, scene, app, log):
    """The mentee's page lists each session with the mentor's name and what was passed on."""
    session = log(scene.pairing, passed_on="入户走访前先查阅台账")
    html = logged_in(app, scene.mentee).get("/mentoring/mine").get_data(as_text=True)
    assert f"导师：{scene.mentor.user.name}" in html
    assert "入户走访前先查阅台账" in html
    assert f'id="session-{session.id}"' in html
    assert ">确认</button>" in html


def test_mentee_confirms_a_session_with_a_reflection(db, scene, app, log):
    """确认 stamps the session and keeps the mentee's reflection."""
    session = log(scene.pairing)
    client = logged_in(app, scene.mentee)
    data = {
        f"s{session.id}-csrf_token": csrf_token(client, "/mentoring/mine"),
        f"s{session.id}-reflection": "学会了先听再说",
    }
    response = client.post(f"/mentoring/sessions/{session.id}/confirm", data=data)
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.confirmed_at is not None
    assert session.reflection == "学会了先听再说"
    page = client.get("/mentoring/mine").get_data(as_text=True)
    assert "带教对象已于" in page and "确认" in page
    assert "修改感想" in page  # a confirmed session only offers to edit the reflection


def test_confirming_twice_keeps_the_first_confirmation_time(db, scene, app, log):
    """A later reflection edit does not move the confirmation time."""
    session = log(scene.pairing)
    client = logged_in(app, scene.mentee)
    path = f"/mentoring/sessions/{session.id}/confirm"
    csrf = csrf_token(client, "/mentoring/mine")
    client.post(path, data={f"s{session.id}-csrf_token": csrf})
    db.session.refresh(session)
    first = session.confirmed_at
    client.post(path, data={f"s{session.id}-csrf_token": csrf, f"s{session.id}-reflection": "补充"})
    db.session.refresh(session)
    assert (session.confirmed_at, session.reflection) == (first, "补充")


def test_a_too_long_reflection_is_refused(db, scene, app, log):
    """A reflection over 500 characters: 422 with a message, the session stays unconfirmed."""
    session = log(scene.pairing)
    client = logged_in(app, scene.mentee)
    data = {
        f"s{session.id}-csrf_token": csrf_token(client, "/mentoring/mine"),
        f"s{session.id}-reflection": "长" * 501,
    }
    response = client.post(f"/mentoring/sessions/{session.id}/confirm", data=data)
    assert response.status_code == 422
    assert "最多 500 个字" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert session.confirmed_at is None


def test_nobody_else_can_confirm_a_session(db, scene, app, log):
    """The mentor, another worker or the admin get 404 when confirming; nothing changes."""
    session = log(scene.pairing)
    for who in (scene.mentor, scene.worker):
        client = logged_in(app, who)
        data = {f"s{session.id}-csrf_token": csrf_token(client, "/mentoring/mine")}
        assert (
            client.post(f"/mentoring/sessions/{session.id}/confirm", data=data).status_code == 404
        )
    db.session.refresh(session)
    assert session.confirmed_at is None


def test_the_mentee_page_needs_a_worker_profile(db, scene, app):
    """A talk leader (no worker profile) gets 403 on the worker's own mentoring and talk pages."""
    client = logged_in(app, scene.leader)
    assert client.get("/mentoring/mine").status_code == 403
    assert client.get("/talks/mine").status_code == 403


# -- growth plan -----------------------------------------------------------------------------------


def _save_item(client, worker_id: int, kind: str, **fields):
    path = f"/mentoring/growth/{worker_id}"
    data = {
        f"{kind}-csrf_token": csrf_token(client, path),
        **{f"{kind}-{k}": v for k, v in fields.items()},
    }
    return client.post(f"{path}/{kind}", data=data)


def test_growth_plan_lists_the_four_ones(db, scene, app):
    """The plan shows the four items of 002 §2(1) and how many are done."""
    html = (
        logged_in(app, scene.mentee)
        .get(f"/mentoring/growth/{scene.mentee.user_id}")
        .get_data(as_text=True)
    )
    for item in ("一次外省市参观", "一次挂职锻炼", "一个研究课题", "一个创新项目"):
        assert item in html
    assert '0 <span class="of">/ 4</span>' in html


@pytest.mark.parametrize("who", ["mentee", "mentor"])
def test_mentee_and_mentor_fill_in_the_growth_plan(db, scene, app, who):
    """The mentee and the current mentor may record a date and evidence."""
    client = logged_in(app, getattr(scene, who))
    done_on = local_today() - timedelta(days=5)
    response = _save_item(
        client, scene.mentee.user_id, "visit", done_on=done_on.isoformat(), evidence="赴上海考察"
    )
    assert response.status_code == 302
    item = db.session.scalar(
        sa.select(GrowthItem).where(GrowthItem.worker_id == scene.mentee.user_id)
    )
    assert (item.kind, item.done_on, item.evidence) == (GrowthKind.VISIT, done_on, "赴上海考察")
    assert item.updated_by_id == getattr(scene, who).user_id
    html = client.get(f"/mentoring/growth/{scene.mentee.user_id}").get_data(as_text=True)
    assert '1 <span class="of">/ 4</span>' in html


def test_a_growth_date_in_the_future_is_refused(db, scene, app):
    """A future date: 422 with a message, nothing saved."""
    client = logged_in(app, scene.mentee)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = _save_item(client, scene.mentee.user_id, "research", done_on=tomorrow)
    assert response.status_code == 422
    assert "日期不能晚于今天" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(GrowthItem.id))) == 0


def test_admin_reads_but_does_not_fill_the_growth_plan(db, scene, app):
    """The street admin sees the plan (200) but may not change it (403)."""
    client = logged_in(app, scene.admin)
    assert client.get(f"/mentoring/growth/{scene.mentee.user_id}").status_code == 200
    response = _save_item(client, scene.mentee.user_id, "visit", evidence="x")
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(GrowthItem.id))) == 0


def test_an_unknown_growth_item_is_404(db, scene, app):
    """Only the four kinds exist."""
    response = _save_item(
        logged_in(app, scene.mentee), scene.mentee.user_id, "holiday", evidence="x"
    )
    assert response.status_code == 404
