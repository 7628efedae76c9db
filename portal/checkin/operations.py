"""Check-in writes: one attendance per (training, worker), whatever the races.

A scan of a worker's personal code also claims that code's step for the training, in the
same transaction (insert-or-nothing on the (worker, step) key): a second training finds
the claim and is refused, even when both scans race.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.audit import operations as audit
from portal.checkin import rules
from portal.checkin.codes import PERSONAL_STEP_SECONDS, step_bounds
from portal.checkin.models import PersonalCodeUse
from portal.enums import AttendanceMethod, WorkerStatus
from portal.extensions import db
from portal.people.models import User, WorkerProfile
from portal.timeutil import local_date_of, utcnow
from portal.training import queries as training_queries
from portal.training.models import Attendance, Training


class Outcome(enum.StrEnum):
    """What happened to a check-in attempt."""

    CHECKED_IN = "checked_in"
    ALREADY = "already"
    NOT_EXPECTED = "not_expected"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    NOT_ON_POST = "not_on_post"
    CODE_OUTSIDE_WINDOW = "code_outside_window"  # the personal code's step is not in the window
    CODE_USED = "code_used"  # the personal code's step was used at another training


@dataclass(frozen=True)
class CheckinResult:
    """The outcome and, when there is one, the attendance record."""

    outcome: Outcome
    attendance: Attendance | None = None

    @property
    def recorded(self) -> bool:
        """Return whether the worker is (now or already) checked in."""
        return self.outcome in {Outcome.CHECKED_IN, Outcome.ALREADY}


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _insert_once(values: dict) -> int | None:
    """Insert an attendance unless one exists; return the new id, or None if it existed."""
    insert = _INSERTS[db.session.get_bind().dialect.name]
    statement = (
        insert(Attendance)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["training_id", "worker_id"])
        .returning(Attendance.id)
    )
    return db.session.execute(statement).scalar()


def _claim_code_step(worker_id: int, step: int, training_id: int) -> int | None:
    """Claim a personal-code step for a training; return the training that already had it.

    Returns None when the claim is new. On PostgreSQL a concurrent claim of the same step
    waits for the first transaction and then finds its row; SQLite serialises the writes.
    """
    insert = _INSERTS[db.session.get_bind().dialect.name]
    statement = (
        insert(PersonalCodeUse)
        .values(worker_id=worker_id, step=step, training_id=training_id, used_at=utcnow())
        .on_conflict_do_nothing(index_elements=["worker_id", "step"])
        .returning(PersonalCodeUse.training_id)
    )
    if db.session.execute(statement).scalar() is not None:
        return None
    return db.session.scalar(
        sa.select(PersonalCodeUse.training_id).where(
            PersonalCodeUse.worker_id == worker_id, PersonalCodeUse.step == step
        )
    )


def existing_attendance(training_id: int, worker_id: int) -> Attendance | None:
    """Return a worker's attendance at a training, if any."""
    return db.session.scalar(
        sa.select(Attendance).where(
            Attendance.training_id == training_id, Attendance.worker_id == worker_id
        )
    )


def check_in(
    training: Training,
    worker: WorkerProfile,
    *,
    method: AttendanceMethod,
    actor: User,
    at: datetime | None = None,
    scanned_at: datetime | None = None,
    reason: str | None = None,
    enforce_list: bool = True,
    personal_step: int | None = None,
) -> CheckinResult:
    """Record a worker's attendance at the moment of the scan; the caller commits.

    `at` is when the worker was at the door: the scan time for a queued offline scan,
    else now. Concurrent calls for the same worker produce one row and report ALREADY.
    `personal_step` is the step of the worker's personal code the trainer scanned: it must
    lie in the check-in window and is claimed for this training (CODE_USED if another
    training claimed it). The caller rolls back on any outcome but CHECKED_IN and ALREADY.
    """
    at = at or utcnow()
    if worker.status == WorkerStatus.EXITED:
        return CheckinResult(Outcome.NOT_ON_POST)
    problem = rules.window_problem(at, training.starts_at, training.ends_at)
    if problem is rules.WindowProblem.NOT_OPEN:
        return CheckinResult(Outcome.NOT_OPEN)
    if problem is rules.WindowProblem.CLOSED:
        return CheckinResult(Outcome.CLOSED)
    if personal_step is not None:
        shown_from, shown_until = step_bounds(personal_step, PERSONAL_STEP_SECONDS)
        if rules.code_step_problem(shown_from, shown_until, training.starts_at, training.ends_at):
            return CheckinResult(Outcome.CODE_OUTSIDE_WINDOW)
    if enforce_list and not training_queries.is_expected(training.id, worker.user_id):
        return CheckinResult(Outcome.NOT_EXPECTED)
    if personal_step is not None:
        claimed_by = _claim_code_step(worker.user_id, personal_step, training.id)
        if rules.code_used_elsewhere(claimed_by, training.id):
            return CheckinResult(Outcome.CODE_USED)
    new_id = _insert_once(
        {
            "training_id": training.id,
            "worker_id": worker.user_id,
            "checked_in_at": utcnow(),
            "scanned_at": scanned_at,
            "credited_on": local_date_of(training.starts_at),
            "credited_hours": 0 if training.credits_by_time else training.credited_hours,
            "method": method,
            "recorded_by_id": actor.id,
            "late": rules.is_late(at, training.starts_at),
            "reason": reason,
        }
    )
    attendance = existing_attendance(training.id, worker.user_id)
    if new_id is None:
        return CheckinResult(Outcome.ALREADY, attendance)
    if method is AttendanceMethod.MANUAL:
        audit.record("attendance_marked", attendance, actor=actor, reason=reason)
    return CheckinResult(Outcome.CHECKED_IN, attendance)


def check_out(attendance: Attendance, *, actor: User, at: datetime | None = None) -> Attendance:
    """Record leaving; a training that credits by time now credits the time present."""
    at = at or utcnow()
    training = attendance.training
    attendance.checked_out_at = at
    attendance.left_early = rules.left_early(at, training.ends_at)
    if training.credits_by_time:
        attendance.credited_hours = rules.hours_for_time(
            attendance.scanned_at or attendance.checked_in_at,
            at,
            training.starts_at,
            training.ends_at,
            training.credited_hours,
        )
    audit.record("attendance_checked_out", attendance, actor=actor)
    return attendance
