"""Marks made by the trainer: present with a reason, left early, check-out; who and how recorded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.enums import AttendanceMethod
from portal.models import Attendance, AuditEntry
from portal.refusals import Refused
from portal.timeutil import to_local
from portal.training import operations as training_operations
from portal.training import roster_operations, rules
from tests.helpers import HX, logged_in, post_form


def _local(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def _attendance(db, training, worker) -> Attendance | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Attendance).where(
            Attendance.training_id == training.id, Attendance.worker_id == worker.user_id
        )
    )


def _present_url(training, worker) -> str:
    return f"/trainings/{training.id}/roster/{worker.user_id}/present"


@pytest.fixture
def running(make_live_training):
    """A 3-hour training that started an hour ago, crediting by time."""
    return make_live_training(credits_by_time=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({}, "请选择手工签到的原因", id="no reason"),
        pytest.param({"reason": "", "note": "人在现场"}, "请选择手工签到的原因", id="only details"),
        pytest.param({"reason": "other"}, "请填写具体原因", id="other without details"),
        pytest.param({"reason": "other", "note": "   "}, "请填写具体原因", id="other with spaces"),
        pytest.param({"reason": "bribe"}, "请从给出的选项中选择", id="unknown reason"),
        pytest.param({"reason": "forgot_phone", "note": "长" * 151}, "150", id="long details"),
        pytest.param(
            {"reason": "forgot_phone", "arrived_at": "刚才"}, "请输入日期和时间", id="garbled time"
        ),
    ],
)
def test_manual_mark_needs_a_reason(app, db, crew, running, data, message):
    """A manual mark without a (valid) reason is refused with a message and records nothing."""
    worker = crew.workers[0]
    client = logged_in(app, crew.organiser)
    response = post_form(client, _present_url(running, worker), data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _attendance(db, running, worker) is None


def test_manual_mark_records_who_and_how(app, db, crew, running):
    """A manual mark records the method, the trainer, the reason, and an audit entry."""
    worker = crew.workers[0]
    client = logged_in(app, crew.assigned)
    data = {"reason": "no_signal", "note": "4G断网"}
    response = post_form(client, _present_url(running, worker), data)
    assert response.status_code == 303
    attendance = _attendance(db, running, worker)
    assert attendance.method is AttendanceMethod.MANUAL
    assert attendance.recorded_by_id == crew.assigned.id
    assert attendance.reason == "手机无信号：4G断网"
    assert attendance.late is True  # marked now, 45 minutes past the late threshold
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "attendance_marked"))
    assert entry.actor_id == crew.assigned.id
    assert entry.detail["reason"] == "手机无信号：4G断网"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已为李一签到" in page and "由吴助教记录" in page


def test_claimed_arrival_time(app, db, crew, running):
    """A given arrival time inside the window is kept as the scan time; on time is not late."""
    worker = crew.workers[1]
    client = logged_in(app, crew.organiser)
    data = {"reason": "forgot_phone", "arrived_at": _local(running.starts_at)}
    assert post_form(client, _present_url(running, worker), data).status_code == 303
    attendance = _attendance(db, running, worker)
    assert attendance.scanned_at == running.starts_at
    assert attendance.late is False
    assert attendance.reason == "忘带手机"


def test_late_flag_marks_late(app, db, crew, running):
    """The trainer's late flag marks the worker late even with an on-time arrival."""
    worker = crew.workers[1]
    client = logged_in(app, crew.organiser)
    data = {"reason": "late_approved", "arrived_at": _local(running.starts_at), "late": "y"}
    assert post_form(client, _present_url(running, worker), data).status_code == 303
    assert _attendance(db, running, worker).late is True


@pytest.mark.parametrize(
    ("arrival", "status", "message"),
    [
        pytest.param(
            timedelta(hours=-2), 422, "到场时间须在签到开放之后", id="before the door opened"
        ),
        pytest.param(timedelta(hours=4), 422, "晚于当前时间", id="in the future"),
    ],
)
def test_arrival_outside_the_window_is_refused(app, db, crew, running, arrival, status, message):
    """An arrival time outside the check-in window, or in the future, is refused."""
    worker = crew.workers[1]
    client = logged_in(app, crew.organiser)
    data = {"reason": "forgot_phone", "arrived_at": _local(running.starts_at + arrival)}
    response = post_form(client, _present_url(running, worker), data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _attendance(db, running, worker) is None


def test_second_mark_is_a_conflict(app, db, crew, running):
    """Marking a worker already checked in changes nothing and says so."""
    worker = crew.workers[0]
    first = training_operations.check_in(
        running, worker, method=AttendanceMethod.SELF_SCAN, actor=worker.user
    )
    db.session.flush()
    client = logged_in(app, crew.organiser)
    response = post_form(client, _present_url(running, worker), {"reason": "forgot_phone"})
    assert response.status_code == 409
    assert "该人员已签到" in response.get_data(as_text=True)
    attendance = _attendance(db, running, worker)
    assert attendance.id == first.attendance.id
    assert attendance.method is AttendanceMethod.SELF_SCAN


def test_marking_after_the_end(app, db, crew, make_live_training):
    """Within a day after the end a worker is marked as arrived at the start, with full hours."""
    training = make_live_training(starts_in=timedelta(hours=-5), length=timedelta(hours=3))
    worker = crew.workers[2]
    client = logged_in(app, crew.organiser)
    response = post_form(client, _present_url(training, worker), {"reason": "no_signal"})
    assert response.status_code == 303
    attendance = _attendance(db, training, worker)
    assert attendance.scanned_at == training.starts_at
    assert attendance.late is False
    assert attendance.credited_hours == Decimal("3.0")


def test_marking_closes_a_day_after_the_end(app, db, crew, make_live_training):
    """More than a day after the end no mark is accepted."""
    training = make_live_training(starts_in=timedelta(hours=-28), length=timedelta(hours=3))
    worker = crew.workers[2]
    client = logged_in(app, crew.organiser)
    response = post_form(client, _present_url(training, worker), {"reason": "no_signal"})
    assert response.status_code == 422
    assert "已无法补签" in response.get_data(as_text=True)
    assert _attendance(db, training, worker) is None


def test_marking_before_the_door_opens(app, db, crew, make_live_training):
    """Before check-in opens no mark is accepted."""
    training = make_live_training(starts_in=timedelta(hours=2))
    worker = crew.workers[2]
    client = logged_in(app, crew.organiser)
    response = post_form(client, _present_url(training, worker), {"reason": "no_signal"})
    assert response.status_code == 422
    assert "签到尚未开始" in response.get_data(as_text=True)
    assert _attendance(db, training, worker) is None


def test_marking_window_boundaries(db, crew, make_live_training):
    """Marks are open from the door opening until LATE_SYNC_ALLOWANCE after the end."""
    training = make_live_training()
    opens, closes = rules.window(training.starts_at, training.ends_at)
    minute = timedelta(minutes=1)
    assert (
        roster_operations.marking_refusal(training, opens - minute).message
        is roster_operations.NOT_OPEN
    )
    assert roster_operations.marking_refusal(training, opens) is None
    assert roster_operations.marking_refusal(training, closes + rules.LATE_SYNC_ALLOWANCE) is None
    late = closes + rules.LATE_SYNC_ALLOWANCE + minute
    assert roster_operations.marking_refusal(training, late).message is roster_operations.CLOSED
    with pytest.raises(Refused) as refused:
        roster_operations.mark_present(
            training, crew.workers[0], reason="忘带手机", actor=crew.organiser, now=late
        )
    assert refused.value.message is roster_operations.CLOSED and refused.value.status == 422


def test_check_out_credits_time_present(app, db, crew, running):
    """Checking out of a training that credits by time credits the half hours present."""
    worker = crew.workers[0]
    roster_operations.mark_present(
        running, worker, reason="忘带手机", arrived_at=running.starts_at, actor=crew.organiser
    )
    db.session.flush()
    assert _attendance(db, running, worker).credited_hours == Decimal("0.0")
    client = logged_in(app, crew.assigned)
    response = post_form(client, f"/trainings/{running.id}/roster/{worker.user_id}/check-out")
    assert response.status_code == 303
    attendance = _attendance(db, running, worker)
    assert attendance.credited_hours == Decimal("1.0")  # an hour (and a few seconds) present
    assert attendance.left_early is True  # two hours before the end
    assert attendance.checked_out_at is not None
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "attendance_checked_out")
    )
    assert entry.actor_id == crew.assigned.id
    again = post_form(client, f"/trainings/{running.id}/roster/{worker.user_id}/check-out")
    assert again.status_code == 409
    assert "该人员已签退" in again.get_data(as_text=True)
    assert _attendance(db, running, worker).checked_out_at == attendance.checked_out_at


def test_check_out_after_the_end_counts_until_the_end(db, crew, make_live_training):
    """Checking out after the end records the end, with the full hours and not left early."""
    training = make_live_training(
        starts_in=timedelta(hours=-4), length=timedelta(hours=3), credits_by_time=True
    )
    worker = crew.workers[0]
    attendance = roster_operations.mark_present(
        training, worker, reason="忘带手机", arrived_at=training.starts_at, actor=crew.organiser
    )
    roster_operations.check_out(attendance, actor=crew.organiser)
    assert attendance.checked_out_at == training.ends_at
    assert attendance.credited_hours == Decimal("3.0")
    assert attendance.left_early is False


def test_left_early_with_a_time(app, db, crew, running):
    """Leaving early at a given time records it and credits the time present until then."""
    worker = crew.workers[0]
    roster_operations.mark_present(
        running, worker, reason="忘带手机", arrived_at=running.starts_at, actor=crew.organiser
    )
    db.session.flush()
    client = logged_in(app, crew.organiser)
    left_at = running.starts_at + timedelta(minutes=40)
    response = post_form(
        client,
        f"/trainings/{running.id}/roster/{worker.user_id}/left-early",
        {"left_at": _local(left_at)},
    )
    assert response.status_code == 303
    attendance = _attendance(db, running, worker)
    assert attendance.left_early is True
    assert attendance.checked_out_at == left_at.replace(second=0)
    assert attendance.credited_hours == Decimal("0.5")
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "attendance_left_early" in actions


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        pytest.param(timedelta(minutes=-20), "离场时间早于到场时间", id="before arriving"),
        pytest.param(timedelta(hours=5), "晚于当前时间", id="in the future"),
    ],
)
def test_left_early_refusals(app, db, crew, running, offset, message):
    """A time of leaving before arrival or in the future is refused and nothing changes."""
    worker = crew.workers[0]
    roster_operations.mark_present(
        running, worker, reason="忘带手机", arrived_at=running.starts_at, actor=crew.organiser
    )
    db.session.flush()
    client = logged_in(app, crew.organiser)
    response = post_form(
        client,
        f"/trainings/{running.id}/roster/{worker.user_id}/left-early",
        {"left_at": _local(running.starts_at + offset)},
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _attendance(db, running, worker).checked_out_at is None


def test_left_early_at_the_end_is_not_early(db, crew, make_live_training):
    """Leaving at the end is not leaving early."""
    training = make_live_training(starts_in=timedelta(hours=-4), length=timedelta(hours=3))
    attendance = roster_operations.mark_present(
        training, crew.workers[0], reason="忘带手机", actor=crew.organiser
    )
    with pytest.raises(Refused) as refused:
        roster_operations.mark_left_early(
            attendance, left_at=training.ends_at, actor=crew.organiser
        )
    assert refused.value.message is roster_operations.NOT_EARLY and refused.value.status == 422
    assert attendance.checked_out_at is None


@pytest.mark.parametrize("action", ["check-out", "left-early"])
def test_leaving_needs_a_check_in(app, db, crew, running, action):
    """Nobody can leave who has not checked in."""
    worker = crew.workers[0]
    client = logged_in(app, crew.organiser)
    response = post_form(client, f"/trainings/{running.id}/roster/{worker.user_id}/{action}")
    assert response.status_code == 409
    assert "该人员尚未签到" in response.get_data(as_text=True)
    assert _attendance(db, running, worker) is None


def test_htmx_mark_swaps_the_row(app, db, crew, running):
    """An htmx mark answers the updated row and asks the roster to refresh its counts."""
    worker = crew.workers[0]
    client = logged_in(app, crew.organiser)
    edit = client.get(f"/trainings/{running.id}/roster/{worker.user_id}", headers=HX)
    fragment = edit.get_data(as_text=True)
    assert fragment.lstrip().startswith('<li class="roster-row editing"')
    assert f'hx-post="{_present_url(running, worker)}"' in fragment
    assert "data-editing" in fragment
    response = post_form(
        client, _present_url(running, worker), {"reason": "forgot_phone"}, headers=HX
    )
    row = response.get_data(as_text=True)
    assert response.status_code == 200
    assert row.lstrip().startswith(f'<li class="roster-row is-in" id="w{worker.user_id}"')
    assert "手工登记" in row and "<html" not in row
    assert response.headers["HX-Trigger-After-Swap"] == "roster-changed"


def test_htmx_refusal_keeps_the_form(app, db, crew, running):
    """A refused htmx mark answers the row's form with the message, status 422."""
    worker = crew.workers[0]
    client = logged_in(app, crew.organiser)
    response = post_form(client, _present_url(running, worker), {"note": "x"}, headers=HX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 422
    assert fragment.lstrip().startswith('<li class="roster-row editing"')
    assert "请选择手工签到的原因" in fragment and 'value="x"' in fragment


def test_worker_page_without_htmx(app, crew, running):
    """Without htmx the marking forms open as a page of their own that posts normally."""
    worker = crew.workers[0]
    client = logged_in(app, crew.organiser)
    page = client.get(f"/trainings/{running.id}/roster/{worker.user_id}").get_data(as_text=True)
    assert "<html" in page and "<h1>李一</h1>" in page
    assert f'action="{_present_url(running, worker)}"' in page
    assert "hx-post" not in page
    assert "忘带手机" in page and "迟到经批准" in page and "手机无信号" in page and "其他" in page


def test_check_out_everyone_still_present(app, db, crew, make_live_training):
    """At the end one button checks out everyone still present, crediting their time."""
    training = make_live_training(
        starts_in=timedelta(hours=-4), length=timedelta(hours=3), credits_by_time=True
    )
    early, stayed, gone = crew.workers[:3]
    for worker in (early, stayed, gone):
        roster_operations.mark_present(
            training, worker, reason="忘带手机", arrived_at=training.starts_at, actor=crew.organiser
        )
    left = _attendance(db, training, gone)
    roster_operations.mark_left_early(
        left, left_at=training.starts_at + timedelta(hours=1), actor=crew.organiser
    )
    db.session.flush()
    client = logged_in(app, crew.organiser)
    page = client.get(f"/trainings/{training.id}").get_data(as_text=True)
    assert "全部签退（2人在场）" in page
    response = post_form(client, f"/trainings/{training.id}/check-out-all")
    assert response.status_code == 303
    assert "已为2人签退" in client.get(response.headers["Location"]).get_data(as_text=True)
    for worker in (early, stayed):
        attendance = _attendance(db, training, worker)
        assert attendance.checked_out_at == training.ends_at
        assert attendance.credited_hours == Decimal("3.0")
    assert _attendance(db, training, gone).credited_hours == Decimal("1.0")  # unchanged
