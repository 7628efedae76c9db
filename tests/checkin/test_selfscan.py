"""A worker scans the projector code: one scan checks in, or the refusal says why.

The views' clock is set by the `clock` fixture (tests/checkin/conftest.py: only the
server's notion of "now" moves), so the tests can scan at a chosen moment and log in
"minutes later".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.checkin.codes import PROJECTOR_STEP_SECONDS, projector_mac, time_step
from portal.enums import (
    AttendanceMethod,
    AudienceScope,
    OrganiserLevel,
    RequestStatus,
    Role,
    TrainingKind,
    WorkerStatus,
)
from portal.models import Attendance, Community, JoinRequest, Training, TrainingAudience, User
from portal.timeutil import utcnow
from portal.training.roster_operations import approve_join_request
from tests.helpers import PASSWORD, csrf_token, login

RESUME = "/c/resume"


def mid_step(moment: datetime) -> datetime:
    """Return the middle of the 15 s step containing a moment (far from both boundaries)."""
    start = time_step(moment) * PROJECTOR_STEP_SECONDS
    return datetime.fromtimestamp(start + 7.5, moment.tzinfo)


@pytest.fixture
def make_live_training(db, make_user):
    """Make a training around now (started 10 minutes ago by default) expecting a street."""

    def make(
        street,
        *,
        starts_in: timedelta = timedelta(minutes=-10),
        lasts: timedelta = timedelta(hours=2),
        hours: str = "2",
        credits_by_time: bool = False,
    ) -> Training:
        organiser = make_user(Role.TRAINER, street=street)
        start = utcnow() + starts_in
        training = Training(
            title="社区治理能力提升培训",
            kind=TrainingKind.IN_SERVICE,
            level=OrganiserLevel.STREET,
            street_id=street.id,
            organiser_id=organiser.id,
            starts_at=start,
            ends_at=start + lasts,
            place="街道党群服务中心",
            credited_hours=Decimal(hours),
            credits_by_time=credits_by_time,
        )
        training.audience.append(TrainingAudience(scope=AudienceScope.STREET, street_id=street.id))
        db.session.add(training)
        db.session.flush()
        return training

    return make


def scan_path(training: Training, moment: datetime, *, step_shift: int = 0) -> str:
    """Return the path the projector's QR code holds at a moment."""
    step = time_step(moment) + step_shift
    return f"/c/{training.id}/{step}/{projector_mac(training.checkin_secret, training.id, step)}"


def attendances(db, training: Training) -> list[Attendance]:
    return db.session.scalars(
        sa.select(Attendance).where(Attendance.training_id == training.id)
    ).all()


def join_requests(db, training: Training) -> list[JoinRequest]:
    return db.session.scalars(
        sa.select(JoinRequest).where(JoinRequest.training_id == training.id)
    ).all()


def login_to_resume(client, phone: str):
    """Log in from the page a scan redirected to (login?next=/c/resume)."""
    path = "/login?next=%2Fc%2Fresume"
    data = {"username": phone, "password": PASSWORD, "csrf_token": csrf_token(client, path)}
    return client.post(path, data=data)


@pytest.fixture
def worker(make_street, make_worker):
    """A worker on post in a street of their own."""
    return make_worker(street=make_street())


@pytest.fixture
def training(worker, make_live_training):
    """A training of the worker's street that started ten minutes ago."""
    return make_live_training(worker.community.street)


# -- logged in: one scan -----------------------------------------------------------------


def test_logged_in_worker_is_checked_in_by_one_scan(client, db, clock, worker, training):
    """Opening the code's URL checks a logged-in worker in at once and shows the hours."""
    login(client, worker.user.phone)
    response = client.get(scan_path(training, utcnow()))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "签到成功" in page
    assert "已计入 2 学时" in page
    assert training.title in page
    [row] = attendances(db, training)
    assert row.worker_id == worker.user_id
    assert row.method == AttendanceMethod.SELF_SCAN
    assert row.recorded_by_id == worker.user_id
    assert row.credited_hours == Decimal("2.0")


def test_code_of_the_previous_step_is_still_accepted(client, db, clock, worker, training):
    """A code scanned just after the screen rotated (the previous step) still checks in."""
    now = mid_step(utcnow())
    clock.set(now)
    login(client, worker.user.phone)
    response = client.get(scan_path(training, now, step_shift=-1))
    assert response.status_code == 200
    assert "签到成功" in response.get_data(as_text=True)
    assert len(attendances(db, training)) == 1


def test_training_credited_by_time_says_hours_come_at_check_out(
    client, db, clock, worker, make_live_training
):
    """A training that credits by time tells the worker the hours come with check-out."""
    training = make_live_training(worker.community.street, credits_by_time=True)
    login(client, worker.user.phone)
    response = client.get(scan_path(training, utcnow()))
    assert response.status_code == 200
    assert "签退后计入" in response.get_data(as_text=True)


def test_second_scan_says_already_checked_in_with_one_row(client, db, clock, worker, training):
    """Scanning again shows 已签到 with the first check-in time and adds no second record."""
    login(client, worker.user.phone)
    first = clock.now()
    client.get(scan_path(training, first))
    [row] = attendances(db, training)
    clock.set(first + timedelta(minutes=3))
    response = client.get(scan_path(training, clock.now()))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已签到" in page and "无需重复扫码" in page
    assert "签到成功" not in page
    shown = re.search(r"您已于 (\d\d:\d\d:\d\d) 签到", page)
    assert shown, page
    assert len(attendances(db, training)) == 1
    assert attendances(db, training)[0].id == row.id


def test_replayed_old_code_is_expired_and_changes_nothing(client, db, clock, worker, training):
    """A code photographed a minute ago (replayed) is refused as expired; nothing is recorded."""
    login(client, worker.user.phone)
    response = client.get(scan_path(training, utcnow() - timedelta(minutes=1)))
    page = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "二维码已过期" in page
    assert "请扫描屏幕上当前显示的二维码" in page
    assert attendances(db, training) == []


def test_checked_in_worker_opening_an_expired_link_sees_already_checked_in(
    client, db, clock, worker, training
):
    """A worker checked in who opens an older link of the training sees 已签到; one row stays."""
    login(client, worker.user.phone)
    scanned = mid_step(utcnow())
    clock.set(scanned)
    client.get(scan_path(training, scanned))
    [row] = attendances(db, training)
    clock.set(scanned + timedelta(minutes=5))  # the link in the browser's history is old now
    response = client.get(scan_path(training, scanned))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已签到" in page and "无需重复扫码" in page
    assert "二维码已过期" not in page
    assert [a.id for a in attendances(db, training)] == [row.id]


def test_expired_link_of_a_worker_not_checked_in_is_still_expired(
    app, client, db, clock, worker, training, make_worker
):
    """The same old link that shows a checked-in colleague 已签到 is 已过期 for one who is not."""
    colleague = make_worker(community=worker.community)
    scanned = mid_step(utcnow())
    clock.set(scanned)
    colleagues_phone = app.test_client()
    login(colleagues_phone, colleague.user.phone)
    colleagues_phone.get(scan_path(training, scanned))
    clock.set(scanned + timedelta(minutes=5))
    assert "已签到" in colleagues_phone.get(scan_path(training, scanned)).get_data(as_text=True)
    login(client, worker.user.phone)
    response = client.get(scan_path(training, scanned))
    assert response.status_code == 410
    assert "二维码已过期" in response.get_data(as_text=True)
    assert [a.worker_id for a in attendances(db, training)] == [colleague.user_id]


@pytest.mark.parametrize("age", [timedelta(0), timedelta(minutes=5)], ids=["current", "expired"])
def test_forged_code_from_a_checked_in_worker_is_still_invalid(
    client, db, clock, worker, training, age
):
    """A tampered code says 二维码无效 even to a worker already checked in, however old it is."""
    login(client, worker.user.phone)
    scanned = mid_step(utcnow())
    clock.set(scanned)
    client.get(scan_path(training, scanned))
    clock.set(scanned + age)
    response = client.get(_tampered(scan_path(training, scanned)))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "二维码无效" in page and "已签到" not in page
    assert len(attendances(db, training)) == 1


def _tampered(path: str) -> str:
    head, mac = path.rsplit("/", 1)
    return f"{head}/{'B' if mac[0] == 'A' else 'A'}{mac[1:]}"


@pytest.mark.parametrize(
    "forge",
    [
        lambda t, other, now: _tampered(scan_path(t, now)),
        lambda t, other, now: scan_path(other, now).replace(f"/c/{other.id}/", f"/c/{t.id}/"),
        lambda t, other, now: scan_path(t, now, step_shift=1),
        lambda t, other, now: scan_path(t, now).lower(),
        lambda t, other, now: scan_path(t, now)[:-3],
        lambda t, other, now: scan_path(t, now).replace(f"/c/{t.id}/", "/c/999999/"),
    ],
    ids=["tampered", "other-training", "future-step", "lowercased", "truncated", "no-training"],
)
def test_forged_codes_are_invalid_and_change_nothing(
    client, db, clock, worker, training, make_live_training, forge
):
    """Tampered, other-training, future, malformed and unknown codes say 二维码无效 (400)."""
    other = make_live_training(worker.community.street)
    now = mid_step(utcnow())
    clock.set(now)
    login(client, worker.user.phone)
    response = client.get(forge(training, other, now))
    assert response.status_code == 400
    assert "二维码无效" in response.get_data(as_text=True)
    assert attendances(db, training) == []


@pytest.mark.parametrize(
    ("starts_in", "text"),
    [(timedelta(hours=2), "签到将于"), (timedelta(hours=-5), "签到已于")],
    ids=["not-open-yet", "closed"],
)
def test_outside_the_window_is_refused_with_when(
    client, db, clock, worker, make_live_training, starts_in, text
):
    """Before the door opens or after the end: 不在签到时间 (409) with the time; nothing changes."""
    training = make_live_training(worker.community.street, starts_in=starts_in)
    login(client, worker.user.phone)
    response = client.get(scan_path(training, utcnow()))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "不在签到时间" in page and text in page
    assert attendances(db, training) == []


def test_worker_not_on_the_list_is_offered_to_request_joining(
    client, db, clock, training, outsider
):
    """A worker of the street not on the list hears 您不在本次培训名单中 (403), may 申请加入."""
    login(client, outsider.user.phone)
    response = client.get(scan_path(training, utcnow()))
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "您不在本次培训名单中" in page
    assert "申请加入" in page
    assert f'action="/trainings/{training.id}/join"' in page
    assert attendances(db, training) == []


@pytest.mark.parametrize("role", [Role.TRAINER, Role.STREET_ADMIN, Role.TALK_LEADER])
def test_account_without_worker_profile_cannot_check_in(
    client, db, clock, training, make_user, role
):
    """A trainer, admin or leader account without a worker profile is told it cannot check in."""
    user = make_user(role)
    login(client, user.phone)
    response = client.get(scan_path(training, utcnow()))
    assert response.status_code == 403
    assert "此账号不能签到" in response.get_data(as_text=True)
    assert attendances(db, training) == []


def test_worker_who_left_the_post_cannot_check_in(client, db, clock, worker, training):
    """A worker whose record says 退出 is refused (403) and nothing is recorded."""
    worker.status = WorkerStatus.EXITED
    db.session.flush()
    login(client, worker.user.phone)
    response = client.get(scan_path(training, utcnow()))
    assert response.status_code == 403
    assert "您已不在岗" in response.get_data(as_text=True)
    assert attendances(db, training) == []


# -- not logged in: the grace carried through login ---------------------------------------


def test_scan_before_login_checks_in_after_login(client, db, clock, worker, training):
    """Not logged in: the scan sends the worker to log in, then checks them in as of the scan."""
    scanned = mid_step(utcnow())
    clock.set(scanned)
    response = client.get(scan_path(training, scanned))
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/c/resume"
    assert attendances(db, training) == []

    login_page = client.get("/login?next=%2Fc%2Fresume").get_data(as_text=True)
    assert "请登录以完成" in login_page and training.title in login_page
    response = login_to_resume(client, worker.user.phone)
    assert response.headers["Location"] == RESUME
    response = client.get(RESUME)
    assert response.status_code == 200
    assert "签到成功" in response.get_data(as_text=True)
    [row] = attendances(db, training)
    assert row.scanned_at == scanned
    assert row.worker_id == worker.user_id


def test_code_expiring_while_typing_the_password_still_checks_in(
    client, db, clock, worker, make_live_training
):
    """The code expires during a 5-minute login, yet the worker is checked in as of the scan."""
    # Started 14 minutes before the scan: on time then, late (over 15 min) by the login.
    training = make_live_training(worker.community.street, starts_in=timedelta(minutes=-14))
    scanned = mid_step(utcnow())
    clock.set(scanned)
    path = scan_path(training, scanned)
    assert client.get(path).status_code == 302

    clock.set(scanned + timedelta(minutes=5))
    login_to_resume(client, worker.user.phone)
    assert client.get(path).status_code == 410  # the code itself is long expired
    response = client.get(RESUME)
    assert response.status_code == 200
    assert "签到成功" in response.get_data(as_text=True)
    [row] = attendances(db, training)
    assert row.scanned_at == scanned
    assert row.late is False


def test_grace_runs_out_after_ten_minutes(client, db, clock, worker, training):
    """A login more than ten minutes after the scan is told to scan again; nothing recorded."""
    scanned = mid_step(utcnow())
    clock.set(scanned)
    client.get(scan_path(training, scanned))
    clock.set(scanned + timedelta(minutes=10, seconds=1))
    login_to_resume(client, worker.user.phone)
    response = client.get(RESUME)
    assert response.status_code == 410
    assert "扫码已超时" in response.get_data(as_text=True)
    assert attendances(db, training) == []


def test_expired_grace_of_a_worker_already_checked_in_says_already(
    app, client, db, clock, worker, training
):
    """A scan kept past its grace finishes as 已签到 when the worker checked in meanwhile."""
    scanned = mid_step(utcnow())
    clock.set(scanned)
    client.get(scan_path(training, scanned))  # not logged in on this browser: grace kept
    phone = app.test_client()
    login(phone, worker.user.phone)
    phone.get(scan_path(training, scanned))  # checked in on another phone
    clock.set(scanned + timedelta(minutes=11))
    login_to_resume(client, worker.user.phone)
    response = client.get(RESUME)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已签到" in page
    assert len(attendances(db, training)) == 1


def test_grace_is_used_once(client, db, clock, worker, training):
    """After the check-in the grace is gone: resuming again finds nothing waiting."""
    client.get(scan_path(training, clock.now()))
    login_to_resume(client, worker.user.phone)
    assert client.get(RESUME).status_code == 200
    again = client.get(RESUME)
    assert again.status_code == 404
    assert "没有待完成的签到" in again.get_data(as_text=True)
    assert len(attendances(db, training)) == 1


def test_grace_belongs_to_the_browser_that_scanned(app, client, db, clock, worker, training):
    """Another browser cannot use a scan made elsewhere; the scanning browser still can."""
    client.get(scan_path(training, clock.now()))

    elsewhere = app.test_client()
    login_to_resume(elsewhere, worker.user.phone)
    response = elsewhere.get(RESUME)
    assert response.status_code == 404
    assert attendances(db, training) == []

    login_to_resume(client, worker.user.phone)
    assert client.get(RESUME).status_code == 200
    assert len(attendances(db, training)) == 1


@pytest.mark.parametrize(
    ("make_path", "status", "text"),
    [
        (lambda t: scan_path(t, utcnow() - timedelta(minutes=2)), 410, "二维码已过期"),
        (lambda t: _tampered(scan_path(t, utcnow())), 400, "二维码无效"),
    ],
    ids=["expired", "tampered"],
)
def test_bad_code_before_login_is_refused_at_once(
    client, db, clock, worker, training, make_path, status, text
):
    """An expired or forged code is refused right away, with no login detour and no grace."""
    response = client.get(make_path(training))
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    login_to_resume(client, worker.user.phone)
    assert client.get(RESUME).status_code == 404
    assert attendances(db, training) == []


def test_closed_door_before_login_is_refused_at_once(client, db, clock, worker, make_live_training):
    """A valid code of a training whose check-in has closed is refused before any login."""
    training = make_live_training(worker.community.street, starts_in=timedelta(hours=-5))
    response = client.get(scan_path(training, utcnow()))
    assert response.status_code == 409
    assert "不在签到时间" in response.get_data(as_text=True)


def test_resume_needs_login(client, db):
    """The resume page asks for a login first."""
    response = client.get(RESUME)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# -- asking to join -----------------------------------------------------------------------


@pytest.fixture
def outsider(db, training, worker, make_worker):
    """A worker of the training's street, in a community the training does not expect."""
    street = worker.community.street
    community = Community(street=street, name=f"{street.name}东社区", population=8000)
    db.session.add(community)
    db.session.flush()
    outsider = make_worker(street=street)
    outsider.community = community
    training.audience = [
        TrainingAudience(scope=AudienceScope.COMMUNITY, community_id=worker.community_id)
    ]
    db.session.flush()
    return outsider


def test_request_to_join_is_recorded_once_and_shown_as_pending(
    client, db, clock, training, outsider
):
    """申请加入 records one pending request; asking again says it is waiting for approval."""
    login(client, outsider.user.phone)
    token = csrf_token(client, scan_path(training, utcnow()))
    response = client.post(f"/trainings/{training.id}/join", data={"csrf_token": token})
    assert response.status_code == 200
    assert "申请已提交" in response.get_data(as_text=True)
    [request] = join_requests(db, training)
    assert request.worker_id == outsider.user_id
    assert request.status == RequestStatus.PENDING

    again = client.post(f"/trainings/{training.id}/join", data={"csrf_token": token})
    assert again.status_code == 200
    assert "您已提交过申请" in again.get_data(as_text=True)
    assert "等待培训组织者审批" in again.get_data(as_text=True)
    assert len(join_requests(db, training)) == 1

    rescan = client.get(scan_path(training, utcnow())).get_data(as_text=True)
    assert "等待培训组织者审批" in rescan
    assert "申请加入</button>" not in rescan


def test_request_to_join_without_csrf_token_changes_nothing(client, db, clock, training, outsider):
    """A join request without the form's token is refused (400) and records nothing."""
    login(client, outsider.user.phone)
    response = client.post(f"/trainings/{training.id}/join", data={})
    assert response.status_code == 400
    assert join_requests(db, training) == []


def test_request_to_join_refusals(client, db, clock, training, worker, make_user, outsider):
    """Non-workers and unknown trainings get 404, saying nothing; one on the list is told so."""
    staff = make_user(Role.TRAINER)
    login(client, staff.phone)
    token = csrf_token(client, "/")
    response = client.post(f"/trainings/{training.id}/join", data={"csrf_token": token})
    assert response.status_code == 404
    assert training.title not in response.get_data(as_text=True)

    client.post("/logout", data={"csrf_token": token})
    login(client, worker.user.phone)
    token = csrf_token(client, "/")
    on_list = client.post(f"/trainings/{training.id}/join", data={"csrf_token": token})
    assert on_list.status_code == 200
    assert "您已在名单中" in on_list.get_data(as_text=True)
    missing = client.post("/trainings/999999/join", data={"csrf_token": token})
    assert missing.status_code == 404
    assert join_requests(db, training) == []


def test_request_to_join_an_ended_training_is_refused(client, db, clock, training, outsider):
    """Scanned while it ran, asked after its end: the training no longer takes requests (409)."""
    login(client, outsider.user.phone)
    token = csrf_token(client, scan_path(training, utcnow()))
    clock.set(training.ends_at + timedelta(minutes=1))
    response = client.post(f"/trainings/{training.id}/join", data={"csrf_token": token})
    assert response.status_code == 409
    assert "本次培训已结束" in response.get_data(as_text=True)
    assert join_requests(db, training) == []


def test_request_to_join_needs_login(client, db, training):
    """An anonymous join request is sent to log in first and records nothing."""
    token = csrf_token(client, "/login")
    response = client.post(f"/trainings/{training.id}/join", data={"csrf_token": token})
    assert response.status_code == 302
    assert join_requests(db, training) == []


def test_worker_approved_by_the_trainer_sees_already_checked_in(
    client, db, clock, training, outsider
):
    """Once the trainer approves the request, scanning again says 已签到, not 'not on the list'."""
    login(client, outsider.user.phone)
    token = csrf_token(client, scan_path(training, utcnow()))
    client.post(f"/trainings/{training.id}/join", data={"csrf_token": token})
    [request] = join_requests(db, training)
    organiser = db.session.get(User, training.organiser_id)
    approve_join_request(request, training, actor=organiser)
    db.session.flush()

    response = client.get(scan_path(training, utcnow()))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已签到" in page and "您不在本次培训名单中" not in page
    assert len(attendances(db, training)) == 1


def test_first_login_password_change_still_completes_the_scan(
    client, db, clock, make_street, make_worker, make_live_training
):
    """A worker with a one-time password scans, logs in, sets a password, and is checked in."""
    worker = make_worker(street=make_street(), must_change=True)
    training = make_live_training(worker.community.street)
    scanned = mid_step(utcnow())
    clock.set(scanned)
    client.get(scan_path(training, scanned))
    login_to_resume(client, worker.user.phone)
    assert client.get(RESUME).headers["Location"] == "/password"  # forced change first
    token = csrf_token(client, "/password")
    changed = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "Better-pass-2",
            "confirm": "Better-pass-2",
        },
    )
    assert changed.headers["Location"] == RESUME
    assert "签到成功" in client.get(RESUME).get_data(as_text=True)
    assert [a.worker_id for a in attendances(db, training)] == [worker.user_id]
