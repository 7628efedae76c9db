"""Trainings stay in their street: every route that takes a training id, for four workers.

A training of street A expects community A1 and one named worker of street B. It is
visited by a worker of A1 (on the list), a worker of A2 (the street's, not on the list),
a worker of B (neither) and the named worker of B (on the list, another street). A worker
who may not see the training gets 404 with nothing about it — no title, time or place —
and no route writes a join request except 申请加入 after a scan, for the street's worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.checkin.codes import projector_mac, time_step
from portal.enums import AudienceScope, OrganiserLevel, Role, TrainingKind
from portal.models import JoinRequest, Training, TrainingAudience, WorkerProfile
from portal.timeutil import to_local, utcnow
from tests.helpers import PASSWORD, csrf_token, login

TITLE = "朝阳街道消防安全专题培训"
PLACE = "朝阳街道党群服务中心三楼多功能厅"
KINDS = ["own_street", "own_street_not_listed", "other_street", "listed_other_street"]


@dataclass
class Scene:
    """The training and its four visitors, by kind."""

    training: Training
    workers: dict[str, WorkerProfile]


@pytest.fixture
def scene(db, make_street, make_user, make_worker) -> Scene:
    """A running training of street A for community A1 and one named worker of street B."""
    street_a, street_b = make_street(communities=2), make_street()
    a1, a2 = street_a.communities
    homes = {
        "own_street": (street_a, a1),
        "own_street_not_listed": (street_a, a2),
        "other_street": (street_b, street_b.communities[0]),
        "listed_other_street": (street_b, street_b.communities[0]),
    }
    workers = {
        kind: make_worker(community=community) for kind, (street, community) in homes.items()
    }
    organiser = make_user(Role.TRAINER, street=street_a)
    starts = (utcnow() - timedelta(minutes=10)).replace(second=0, microsecond=0)
    training = Training(
        title=TITLE,
        kind=TrainingKind.IN_SERVICE,
        level=OrganiserLevel.STREET,
        street_id=street_a.id,
        organiser_id=organiser.id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place=PLACE,
        credited_hours=Decimal("2"),
    )
    training.audience = [
        TrainingAudience(scope=AudienceScope.COMMUNITY, community_id=a1.id),
        TrainingAudience(
            scope=AudienceScope.WORKER, worker_id=workers["listed_other_street"].user_id
        ),
    ]
    db.session.add(training)
    db.session.flush()
    return Scene(training, workers)


def code_path(training: Training, steps_back: int = 0) -> str:
    """Return the projector code's path now (or some steps ago)."""
    step = time_step(utcnow()) - steps_back
    return f"/c/{training.id}/{step}/{projector_mac(training.checkin_secret, training.id, step)}"


# Each route: how to visit it as a logged-in worker (the client, the training, the worker).


def _join(client, training, worker):
    token = csrf_token(client, "/")
    return client.post(f"/trainings/{training.id}/join", data={"csrf_token": token})


def _join_after_scan(client, training, worker):
    token = csrf_token(client, code_path(training))  # the scan page's own form
    return client.post(f"/trainings/{training.id}/join", data={"csrf_token": token})


def _get(path: str):
    return lambda client, training, worker: client.get(path.format(t=training, w=worker))


def _scan_before_login(client, training, worker):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    client.get(code_path(training))  # anonymous: kept for after the login
    path = "/login?next=%2Fc%2Fresume"
    data = {"username": worker.user.phone, "password": PASSWORD}
    client.post(path, data={**data, "csrf_token": csrf_token(client, path)})
    return client.get("/c/resume")


def _trainer_scan(client, training, worker):
    return client.post(
        f"/trainings/{training.id}/scan",
        json={"code": "CWP1.1.1.AAAAAAAAAAAAAAAA"},
        headers={"X-CSRFToken": csrf_token(client, "/")},
    )


SHOWN, HIDDEN = True, False
# route: (visit, {kind: (status, shows the training)})
ROUTES = {
    "join": (
        _join,
        {
            "own_street": (200, SHOWN),  # on their own list: told so, nothing written
            "own_street_not_listed": (404, HIDDEN),  # no scan: no join request
            "other_street": (404, HIDDEN),
            "listed_other_street": (200, SHOWN),
        },
    ),
    "join_after_scan": (
        _join_after_scan,
        {
            "own_street": (200, SHOWN),
            "own_street_not_listed": (200, SHOWN),  # the one request written
            "other_street": (404, HIDDEN),
            "listed_other_street": (200, SHOWN),
        },
    ),
    "scan": (
        _get("/c/{t.id}/" + "{step}"),  # replaced below: needs the current code
        {
            "own_street": (200, SHOWN),
            "own_street_not_listed": (403, SHOWN),  # 不在名单 + 申请加入
            "other_street": (404, HIDDEN),
            "listed_other_street": (200, SHOWN),
        },
    ),
    "scan_expired_code": (
        None,
        {
            "own_street": (410, SHOWN),
            "own_street_not_listed": (410, SHOWN),
            "other_street": (404, HIDDEN),
            "listed_other_street": (410, SHOWN),
        },
    ),
    "scan_before_login": (
        _scan_before_login,
        {
            "own_street": (200, SHOWN),
            "own_street_not_listed": (403, SHOWN),
            "other_street": (404, HIDDEN),
            "listed_other_street": (200, SHOWN),
        },
    ),
    "calendar": (
        _get("/me/trainings.ics"),
        {
            "own_street": (200, SHOWN),
            "own_street_not_listed": (200, HIDDEN),  # lists expected trainings only
            "other_street": (200, HIDDEN),
            "listed_other_street": (200, SHOWN),
        },
    ),
    "my_training_page": (
        _get("/workers/{w.user_id}/training"),
        {
            "own_street": (200, SHOWN),
            "own_street_not_listed": (200, HIDDEN),
            "other_street": (200, HIDDEN),
            "listed_other_street": (200, SHOWN),
        },
    ),
}
ROUTES["scan"] = (
    lambda client, training, worker: client.get(code_path(training)),
    ROUTES["scan"][1],
)
ROUTES["scan_expired_code"] = (
    lambda client, training, worker: client.get(code_path(training, steps_back=3)),
    ROUTES["scan_expired_code"][1],
)
# Trainer pages: role pages (403) or trainings one runs (404) — hidden from every worker.
for name, visit, status in [
    ("roster", _get("/trainings/{t.id}"), 403),
    ("roster_worker", _get("/trainings/{t.id}/roster/{w.user_id}"), 403),
    ("attendance_export", _get("/trainings/{t.id}/attendance.xlsx"), 403),
    ("projector", _get("/trainings/{t.id}/projector"), 404),
    ("projector_code", _get("/trainings/{t.id}/projector/code"), 404),
    ("projector_count", _get("/trainings/{t.id}/projector/count"), 404),
    ("scanner", _get("/trainings/{t.id}/scan"), 404),
    ("scanner_post", _trainer_scan, 404),
]:
    ROUTES[name] = (visit, dict.fromkeys(KINDS, (status, HIDDEN)))

CASES = [(route, kind) for route in ROUTES for kind in KINDS]


def _join_requests(db) -> list[tuple[int, int]]:
    return db.session.execute(sa.select(JoinRequest.training_id, JoinRequest.worker_id)).all()


@pytest.mark.parametrize(("route", "kind"), CASES, ids=[f"{r}-{k}" for r, k in CASES])
def test_a_training_shows_only_to_workers_who_may_see_it(client, db, scene, route, kind):
    """Status per route and worker; a hidden training leaves no title, time or place behind."""
    visit, expected = ROUTES[route]
    status, shown = expected[kind]
    worker = scene.workers[kind]
    login(client, worker.user.phone)

    response = visit(client, scene.training, worker)

    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    assert (TITLE in body) is shown
    if not shown:
        assert PLACE not in body
        assert to_local(scene.training.starts_at).strftime("%H:%M") not in body
    writes_request = route == "join_after_scan" and kind == "own_street_not_listed"
    expected_rows = [(scene.training.id, worker.user_id)] if writes_request else []
    assert _join_requests(db) == expected_rows


def test_a_join_request_needs_a_scan_in_this_browser(app, client, db, scene):
    """The street's worker who scanned on one phone cannot ask to join from another (404)."""
    worker = scene.workers["own_street_not_listed"]
    login(client, worker.user.phone)
    client.get(code_path(scene.training))  # offered on this phone
    other_phone = app.test_client()
    login(other_phone, worker.user.phone)

    response = _join(other_phone, scene.training, worker)

    assert response.status_code == 404
    assert TITLE not in response.get_data(as_text=True)
    assert _join_requests(db) == []


def test_another_users_scan_offers_nothing(client, db, scene):
    """An offer belongs to the worker who scanned: another login on the same phone gets 404."""
    login(client, scene.workers["own_street_not_listed"].user.phone)
    client.get(code_path(scene.training))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    colleague = scene.workers["own_street"]
    scene.training.audience = [
        TrainingAudience(
            scope=AudienceScope.WORKER, worker_id=scene.workers["other_street"].user_id
        )
    ]
    db.session.flush()  # now the colleague of the street is not on the list either
    login(client, colleague.user.phone)

    response = _join(client, scene.training, colleague)

    assert response.status_code == 404
    assert _join_requests(db) == []
