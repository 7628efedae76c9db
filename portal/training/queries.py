"""Reads for trainings and credited hours (statements built once, with bind parameters)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.enums import AudienceScope, WorkerStatus
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import WorkerProfile
from portal.training.models import Attendance, Training, TrainingAudience

_IN_PERIOD = (
    Attendance.worker_id == sa.bindparam("worker_id"),
    Attendance.credited_on.between(sa.bindparam("first_day"), sa.bindparam("last_day")),
)

# A covering index (worker_id, credited_on, credited_hours) answers this alone.
CREDITED_HOURS = sa.select(sa.func.coalesce(sa.func.sum(Attendance.credited_hours), 0)).where(
    *_IN_PERIOD
)

ATTENDED = (
    sa.select(Attendance, Training)
    .join(Training, Training.id == Attendance.training_id)
    .where(*_IN_PERIOD)
    .order_by(Attendance.credited_on.desc(), Attendance.id.desc())
)

# Trainings open to a street: its own and those organised above it (no street).
_UPCOMING = (
    sa.select(Training)
    .where(
        Training.starts_at >= sa.bindparam("now"),
        sa.or_(Training.street_id == sa.bindparam("street_id"), Training.street_id.is_(None)),
    )
    .order_by(Training.starts_at)
)
NEXT_TRAINING = _UPCOMING.limit(1)
UPCOMING = _UPCOMING.limit(10)


def credited_hours(worker_id: int, first_day: date, last_day: date) -> Decimal:
    """Return the hours credited to a worker between two dates, inclusive (one query)."""
    params = {"worker_id": worker_id, "first_day": first_day, "last_day": last_day}
    return Decimal(db.session.scalar(CREDITED_HOURS, params)).quantize(Decimal("0.1"))


def attended(worker_id: int, first_day: date, last_day: date) -> list:
    """Return (attendance, training) rows for a worker between two dates, newest first."""
    params = {"worker_id": worker_id, "first_day": first_day, "last_day": last_day}
    return db.session.execute(ATTENDED, params).all()


def next_training(street_id: int, now: datetime) -> Training | None:
    """Return the next training open to a street."""
    return db.session.scalar(NEXT_TRAINING, {"street_id": street_id, "now": now})


def upcoming(street_id: int, now: datetime) -> list[Training]:
    """Return the next ten trainings open to a street."""
    return db.session.scalars(UPCOMING, {"street_id": street_id, "now": now}).all()


def _audience_match(training_id):
    """Return the condition 'this worker is expected at the training' (correlated EXISTS)."""
    a = TrainingAudience
    return sa.exists().where(
        a.training_id == training_id,
        sa.or_(
            sa.and_(a.scope == AudienceScope.STREET, a.street_id == Community.street_id),
            sa.and_(
                a.scope == AudienceScope.COMMUNITY, a.community_id == WorkerProfile.community_id
            ),
            sa.and_(
                a.scope == AudienceScope.POST_TYPE,
                a.street_id == Community.street_id,
                a.post_type == WorkerProfile.post_type,
            ),
            sa.and_(a.scope == AudienceScope.WORKER, a.worker_id == WorkerProfile.user_id),
        ),
    )


_ON_POST = WorkerProfile.status != WorkerStatus.EXITED

EXPECTED_WORKERS = (
    sa.select(WorkerProfile)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(_ON_POST, _audience_match(sa.bindparam("training_id")))
)

EXPECTED_COUNT = (
    sa.select(sa.func.count())
    .select_from(WorkerProfile)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(_ON_POST, _audience_match(sa.bindparam("training_id")))
)

IS_EXPECTED = (
    sa.select(WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(
        WorkerProfile.user_id == sa.bindparam("worker_id"),
        _ON_POST,
        _audience_match(sa.bindparam("training_id")),
    )
)

ATTENDED_COUNT = sa.select(sa.func.count()).where(
    Attendance.training_id == sa.bindparam("training_id")
)


def is_expected(training_id: int, worker_id: int) -> bool:
    """Return whether a worker is on a training's list (one query)."""
    params = {"training_id": training_id, "worker_id": worker_id}
    return db.session.scalar(IS_EXPECTED, params) is not None


def expected_count(training_id: int) -> int:
    """Return how many workers a training expects."""
    return db.session.scalar(EXPECTED_COUNT, {"training_id": training_id})


def attended_count(training_id: int) -> int:
    """Return how many workers have checked in to a training."""
    return db.session.scalar(ATTENDED_COUNT, {"training_id": training_id})
