"""The trainer's door scanner: who may use it, and what each scanned personal code does."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.checkin.codes import (
    PERSONAL_STEP_SECONDS,
    personal_code,
    personal_key,
    step_bounds,
    time_step,
)
from portal.enums import (
    AttendanceMethod,
    AudienceScope,
    OrganiserLevel,
    Role,
    TrainingKind,
    WorkerStatus,
)
from portal.models import (
    Attendance,
    PersonalCodeUse,
    Street,
    Training,
    TrainingAudience,
    TrainingStaff,
    User,
    WorkerProfile,
)
from portal.timeutil import utcnow
from portal.training.rules import LATE_SYNC_ALLOWANCE
from tests.helpers import csrf_token, login


@dataclass
class Door:
    """A training open now in a street, its organiser, and a worker on its list."""

    street: Street
    organiser: User
    worker: WorkerProfile
    training: Training


@pytest.fixture
def make_open_training(db):
    """Make a street training organised by a user, expecting the whole street."""

    def make(
        street: Street, organiser: User, *, starts_in=timedelta(minutes=-10), hours=2
    ) -> Training:
        starts = utcnow() + starts_in
        training = Training(
            title="社区治理能力提升培训",
            kind=TrainingKind.IN_SERVICE,
            level=OrganiserLevel.STREET,
            street_id=street.id,
            organiser_id=organiser.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
            place="街道会议室",
            credited_hours=Decimal("4"),
        )
        training.audience.append(TrainingAudience(scope=AudienceScope.STREET, street_id=street.id))
        db.session.add(training)
        db.session.flush()
        return training

    return make


@pytest.fixture
def door(make_street, make_user, make_worker, make_open_training) -> Door:
    """A training running now, its organiser (a trainer) and a worker of its street."""
    street = make_street()
    organiser = make_user(Role.TRAINER, street=street, name="周志强")
    worker = make_worker(street=street, name="李晓雯")
    return Door(street, organiser, worker, make_open_training(street, organiser))


def code_for(app, user_id: int, moment: datetime) -> str:
    """Return a user's personal code as their phone showed it at a moment."""
    key = personal_key(app.secret_key)
    return personal_code(key, user_id, time_step(moment, PERSONAL_STEP_SECONDS))


def scan(client, training: Training, code: str, *, scanned_at=None, token=None, **extra):
    """Post one scan as the scanner page does, with the page's CSRF token."""
    if token is None:
        token = csrf_token(client, f"/trainings/{training.id}/scan")
    payload = {"code": code, "client_id": str(uuid.uuid4()), **extra}
    if scanned_at is not None:
        raw = isinstance(scanned_at, datetime)
        payload["scanned_at"] = scanned_at.isoformat() if raw else scanned_at
    return client.post(
        f"/trainings/{training.id}/scan", json=payload, headers={"X-CSRFToken": token}
    )


def rows(db, training: Training) -> list[Attendance]:
    """Return the attendance rows of a training."""
    return db.session.scalars(
        sa.select(Attendance).where(Attendance.training_id == training.id)
    ).all()


# -- who may scan -----------------------------------------------------------------------


def _visitor(kind: str, door: Door, make_user, make_street, db) -> User:
    if kind == "organiser":
        return door.organiser
    if kind == "assigned_trainer":
        user = make_user(Role.TRAINER, street=door.street)
        db.session.add(TrainingStaff(training_id=door.training.id, user_id=user.id))
        db.session.flush()
        return user
    if kind == "street_admin":
        return make_user(Role.STREET_ADMIN, street=door.street)
    if kind == "other_trainer":
        return make_user(Role.TRAINER, street=door.street)
    if kind == "other_street_admin":
        return make_user(Role.STREET_ADMIN, street=make_street())
    if kind == "worker_on_the_list":
        return door.worker.user
    raise AssertionError(kind)


ACCESS = [
    ("organiser", 200),
    ("assigned_trainer", 200),
    ("street_admin", 200),
    ("other_trainer", 404),
    ("other_street_admin", 404),
    ("worker_on_the_list", 404),
]


@pytest.mark.parametrize(("kind", "status"), ACCESS, ids=[k for k, _ in ACCESS])
def test_scanner_page_opens_only_for_those_who_run_the_training(
    client, db, door, make_user, make_street, kind, status
):
    """The organiser, an assigned trainer and the street's admin open the scanner; others 404."""
    visitor = _visitor(kind, door, make_user, make_street, db)
    login(client, visitor.phone)

    response = client.get(f"/trainings/{door.training.id}/scan")

    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        assert "扫码签到" in page
        assert door.training.title in page
        assert re.search(r"jsQR-1\.4\.0\.min\.[0-9a-f]{12}\.js", page)


@pytest.mark.parametrize(("kind", "status"), ACCESS, ids=[k for k, _ in ACCESS])
def test_scan_is_recorded_only_for_those_who_run_the_training(
    app, client, db, door, make_user, make_street, kind, status
):
    """A scan posted by someone who does not run the training is refused and records nothing."""
    visitor = _visitor(kind, door, make_user, make_street, db)
    login(client, visitor.phone)
    token = csrf_token(client, "/")

    response = scan(
        client, door.training, code_for(app, door.worker.user_id, utcnow()), token=token
    )

    assert response.status_code == status
    assert len(rows(db, door.training)) == (1 if status == 200 else 0)


def test_scanner_needs_a_login(client, door):
    """A logged-out visitor is sent to the login form, not shown the scanner."""
    response = client.get(f"/trainings/{door.training.id}/scan")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_scanner_for_a_missing_training_is_404(client, door):
    """A training that does not exist answers 404, like one the trainer does not run."""
    login(client, door.organiser.phone)

    assert client.get("/trainings/999999/scan").status_code == 404


# -- what a scan does --------------------------------------------------------------------


def test_scan_checks_the_worker_in_and_shows_name_initial_and_count(app, client, db, door):
    """A fresh code checks the worker in as a trainer scan and answers with name and count."""
    login(client, door.organiser.phone)
    now = utcnow()

    response = scan(client, door.training, code_for(app, door.worker.user_id, now), scanned_at=now)

    assert response.status_code == 200
    body = response.get_json()
    assert body["outcome"] == "checked_in"
    assert body["message"] == "李晓雯 签到成功。"
    assert body["worker"] == {"name": "李晓雯", "initial": "李"}
    assert body["count"] == 1
    assert body["expected"] == 1
    [row] = rows(db, door.training)
    assert row.worker_id == door.worker.user_id
    assert row.method is AttendanceMethod.TRAINER_SCAN
    assert row.recorded_by_id == door.organiser.id
    assert abs((row.scanned_at - now).total_seconds()) < 1
    assert row.credited_hours == Decimal("4")


def test_replayed_scan_answers_already_and_keeps_one_row(app, client, db, door):
    """The same scan sent twice (a replay from the offline queue) answers 已签到, one row."""
    login(client, door.organiser.phone)
    token = csrf_token(client, f"/trainings/{door.training.id}/scan")
    now = utcnow()
    payload = {
        "code": code_for(app, door.worker.user_id, now),
        "scanned_at": now.isoformat(),
        "client_id": str(uuid.uuid4()),
    }
    url = f"/trainings/{door.training.id}/scan"

    first = client.post(url, json=payload, headers={"X-CSRFToken": token})
    second = client.post(url, json=payload, headers={"X-CSRFToken": token})

    assert first.get_json()["outcome"] == "checked_in"
    assert second.status_code == 200
    assert second.get_json()["outcome"] == "already"
    assert second.get_json()["message"] == "李晓雯 已签到。"
    assert second.get_json()["client_id"] == payload["client_id"]
    assert second.get_json()["count"] == 1
    assert len(rows(db, door.training)) == 1


def test_worker_not_on_the_list_is_refused_by_name(app, client, db, door, make_worker, make_street):
    """A worker of another street is named and refused; the trainer can mark by hand instead."""
    stranger = make_worker(street=make_street(), name="孙浩")
    login(client, door.organiser.phone)

    response = scan(client, door.training, code_for(app, stranger.user_id, utcnow()))

    assert response.status_code == 422
    body = response.get_json()
    assert body["outcome"] == "not_expected"
    assert body["worker"]["name"] == "孙浩"
    assert "不在本次培训名单中" in body["message"]
    assert "手动补签" in body["message"]
    assert rows(db, door.training) == []


def test_worker_no_longer_on_post_is_refused(app, client, db, door):
    """A worker who has left the post is refused and nothing is recorded."""
    door.worker.status = WorkerStatus.EXITED
    db.session.flush()
    login(client, door.organiser.phone)

    response = scan(client, door.training, code_for(app, door.worker.user_id, utcnow()))

    assert response.status_code == 422
    assert response.get_json()["outcome"] == "not_on_post"
    assert rows(db, door.training) == []


def test_code_of_someone_without_a_worker_profile_is_refused(app, client, db, door, make_user):
    """A genuine code of a user who is not a worker is refused as unknown."""
    leader = make_user(Role.TALK_LEADER, street=door.street)
    login(client, door.organiser.phone)

    response = scan(client, door.training, code_for(app, leader.id, utcnow()))

    assert response.status_code == 422
    assert response.get_json()["outcome"] == "unknown_worker"
    assert response.get_json()["message"] == "没有与此签到码对应的社工。"
    assert rows(db, door.training) == []


@pytest.mark.parametrize(
    ("starts_in", "outcome", "message"),
    [
        (timedelta(hours=2), "not_open", "扫码时尚未到签到时间。"),
        (timedelta(hours=-3), "closed", "扫码时签到已经结束。"),
    ],
    ids=["before_the_door_opens", "after_the_end"],
)
def test_scan_outside_the_window_is_refused(
    app, client, db, door, make_open_training, starts_in, outcome, message
):
    """A scan made before the door opens or after the end is refused with the reason."""
    training = make_open_training(door.street, door.organiser, starts_in=starts_in)
    login(client, door.organiser.phone)

    response = scan(client, training, code_for(app, door.worker.user_id, utcnow()))

    assert response.status_code == 422
    assert response.get_json()["outcome"] == outcome
    assert response.get_json()["message"] == message
    assert rows(db, training) == []


# -- bad codes ----------------------------------------------------------------------------


def _tampered(code: str) -> str:
    head, mac = code.rsplit(".", 1)
    return f"{head}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}"


def _other_worker(code: str, user_id: int) -> str:
    prefix, _uid, step, mac = code.split(".")
    return f"{prefix}.{user_id}.{step}.{mac}"


@pytest.mark.parametrize(
    ("make_code", "outcome", "message"),
    [
        (lambda app, door, now: "hello", "malformed", "这不是社工的签到码。"),
        (
            lambda app, door, now: "https://example.com/trainings/1/checkin/123/ABC",
            "malformed",
            "这不是社工的签到码。",
        ),
        (
            lambda app, door, now: _tampered(code_for(app, door.worker.user_id, now)),
            "invalid_code",
            "签到码无效，请社工重新打开我的签到码。",
        ),
        (
            lambda app, door, now: _other_worker(
                code_for(app, door.organiser.id, now), door.worker.user_id
            ),
            "invalid_code",
            "签到码无效，请社工重新打开我的签到码。",
        ),
        (
            lambda app, door, now: code_for(app, door.worker.user_id, now - timedelta(seconds=60)),
            "expired_code",
            "签到码已过期：请李晓雯重新出示手机上的签到码。",
        ),
        (
            lambda app, door, now: code_for(app, door.worker.user_id, now + timedelta(seconds=60)),
            "future_code",
            "签到码尚未生效：请检查手机时间。",
        ),
    ],
    ids=["not_a_code", "projector_url", "forged_mac", "other_users_mac", "expired", "future_step"],
)
def test_bad_code_is_refused_and_changes_nothing(
    app, client, db, door, make_code, outcome, message
):
    """Garbage, forged, expired and not-yet-valid codes are refused with a reason, nothing saved."""
    login(client, door.organiser.phone)
    now = utcnow()

    response = scan(client, door.training, make_code(app, door, now), scanned_at=now)

    assert response.status_code == 400
    body = response.get_json()
    assert body["outcome"] == outcome
    assert body["message"] == message
    assert body["ok"] is False
    assert rows(db, door.training) == []


def test_code_read_just_after_the_boundary_by_a_clock_slightly_behind_is_accepted(
    app, client, db, door
):
    """A new code read by a scanner whose clock is 2 s behind the server still counts."""
    login(client, door.organiser.phone)
    now = utcnow()
    boundary = (time_step(now, PERSONAL_STEP_SECONDS)) * PERSONAL_STEP_SECONDS
    just_before = datetime.fromtimestamp(boundary - 2, tz=now.tzinfo)
    fresh_code = code_for(app, door.worker.user_id, now)

    response = scan(client, door.training, fresh_code, scanned_at=just_before)

    assert response.status_code == 200
    assert response.get_json()["outcome"] == "checked_in"


@pytest.mark.parametrize(
    "body",
    [None, [], {"code": 42}, {"code": ""}, {"code": "x" * 500}],
    ids=["no_json", "list", "number", "empty", "too_long"],
)
def test_malformed_body_is_refused(app, client, db, door, body):
    """A request that does not carry a code is refused with a message, nothing saved."""
    login(client, door.organiser.phone)
    token = csrf_token(client, f"/trainings/{door.training.id}/scan")

    response = client.post(
        f"/trainings/{door.training.id}/scan",
        json=body,
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 400
    assert response.get_json()["message"] == "这不是社工的签到码。"
    assert rows(db, door.training) == []


# -- the scan time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scanned_at", "outcome", "message"),
    [
        ("yesterday", "bad_time", "扫码时间无效。"),
        ("2025-03-01T09:00:00", "bad_time", "扫码时间无效。"),  # no time zone
        (7, "bad_time", "扫码时间无效。"),
        (
            "FUTURE",
            "future_scan",
            "扫码时间晚于当前时间：请检查本机时间。",
        ),
    ],
    ids=["words", "naive", "number", "five_minutes_ahead"],
)
def test_bad_scan_time_is_refused(app, client, db, door, scanned_at, outcome, message):
    """A scan time that is not an aware ISO moment, or lies in the future, is refused."""
    login(client, door.organiser.phone)
    now = utcnow()
    if scanned_at == "FUTURE":
        scanned_at = (now + timedelta(minutes=5)).isoformat()

    response = scan(
        client, door.training, code_for(app, door.worker.user_id, now), scanned_at=scanned_at
    )

    assert response.status_code == 400
    assert response.get_json()["outcome"] == outcome
    assert response.get_json()["message"] == message
    assert rows(db, door.training) == []


def test_small_clock_skew_ahead_is_tolerated(app, client, db, door):
    """A scan time a minute ahead of the server (a phone clock running fast) still counts."""
    login(client, door.organiser.phone)
    now = utcnow()

    response = scan(
        client,
        door.training,
        code_for(app, door.worker.user_id, now),
        scanned_at=now + timedelta(seconds=20),
    )

    assert response.status_code == 200
    [row] = rows(db, door.training)
    assert row.scanned_at <= utcnow()


def test_scan_synced_after_the_end_counts_at_the_time_it_was_made(
    app, client, db, door, make_open_training
):
    """A scan queued offline during the training and synced after its end counts as of the scan."""
    training = make_open_training(
        door.street, door.organiser, starts_in=timedelta(hours=-5), hours=4
    )  # ended an hour ago
    scanned_at = training.starts_at + timedelta(minutes=20)  # 5 minutes past the late mark
    code = code_for(app, door.worker.user_id, scanned_at)
    login(client, door.organiser.phone)

    response = scan(client, training, code, scanned_at=scanned_at)

    assert response.status_code == 200
    assert response.get_json()["outcome"] == "checked_in"
    assert response.get_json()["late"] is True
    assert response.get_json()["message"] == "李晓雯 签到成功（迟到）。"
    [row] = rows(db, training)
    assert row.scanned_at == scanned_at
    assert row.late is True


def test_scan_synced_after_the_allowance_is_refused(app, client, db, door, make_open_training):
    """A scan that arrives more than the sync allowance after the end is refused, nothing saved."""
    training = make_open_training(
        door.street,
        door.organiser,
        starts_in=-(LATE_SYNC_ALLOWANCE + timedelta(hours=3)),
        hours=2,
    )
    scanned_at = training.starts_at + timedelta(minutes=5)
    login(client, door.organiser.phone)

    response = scan(
        client, training, code_for(app, door.worker.user_id, scanned_at), scanned_at=scanned_at
    )

    assert response.status_code == 422
    assert response.get_json()["outcome"] == "sync_closed"
    assert "手动补签" in response.get_json()["message"]
    assert rows(db, training) == []


def test_missing_scan_time_means_now(app, client, db, door):
    """A scan without a scan time is taken as made on arrival."""
    login(client, door.organiser.phone)

    response = scan(client, door.training, code_for(app, door.worker.user_id, utcnow()))

    assert response.status_code == 200
    [row] = rows(db, door.training)
    assert abs((row.scanned_at - utcnow()).total_seconds()) < 5


# -- one code, one door ------------------------------------------------------------------


def code_uses(db) -> list[tuple[int, int, int]]:
    """Return the claimed personal-code steps as (worker, step, training)."""
    return db.session.execute(
        sa.select(PersonalCodeUse.worker_id, PersonalCodeUse.step, PersonalCodeUse.training_id)
    ).all()


@pytest.fixture
def second_door(door, make_open_training) -> Training:
    """Another training of the same street running now, run by the same organiser."""
    return make_open_training(door.street, door.organiser, starts_in=timedelta(minutes=-5))


def test_a_scan_claims_the_codes_step_for_its_training(app, client, db, door):
    """A recorded scan remembers (worker, step) for this training; a replay claims nothing new."""
    login(client, door.organiser.phone)
    now = utcnow()
    code = code_for(app, door.worker.user_id, now)

    scan(client, door.training, code, scanned_at=now)
    again = scan(client, door.training, code, scanned_at=now)

    assert again.get_json()["outcome"] == "already"
    step = time_step(now, PERSONAL_STEP_SECONDS)
    assert code_uses(db) == [(door.worker.user_id, step, door.training.id)]


def test_live_code_shown_at_one_door_cannot_check_in_at_another(app, client, db, door, second_door):
    """The same code scanned live at a second training is refused (409) and records nothing."""
    login(client, door.organiser.phone)
    now = utcnow()
    code = code_for(app, door.worker.user_id, now)
    assert scan(client, door.training, code, scanned_at=now).status_code == 200

    response = scan(client, second_door, code, scanned_at=now)

    assert response.status_code == 409
    body = response.get_json()
    assert body["outcome"] == "code_used"
    assert body["ok"] is False
    assert body["message"] == (
        "李晓雯 的这个签到码已用于另一场培训的签到：一个签到码只能在一处签到。"
        "请扫描其手机上新的签到码。"
    )
    assert body["count"] == 0
    assert rows(db, second_door) == []
    assert [use.training_id for use in code_uses(db)] == [door.training.id]


def test_replayed_offline_scan_of_a_code_used_elsewhere_is_refused(
    app, client, db, door, second_door
):
    """A code recorded at one door, replayed later to another training as of then, is refused."""
    login(client, door.organiser.phone)
    seen = utcnow() - timedelta(minutes=3)
    code = code_for(app, door.worker.user_id, seen)
    assert scan(client, door.training, code, scanned_at=seen).get_json()["ok"] is True

    response = scan(client, second_door, code, scanned_at=seen)

    assert response.status_code == 409
    assert response.get_json()["outcome"] == "code_used"
    assert rows(db, second_door) == []
    assert len(code_uses(db)) == 1


def test_queued_scan_whose_code_does_not_match_its_time_is_refused(app, client, db, door):
    """A queued scan claiming a time its code was not shown at is refused (400), nothing saved."""
    login(client, door.organiser.phone)
    shown = utcnow() - timedelta(minutes=8)
    claimed = shown + timedelta(minutes=2)  # a replay dressed up as a later scan

    response = scan(
        client, door.training, code_for(app, door.worker.user_id, shown), scanned_at=claimed
    )

    assert response.status_code == 400
    body = response.get_json()
    assert body["outcome"] == "code_time_mismatch"
    assert body["message"] == (
        "签到码与扫码时间不符：这不是李晓雯的手机在扫码时显示的签到码。未作任何记录。"
    )
    assert rows(db, door.training) == []
    assert code_uses(db) == []


def _boundary_before(moment: datetime, back: timedelta) -> datetime:
    """Return a personal-code step boundary some time before a moment."""
    step = time_step(moment - back, PERSONAL_STEP_SECONDS)
    return step_bounds(step, PERSONAL_STEP_SECONDS)[0]


def test_code_that_rotated_away_before_the_door_opened_is_refused(
    app, client, db, door, make_open_training
):
    """A code of the step that ended as check-in opened, scanned just after, is refused (422)."""
    opens = _boundary_before(utcnow(), timedelta(minutes=10))
    training = make_open_training(door.street, door.organiser)
    training.starts_at = opens + timedelta(minutes=30)  # the door opens on a step boundary
    training.ends_at = training.starts_at + timedelta(hours=2)
    db.session.flush()
    earlier_code = code_for(app, door.worker.user_id, opens - timedelta(seconds=1))
    login(client, door.organiser.phone)

    response = scan(client, training, earlier_code, scanned_at=opens + timedelta(seconds=2))

    assert response.status_code == 422
    assert response.get_json()["outcome"] == "code_outside_window"
    assert response.get_json()["message"] == "此签到码不是在本次培训的签到时间内出示的。"
    assert rows(db, training) == []
    assert code_uses(db) == []


def test_code_that_appeared_only_after_the_end_is_refused(
    app, client, db, door, make_open_training
):
    """A next-step code (allowed for a clock a bit behind) that began after the end is refused."""
    boundary = _boundary_before(utcnow(), timedelta(hours=1))
    ends = boundary - timedelta(seconds=1)
    training = make_open_training(door.street, door.organiser)
    training.starts_at, training.ends_at = ends - timedelta(hours=2), ends
    db.session.flush()
    later_code = code_for(app, door.worker.user_id, boundary)
    login(client, door.organiser.phone)

    response = scan(client, training, later_code, scanned_at=ends - timedelta(seconds=2))

    assert response.status_code == 422
    assert response.get_json()["outcome"] == "code_outside_window"
    assert rows(db, training) == []
    assert code_uses(db) == []


def test_refused_scan_of_a_worker_not_on_the_list_claims_no_step(
    app, client, db, door, second_door, make_worker, make_street
):
    """A refused scan claims nothing: the worker's code still works at the training they attend."""
    stranger_street = make_street()
    stranger = make_worker(street=stranger_street, name="孙浩")
    login(client, door.organiser.phone)
    now = utcnow()
    code = code_for(app, stranger.user_id, now)

    assert scan(client, door.training, code, scanned_at=now).status_code == 422

    assert code_uses(db) == []


# -- CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-the-token"], ids=["missing", "wrong"])
def test_scan_without_the_csrf_token_is_refused(app, client, db, door, token):
    """A scan posted without the page's CSRF token is refused with 400 and records nothing."""
    login(client, door.organiser.phone)
    headers = {"X-CSRFToken": token} if token else {}

    response = client.post(
        f"/trainings/{door.training.id}/scan",
        json={"code": code_for(app, door.worker.user_id, utcnow())},
        headers=headers,
    )

    assert response.status_code == 400
    assert rows(db, door.training) == []


# -- page and cost ----------------------------------------------------------------------------


def test_scanner_page_lists_latest_check_ins_and_the_count(app, client, db, door, attend):
    """The scanner page shows how many are in and who checked in last."""
    attend(door.worker, door.training)
    login(client, door.organiser.phone)

    page = client.get(f"/trainings/{door.training.id}/scan").get_data(as_text=True)

    assert 'id="scan-count" class="big">1<' in page
    assert "李晓雯" in page
    assert 'data-csrf="' in page
    assert 'data-code-prefix="CWP1."' in page


def test_a_scan_costs_a_handful_of_queries(app, client, door, count_queries):
    """Recording a scan runs a bounded number of statements, whatever the roster's size."""
    login(client, door.organiser.phone)
    token = csrf_token(client, f"/trainings/{door.training.id}/scan")
    code = code_for(app, door.worker.user_id, utcnow())

    with count_queries() as statements:
        response = scan(client, door.training, code, token=token)

    assert response.status_code == 200
    assert len(statements) <= 12, statements
