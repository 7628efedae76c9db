"""Check-in writes at the door: a scanned personal code, a request to join.

Attendance itself is recorded by ``portal.training.operations`` (one per training and
worker, whatever the races). A scan of a worker's personal code also claims that code's
step for the training, in the same transaction (insert-or-nothing on the (worker, step)
key): a second training finds the claim and is refused, even when both scans race.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.selectable import ExecutableReturnsRows

from portal.audit import operations as audit
from portal.checkin import rules
from portal.checkin.codes import PERSONAL_STEP_SECONDS, step_bounds
from portal.checkin.models import PersonalCodeUse
from portal.enums import AttendanceMethod
from portal.extensions import db
from portal.people.models import User, WorkerProfile
from portal.timeutil import utcnow
from portal.training import operations as attendance
from portal.training import queries as training_queries
from portal.training.models import Attendance, JoinRequest, Training
from portal.training.operations import (
    CheckinResult,
    Outcome,
    attendance_values,
    door_problem,
    existing_attendance,
    insert_or_nothing,
)
from portal.training.queries import IS_EXPECTED


def _claim_code_step(worker_id: int, step: int, training_id: int) -> int | None:
    """Claim a personal-code step for a training; return the training that already had it.

    Returns None when the claim is new. On PostgreSQL a concurrent claim of the same step
    waits for the first transaction and then finds its row; SQLite serialises the writes.
    """
    claimed = insert_or_nothing(
        PersonalCodeUse,
        {"worker_id": worker_id, "step": step, "training_id": training_id, "used_at": utcnow()},
        unique=["worker_id", "step"],
        returning=PersonalCodeUse.training_id,
    )
    if claimed is not None:
        return None
    return db.session.scalar(
        sa.select(PersonalCodeUse.training_id).where(
            PersonalCodeUse.worker_id == worker_id, PersonalCodeUse.step == step
        )
    )


def check_in_with_code(
    training: Training,
    worker: WorkerProfile,
    *,
    personal_step: int,
    actor: User,
    at: datetime | None = None,
    scanned_at: datetime | None = None,
) -> CheckinResult:
    """Record the attendance a trainer's scan of a worker's personal code proves.

    As ``portal.training.operations.check_in``; besides, `personal_step` is the step of
    the code: it must lie in the check-in window and is claimed for this training
    (CODE_USED if another training claimed it). The caller commits, and rolls back on
    any outcome but CHECKED_IN and ALREADY.
    """
    at = at or utcnow()
    problem = attendance.door_problem(training, worker, at)
    if problem is not None:
        return CheckinResult(problem)
    shown_from, shown_until = step_bounds(personal_step, PERSONAL_STEP_SECONDS)
    if rules.code_step_problem(shown_from, shown_until, training.starts_at, training.ends_at):
        return CheckinResult(Outcome.CODE_OUTSIDE_WINDOW)
    if not training_queries.is_expected(training.id, worker.user_id):
        return CheckinResult(Outcome.NOT_EXPECTED)
    claimed_by = _claim_code_step(worker.user_id, personal_step, training.id)
    if rules.code_used_elsewhere(claimed_by, training.id):
        return CheckinResult(Outcome.CODE_USED)
    return attendance.record_attendance(
        training,
        worker,
        method=AttendanceMethod.TRAINER_SCAN,
        actor=actor,
        at=at,
        scanned_at=scanned_at,
        reason=None,
    )


def ask_to_join(training: Training, worker_id: int, *, actor: User) -> bool:
    """Record a pending join request unless one exists; return whether it is new."""
    new_id = insert_or_nothing(
        JoinRequest,
        {"training_id": training.id, "worker_id": worker_id, "created_at": utcnow()},
        unique=["training_id", "worker_id"],
        returning=JoinRequest.id,
    )
    if new_id is not None:
        audit.record("join_requested", db.session.get(JoinRequest, new_id), actor=actor)
    return new_id is not None


# -- the worker's own scan: few statements, the write lock for the insert alone ----------

# One row whatever the answer: the worker's attendance, if any, and whether they are on
# the list (the same query the trainer's roster uses).
_AT_THE_DOOR = (
    sa.select(IS_EXPECTED.exists().label("expected"), Attendance)
    .select_from(Training)
    .outerjoin(
        Attendance,
        sa.and_(
            Attendance.training_id == Training.id,
            Attendance.worker_id == sa.bindparam("worker_id"),
        ),
    )
    .where(Training.id == sa.bindparam("training_id"))
)

_ATTENDANCE_COLUMNS = (
    "training_id",
    "worker_id",
    "checked_in_at",
    "scanned_at",
    "credited_on",
    "credited_hours",
    "method",
    "recorded_by_id",
    "late",
    "reason",
)


def _insert_attendance() -> ExecutableReturnsRows:
    """Return the insert-or-nothing on (training, worker) that returns the new row.

    The same SQL on SQLite (3.35 and later) and PostgreSQL, as text so that it is
    compiled once (the dialects' ``insert().on_conflict_do_nothing()`` is never cached).
    """
    table = Attendance.__table__
    assert isinstance(table, sa.Table)  # noqa: S101 - for the type checker
    names = ", ".join(_ATTENDANCE_COLUMNS)
    binds = ", ".join(f":{name}" for name in _ATTENDANCE_COLUMNS)
    returned = ", ".join(column.name for column in table.columns)
    insert = (
        sa.text(
            f"INSERT INTO {table.name} ({names}) VALUES ({binds}) "  # noqa: S608 - our columns
            "ON CONFLICT (training_id, worker_id) DO NOTHING "
            f"RETURNING {returned}"
        )
        .bindparams(*(sa.bindparam(n, type_=table.c[n].type) for n in _ATTENDANCE_COLUMNS))
        .columns(*table.columns)
    )
    return sa.select(Attendance).from_statement(insert)


_INSERT_ATTENDANCE = _insert_attendance()


def self_check_in(
    training: Training,
    worker: WorkerProfile,
    *,
    actor: User,
    at: datetime,
    scanned_at: datetime | None = None,
    before_write: Callable[[], None] | None = None,
) -> CheckinResult:
    """Record the attendance a worker's own scan proves (the caller commits).

    As ``portal.training.operations.check_in`` with the self-scan method, in fewer
    statements: one read tells whether the worker is on the list and already checked in
    (a repeat scan is answered ALREADY from it and writes nothing), then one
    insert-or-nothing returns the new row. `before_write` runs just before that insert
    and only if there is one to make (e.g. ``database.write_from_here``: SQLite's write
    lock is then held for the insert alone). Concurrent scans of one worker still give
    one row: the loser of the race is told ALREADY with the winner's row.
    """
    problem = door_problem(training, worker, at)
    if problem is not None:
        return CheckinResult(problem)
    params = {"training_id": training.id, "worker_id": worker.user_id}
    expected, attendance = db.session.execute(_AT_THE_DOOR, params).one()
    if attendance is not None:
        return CheckinResult(Outcome.ALREADY, attendance)
    if not expected:
        return CheckinResult(Outcome.NOT_EXPECTED)
    if before_write is not None:
        before_write()
    values = attendance_values(
        training,
        worker,
        method=AttendanceMethod.SELF_SCAN,
        actor=actor,
        at=at,
        scanned_at=scanned_at,
        reason=None,
    )
    new = db.session.scalars(_INSERT_ATTENDANCE, values).first()
    if new is not None:
        return CheckinResult(Outcome.CHECKED_IN, new)
    # Another request checked the worker in between the read and the insert.
    return CheckinResult(Outcome.ALREADY, existing_attendance(training.id, worker.user_id))
