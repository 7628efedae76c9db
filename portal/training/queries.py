"""Reads of one training and one worker: credited hours, who is expected, counts, calendar.

Statements built once, with bind parameters. The trainer's lists, rosters and join
requests are in ``roster_queries``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.enums import AudienceScope, RequestStatus, WorkerStatus
from portal.extensions import db
from portal.org.models import Community
from portal.outside.models import OutsideTraining
from portal.people.models import WorkerProfile
from portal.training.access import worker_may_see_training
from portal.training.models import (
    Attendance,
    JoinRequest,
    Training,
    TrainingAudience,
)

_IN_PERIOD = (
    Attendance.worker_id == sa.bindparam("worker_id"),
    Attendance.credited_on.between(sa.bindparam("first_day"), sa.bindparam("last_day")),
)

# Credited hours = attended hours + accepted outside training completed in the period,
# in one statement. Each part is answered by an index alone: attendances
# (worker_id, credited_on, credited_hours), outside_trainings (worker_id, status, completed_on).
_ATTENDED_HOURS = (
    sa.select(sa.func.coalesce(sa.func.sum(Attendance.credited_hours), 0))
    .where(*_IN_PERIOD)
    .scalar_subquery()
)
_OUTSIDE_HOURS = (
    sa.select(sa.func.coalesce(sa.func.sum(OutsideTraining.hours), 0))
    .where(
        OutsideTraining.worker_id == sa.bindparam("worker_id"),
        OutsideTraining.status == RequestStatus.APPROVED,
        OutsideTraining.completed_on.between(sa.bindparam("first_day"), sa.bindparam("last_day")),
    )
    .scalar_subquery()
)
CREDITED_HOURS_COLUMN = _ATTENDED_HOURS + _OUTSIDE_HOURS  # also a column of the home summary
CREDITED_HOURS = sa.select(CREDITED_HOURS_COLUMN)

ATTENDED = (
    sa.select(Attendance, Training)
    .join(Training, Training.id == Attendance.training_id)
    .where(*_IN_PERIOD)
    .order_by(Attendance.credited_on.desc(), Attendance.id.desc())
)


def credited_hours(worker_id: int, first_day: date, last_day: date) -> Decimal:
    """Return the hours credited to a worker between two dates, inclusive (one query)."""
    params = {"worker_id": worker_id, "first_day": first_day, "last_day": last_day}
    return as_hours(db.session.scalar(CREDITED_HOURS, params))


def as_hours(value) -> Decimal:
    """Return a value of CREDITED_HOURS_COLUMN as hours to one decimal."""
    return Decimal(value).quantize(Decimal("0.1"))


def attended(
    worker_id: int, first_day: date, last_day: date
) -> list[sa.Row[tuple[Attendance, Training]]]:
    """Return (attendance, training) rows for a worker between two dates, newest first."""
    params = {"worker_id": worker_id, "first_day": first_day, "last_day": last_day}
    return list(db.session.execute(ATTENDED, params).all())


def next_training(worker_id: int, now: datetime) -> Training | None:
    """Return the next training the worker is expected at."""
    trainings = upcoming_expected(worker_id, now, limit=1)
    return trainings[0] if trainings else None


def upcoming(worker_id: int, now: datetime) -> list[Training]:
    """Return the next ten trainings the worker is expected at."""
    return upcoming_expected(worker_id, now, limit=10)


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


# On post: not exited (an exited worker is expected nowhere).
ON_POST = WorkerProfile.status != WorkerStatus.EXITED

EXPECTED_WORKERS = (
    sa.select(WorkerProfile)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(ON_POST, _audience_match(sa.bindparam("training_id")))
)

EXPECTED_COUNT = (
    sa.select(sa.func.count())
    .select_from(WorkerProfile)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(ON_POST, _audience_match(sa.bindparam("training_id")))
)

IS_EXPECTED = (
    sa.select(WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(
        WorkerProfile.user_id == sa.bindparam("worker_id"),
        ON_POST,
        _audience_match(sa.bindparam("training_id")),
    )
)

ATTENDED_COUNT = sa.select(sa.func.count()).where(
    Attendance.training_id == sa.bindparam("training_id")
)


# What a worker may know of a training: is it their street's, are they on its list?
WORKER_VIEW = (
    sa.select(
        WorkerProfile.status,
        (Community.street_id == Training.street_id).label("same_street"),
        sa.and_(ON_POST, _audience_match(Training.id)).label("expected"),
    )
    .select_from(WorkerProfile)
    .join(Community, Community.id == WorkerProfile.community_id)
    .join(Training, Training.id == sa.bindparam("training_id"))
    .where(WorkerProfile.user_id == sa.bindparam("worker_id"))
)


@dataclass(frozen=True)
class WorkerView:
    """How a training stands to one worker."""

    status: WorkerStatus
    same_street: bool  # a training of the worker's own street
    expected: bool  # the worker is on its list (whatever their street)

    @property
    def may_see(self) -> bool:
        """Return whether the worker may see the training (see access.py)."""
        return worker_may_see_training(same_street=self.same_street, expected=self.expected)


def worker_view(training_id: int, worker_id: int) -> WorkerView | None:
    """Return how a training stands to a worker (one query); None if either is missing."""
    params = {"training_id": training_id, "worker_id": worker_id}
    row = db.session.execute(WORKER_VIEW, params).first()
    if row is None:
        return None
    return WorkerView(row.status, bool(row.same_street), bool(row.expected))


def join_request_of(training_id: int, worker_id: int) -> JoinRequest | None:
    """Return a worker's request to join a training, if they made one."""
    return db.session.scalar(
        sa.select(JoinRequest).where(
            JoinRequest.training_id == training_id, JoinRequest.worker_id == worker_id
        )
    )


def is_expected(training_id: int, worker_id: int) -> bool:
    """Return whether a worker is on a training's list (one query)."""
    params = {"training_id": training_id, "worker_id": worker_id}
    return db.session.scalar(IS_EXPECTED, params) is not None


def expected_count(training_id: int) -> int:
    """Return how many workers a training expects."""
    return db.session.execute(EXPECTED_COUNT, {"training_id": training_id}).scalar_one()


def attended_count(training_id: int) -> int:
    """Return how many workers have checked in to a training."""
    return db.session.execute(ATTENDED_COUNT, {"training_id": training_id}).scalar_one()


# -- The worker's calendar (.ics) ---------------------------------------------------------

# Trainings the worker is expected at that have not ended yet, soonest first.
UPCOMING_EXPECTED = (
    sa.select(Training)
    .join(WorkerProfile, WorkerProfile.user_id == sa.bindparam("worker_id"))
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(Training.ends_at > sa.bindparam("now"), ON_POST, _audience_match(Training.id))
    .order_by(Training.starts_at, Training.id)
    .limit(sa.bindparam("limit"))
)


def upcoming_expected(worker_id: int, now: datetime, *, limit: int = 100) -> list[Training]:
    """Return the trainings a worker is expected at that end after `now` (one query)."""
    params = {"worker_id": worker_id, "now": now, "limit": limit}
    return list(db.session.scalars(UPCOMING_EXPECTED, params))
