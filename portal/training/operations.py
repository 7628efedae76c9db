"""Writes of trainings and their attendance: create a training, record and end attendance.

Every function takes the acting user (`actor=`), flushes, never commits, and leaves an
audit entry. Attendance is recorded here whatever the way in — the worker's scan, the
trainer's scan of a personal code (portal.checkin) or a mark by hand on the roster
(``roster_operations``): one attendance per (training, worker), whatever the races.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute

from portal.audit import operations as audit
from portal.enums import (
    AttendanceMethod,
    AudienceScope,
    OrganiserLevel,
    PostType,
    TrainingKind,
    WorkerStatus,
)
from portal.extensions import Model, db
from portal.people.models import User, WorkerProfile
from portal.timeutil import local_date_of, utcnow
from portal.training import queries, rules
from portal.training.models import Attendance, Training, TrainingAudience, TrainingStaff

T = TypeVar("T")


@dataclass(frozen=True)
class TrainingData:
    """What a new training needs; the audience lists hold ids of the organiser's street."""

    title: str
    kind: TrainingKind
    level: OrganiserLevel
    starts_at: datetime
    ends_at: datetime
    place: str
    credited_hours: Decimal
    capacity: int | None = None
    credits_by_time: bool = False
    whole_street: bool = False
    community_ids: tuple[int, ...] = ()
    post_types: tuple[PostType, ...] = ()
    worker_ids: tuple[int, ...] = ()
    trainer_ids: tuple[int, ...] = ()

    @property
    def has_audience(self) -> bool:
        """Return whether anyone is expected."""
        return bool(self.whole_street or self.community_ids or self.post_types or self.worker_ids)


def create_training(data: TrainingData, *, actor: User) -> Training:
    """Create a training of the actor's street, organised by the actor, with its audience."""
    if actor.street_id is None:
        raise ValueError("only users of a street create trainings")
    if not data.has_audience:
        raise ValueError("a training needs an audience")
    street_id = actor.street_id
    training = Training(
        title=data.title,
        kind=data.kind,
        level=data.level,
        street_id=street_id,
        organiser_id=actor.id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=data.place,
        credited_hours=data.credited_hours,
        capacity=data.capacity,
        credits_by_time=data.credits_by_time,
    )
    audience = []
    if data.whole_street:
        audience.append(TrainingAudience(scope=AudienceScope.STREET, street_id=street_id))
    audience += [
        TrainingAudience(scope=AudienceScope.COMMUNITY, community_id=community_id)
        for community_id in data.community_ids
    ]
    audience += [
        TrainingAudience(scope=AudienceScope.POST_TYPE, street_id=street_id, post_type=post_type)
        for post_type in data.post_types
    ]
    audience += [
        TrainingAudience(scope=AudienceScope.WORKER, worker_id=worker_id)
        for worker_id in data.worker_ids
    ]
    training.audience = audience
    training.staff = [
        TrainingStaff(user_id=user_id) for user_id in data.trainer_ids if user_id != actor.id
    ]
    db.session.add(training)
    db.session.flush()
    audit.record(
        "training_created",
        training,
        actor=actor,
        title=data.title,
        starts_at=data.starts_at.isoformat(),
        whole_street=data.whole_street,
        communities=list(data.community_ids),
        post_types=[p.value for p in data.post_types],
        workers=list(data.worker_ids),
        trainers=[s.user_id for s in training.staff],
    )
    return training


# -- attendance ----------------------------------------------------------------------------


class Outcome(enum.StrEnum):
    """What happened to an attempt to record a worker's attendance."""

    CHECKED_IN = "checked_in"
    ALREADY = "already"
    NOT_EXPECTED = "not_expected"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    NOT_ON_POST = "not_on_post"
    # A scanned personal code's own refusals (see portal.checkin.operations):
    CODE_OUTSIDE_WINDOW = "code_outside_window"  # the code's step is not in the window
    CODE_USED = "code_used"  # the code's step was used at another training


@dataclass(frozen=True)
class CheckinResult:
    """The outcome and, when there is one, the attendance record."""

    outcome: Outcome
    attendance: Attendance | None = None

    @property
    def recorded(self) -> bool:
        """Return whether the worker is (now or already) checked in."""
        return self.outcome in {Outcome.CHECKED_IN, Outcome.ALREADY}


def insert_or_nothing(
    model: type[Model],
    values: Mapping[str, object],
    *,
    unique: list[str],
    returning: InstrumentedAttribute[T],
) -> T | None:
    """Insert a row unless one with the same `unique` key exists; return `returning` of the new row.

    Returns None when the row existed. On PostgreSQL a concurrent insert of the same key
    waits for the first transaction and then does nothing; SQLite serialises the writes.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        insert: postgresql.Insert | sqlite.Insert = postgresql.insert(model)
    else:
        insert = sqlite.insert(model)
    statement = insert.values(values).on_conflict_do_nothing(index_elements=unique)
    return db.session.execute(statement.returning(returning)).scalar()


def existing_attendance(training_id: int, worker_id: int) -> Attendance | None:
    """Return a worker's attendance at a training, if any."""
    return db.session.scalar(
        sa.select(Attendance).where(
            Attendance.training_id == training_id, Attendance.worker_id == worker_id
        )
    )


def door_problem(training: Training, worker: WorkerProfile, at: datetime) -> Outcome | None:
    """Return why the worker may not be checked in as of `at`: off post, or the door shut."""
    if worker.status == WorkerStatus.EXITED:
        return Outcome.NOT_ON_POST
    problem = rules.window_problem(at, training.starts_at, training.ends_at)
    if problem is rules.WindowProblem.NOT_OPEN:
        return Outcome.NOT_OPEN
    if problem is rules.WindowProblem.CLOSED:
        return Outcome.CLOSED
    return None


def attendance_values(
    training: Training,
    worker: WorkerProfile,
    *,
    method: AttendanceMethod,
    actor: User,
    at: datetime,
    scanned_at: datetime | None,
    reason: str | None,
) -> dict[str, object]:
    """Return the columns of a new attendance row: credited on the training's day, late or not."""
    return {
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


def record_attendance(
    training: Training,
    worker: WorkerProfile,
    *,
    method: AttendanceMethod,
    actor: User,
    at: datetime,
    scanned_at: datetime | None,
    reason: str | None,
) -> CheckinResult:
    """Record the attendance once (the checks are done): CHECKED_IN, or ALREADY if it exists."""
    new_id = insert_or_nothing(
        Attendance,
        attendance_values(
            training,
            worker,
            method=method,
            actor=actor,
            at=at,
            scanned_at=scanned_at,
            reason=reason,
        ),
        unique=["training_id", "worker_id"],
        returning=Attendance.id,
    )
    attendance = existing_attendance(training.id, worker.user_id)
    if new_id is None:
        return CheckinResult(Outcome.ALREADY, attendance)
    if method is AttendanceMethod.MANUAL:
        audit.record("attendance_marked", attendance, actor=actor, reason=reason)
    return CheckinResult(Outcome.CHECKED_IN, attendance)


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
) -> CheckinResult:
    """Record a worker's attendance at the moment they were at the door; the caller commits.

    `at` is when the worker was at the door: the scan time for a queued offline scan,
    else now. Concurrent calls for the same worker produce one row and report ALREADY.
    The caller rolls back on any outcome but CHECKED_IN and ALREADY.
    """
    at = at or utcnow()
    problem = door_problem(training, worker, at)
    if problem is not None:
        return CheckinResult(problem)
    if enforce_list and not queries.is_expected(training.id, worker.user_id):
        return CheckinResult(Outcome.NOT_EXPECTED)
    return record_attendance(
        training, worker, method=method, actor=actor, at=at, scanned_at=scanned_at, reason=reason
    )


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
