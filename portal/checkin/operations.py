"""Check-in writes at the door: a scanned personal code, a request to join.

Attendance itself is recorded by ``portal.training.operations`` (one per training and
worker, whatever the races). A scan of a worker's personal code also claims that code's
step for the training, in the same transaction (insert-or-nothing on the (worker, step)
key): a second training finds the claim and is refused, even when both scans race.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

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
from portal.training.models import JoinRequest, Training
from portal.training.operations import CheckinResult, Outcome, insert_or_nothing


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
