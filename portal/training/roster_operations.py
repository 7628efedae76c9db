"""Trainer-side writes on the roster: marks by hand, check-out, decisions on join requests.

Every function takes the acting user (`actor=`), flushes, never commits, and leaves an
audit entry (attendance itself is recorded and audited by ``operations``). A mark the
rules refuse raises ``Refused`` with the message for the trainer (409 when it conflicts
with what is recorded).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit import operations as audit
from portal.enums import AttendanceMethod, AudienceScope, RequestStatus
from portal.extensions import db
from portal.people.models import User, WorkerProfile
from portal.refusals import Refused
from portal.timeutil import utcnow
from portal.training import operations, rules
from portal.training.models import Attendance, JoinRequest, Training, TrainingAudience
from portal.training.operations import CheckinResult, Outcome

# A phone's clock may run a little ahead of the server's.
_CLOCK_SLACK = timedelta(minutes=1)


# What a trainer is told when a mark is refused (a conflict with what is recorded: 409).
NOT_OPEN = _l(
    "Check-in has not opened yet: it opens %(minutes)d minutes before the start.",
    minutes=int(rules.OPENS_BEFORE_START.total_seconds() // 60),
)
CLOSED = _l(
    "Marks can no longer be made: they close %(hours)d hours after the end.",
    hours=int(rules.LATE_SYNC_ALLOWANCE.total_seconds() // 3600),
)
ARRIVAL_OUTSIDE = _l("The arrival time must lie between the opening of check-in and the end.")
IN_FUTURE = _l("That time is still in the future.")
ALREADY = _l("This worker is already checked in.")
NOT_EXPECTED = _l("This worker is not on the list: approve a request to join instead.")
NOT_ON_POST = _l("This worker is no longer on post.")
NOT_CHECKED_IN = _l("This worker has not checked in.")
CHECKED_OUT = _l("This worker has already checked out.")
BEFORE_ARRIVAL = _l("The time of leaving is before the arrival.")
NOT_EARLY = _l("That time is not before the end of the training.")
DECIDED = _l("This request has already been decided.")
CONFLICT = 409

_CHECKIN_REFUSALS = {
    Outcome.ALREADY: (ALREADY, CONFLICT),
    Outcome.NOT_EXPECTED: (NOT_EXPECTED, 422),
    Outcome.NOT_OPEN: (ARRIVAL_OUTSIDE, 422),
    Outcome.CLOSED: (ARRIVAL_OUTSIDE, 422),
    Outcome.NOT_ON_POST: (NOT_ON_POST, 422),
}


def _checkin_refused(result: CheckinResult) -> Refused:
    message, status = _CHECKIN_REFUSALS[result.outcome]
    return Refused(message, status=status)


def marking_refusal(training: Training, now: datetime) -> Refused | None:
    """Return why a trainer may not mark now: before the door opens, or a day after the end."""
    opens, closes = rules.window(training.starts_at, training.ends_at)
    if now < opens:
        return Refused(NOT_OPEN)
    if now > closes + rules.LATE_SYNC_ALLOWANCE:
        return Refused(CLOSED)
    return None


def marking_closed(training: Training, now: datetime) -> bool:
    """Return whether the time for marks (and approving requests to join) is over."""
    refusal = marking_refusal(training, now)
    return refusal is not None and refusal.message is CLOSED


def _check_open(training: Training, now: datetime) -> None:
    refusal = marking_refusal(training, now)
    if refusal is not None:
        raise refusal


def claimed_arrival(training: Training, now: datetime, arrived_at: datetime | None) -> datetime:
    """Return when a hand-marked worker arrived.

    Empty means "now" while the door is open; after the end it means the start (the
    trainer marks someone who was there but could not check in). A given time must lie
    inside the check-in window and not in the future.
    """
    if arrived_at is None:
        return now if now <= training.ends_at else training.starts_at
    if arrived_at > now + _CLOCK_SLACK:
        raise Refused(IN_FUTURE)
    if rules.window_problem(arrived_at, training.starts_at, training.ends_at) is not None:
        raise Refused(ARRIVAL_OUTSIDE)
    return min(arrived_at, now)


def mark_present(
    training: Training,
    worker: WorkerProfile,
    *,
    reason: str,
    actor: User,
    late: bool = False,
    arrived_at: datetime | None = None,
    now: datetime | None = None,
) -> Attendance:
    """Mark an expected worker present by hand, with a required reason."""
    if not reason.strip():
        raise ValueError("a manual mark needs a reason")
    now = now or utcnow()
    _check_open(training, now)
    at = claimed_arrival(training, now, arrived_at)
    result = operations.check_in(
        training,
        worker,
        method=AttendanceMethod.MANUAL,
        actor=actor,
        at=at,
        scanned_at=None if at == now else at,
        reason=reason.strip(),
    )
    attendance = result.attendance
    if result.outcome is not Outcome.CHECKED_IN or attendance is None:
        raise _checkin_refused(result)
    if late and not attendance.late:
        attendance.late = True
        db.session.flush()
    return attendance


def arrival_of(attendance: Attendance) -> datetime:
    """Return when the worker was at the door (the scan time of a queued scan, else arrival)."""
    return attendance.scanned_at or attendance.checked_in_at


def _leaving_time(attendance: Attendance, now: datetime) -> datetime:
    """Return when a worker checked out now leaves: now, or the end when done afterwards."""
    return max(min(now, attendance.training.ends_at), arrival_of(attendance))


def _check_still_present(attendance: Attendance, now: datetime) -> None:
    _check_open(attendance.training, now)
    if attendance.checked_out_at is not None:
        raise Refused(CHECKED_OUT, status=CONFLICT)


def check_out(attendance: Attendance, *, actor: User, now: datetime | None = None) -> Attendance:
    """Check a worker out now (or at the end, when done afterwards)."""
    now = now or utcnow()
    _check_still_present(attendance, now)
    operations.check_out(attendance, actor=actor, at=_leaving_time(attendance, now))
    db.session.flush()
    return attendance


def check_out_everyone(training: Training, *, actor: User, now: datetime | None = None) -> int:
    """Check out everyone still present, now (or at the end, when done afterwards)."""
    now = now or utcnow()
    _check_open(training, now)
    present = db.session.scalars(
        sa.select(Attendance).where(
            Attendance.training_id == training.id, Attendance.checked_out_at.is_(None)
        )
    ).all()
    for attendance in present:
        operations.check_out(attendance, actor=actor, at=_leaving_time(attendance, now))
    db.session.flush()
    return len(present)


def mark_left_early(
    attendance: Attendance,
    *,
    actor: User,
    left_at: datetime | None = None,
    now: datetime | None = None,
) -> Attendance:
    """Record that a worker left before the end; a training crediting by time credits less."""
    now = now or utcnow()
    _check_still_present(attendance, now)
    at = left_at or now
    if at > now + _CLOCK_SLACK:
        raise Refused(IN_FUTURE)
    if at < arrival_of(attendance):
        raise Refused(BEFORE_ARRIVAL)
    if at >= attendance.training.ends_at - rules.LEFT_EARLY_GRACE:
        raise Refused(NOT_EARLY)
    operations.check_out(attendance, actor=actor, at=at)
    attendance.left_early = True
    audit.record("attendance_left_early", attendance, actor=actor, left_at=at.isoformat())
    db.session.flush()
    return attendance


JOIN_APPROVED_REASON = "加入申请已批准"


def approve_join_request(
    join_request: JoinRequest,
    training: Training,
    *,
    actor: User,
    reason: str = JOIN_APPROVED_REASON,
    now: datetime | None = None,
) -> Attendance | None:
    """Approve a request to join: check the worker in as of the request.

    A request made before check-in opened puts the worker on the list instead (they
    will check in themselves); then no attendance is returned.
    """
    now = now or utcnow()
    if join_request.status is not RequestStatus.PENDING:
        raise Refused(DECIDED, status=CONFLICT)
    if marking_closed(training, now):
        raise Refused(CLOSED)
    worker = db.session.get_one(WorkerProfile, join_request.worker_id)
    opens, _closes = rules.window(training.starts_at, training.ends_at)
    attendance = None
    if join_request.created_at < opens:
        db.session.add(
            TrainingAudience(
                training_id=training.id, scope=AudienceScope.WORKER, worker_id=worker.user_id
            )
        )
    else:
        result = operations.check_in(
            training,
            worker,
            method=AttendanceMethod.MANUAL,
            actor=actor,
            at=join_request.created_at,
            scanned_at=join_request.created_at,
            reason=reason,
            enforce_list=False,
        )
        if not result.recorded:
            raise _checkin_refused(result)
        attendance = result.attendance
    _decide(join_request, RequestStatus.APPROVED, actor=actor, now=now)
    return attendance


def reject_join_request(
    join_request: JoinRequest, *, actor: User, now: datetime | None = None
) -> JoinRequest:
    """Reject a request to join a training."""
    if join_request.status is not RequestStatus.PENDING:
        raise Refused(DECIDED, status=CONFLICT)
    _decide(join_request, RequestStatus.REJECTED, actor=actor, now=now or utcnow())
    return join_request


def _decide(
    join_request: JoinRequest, status: RequestStatus, *, actor: User, now: datetime
) -> None:
    join_request.status = status
    join_request.decided_by_id = actor.id
    join_request.decided_at = now
    audit.record(
        f"join_request_{status.value}",
        join_request,
        actor=actor,
        training_id=join_request.training_id,
        worker_id=join_request.worker_id,
    )
    db.session.flush()
