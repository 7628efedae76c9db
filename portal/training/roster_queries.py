"""Trainer-side reads: the trainings one runs, their rosters, join requests, a street's people.

Statements built once, with bind parameters; each page is a handful of queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.enums import AudienceScope, PostType, RequestStatus, Role
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import User, UserRole, WorkerProfile
from portal.training.models import (
    Attendance,
    JoinRequest,
    Training,
    TrainingAudience,
    TrainingStaff,
)
from portal.training.queries import ON_POST


def _expected_pairs(audience_filter: sa.ColumnElement[bool]) -> sa.CompoundSelect:
    """Return (training_id, worker_id) of expected workers, one branch per audience scope.

    Each branch walks an index (communities by street, workers by community), so the
    cost follows the audience, not the size of the whole worker table.
    """
    a, w, c = TrainingAudience, WorkerProfile, Community
    # Per scope, the joins from the audience rule to the workers it names.
    joins: dict[
        AudienceScope, list[tuple[type[Community | WorkerProfile], sa.ColumnElement[bool]]]
    ] = {
        AudienceScope.STREET: [(c, c.street_id == a.street_id), (w, w.community_id == c.id)],
        AudienceScope.COMMUNITY: [(w, w.community_id == a.community_id)],
        AudienceScope.POST_TYPE: [
            (c, c.street_id == a.street_id),
            (w, sa.and_(w.community_id == c.id, w.post_type == a.post_type)),
        ],
        AudienceScope.WORKER: [(w, w.user_id == a.worker_id)],
    }
    branches = []
    for scope, path in joins.items():
        branch = sa.select(a.training_id, w.user_id.label("worker_id")).select_from(a)
        for target, on in path:
            branch = branch.join(target, on)
        branches.append(branch.where(a.scope == scope, ON_POST, audience_filter))
    # UNION (not ALL): a worker matched by two rules is expected once.
    return sa.union(*branches)


_EXPECTED_OF_MANY = _expected_pairs(
    TrainingAudience.training_id.in_(sa.bindparam("training_ids", expanding=True))
).subquery("expected")

EXPECTED_COUNTS = sa.select(_EXPECTED_OF_MANY.c.training_id, sa.func.count()).group_by(
    _EXPECTED_OF_MANY.c.training_id
)

ATTENDED_COUNTS = (
    sa.select(Attendance.training_id, sa.func.count())
    .where(Attendance.training_id.in_(sa.bindparam("training_ids", expanding=True)))
    .group_by(Attendance.training_id)
)


def _counts_by_training(
    statement: sa.Select[tuple[int, int]], training_ids: list[int]
) -> dict[int, int]:
    if not training_ids:
        return {}
    rows = db.session.execute(statement, {"training_ids": training_ids}).all()
    return {training_id: count for training_id, count in rows}


def expected_counts(training_ids: list[int]) -> dict[int, int]:
    """Return how many workers each training expects (one query for all of them)."""
    return _counts_by_training(EXPECTED_COUNTS, training_ids)


def attended_counts(training_ids: list[int]) -> dict[int, int]:
    """Return how many workers checked in to each training (one query for all of them)."""
    return _counts_by_training(ATTENDED_COUNTS, training_ids)


# A training the user runs: organiser, assigned trainer, or admin of its street (the
# caller passes admin_street_id=None for users who are not street admins).
_RUNNABLE = sa.or_(
    Training.organiser_id == sa.bindparam("user_id"),
    sa.exists().where(
        TrainingStaff.training_id == Training.id,
        TrainingStaff.user_id == sa.bindparam("user_id"),
    ),
    Training.street_id == sa.bindparam("admin_street_id"),
)

RUNNABLE_UPCOMING = (
    sa.select(Training)
    .where(_RUNNABLE, Training.ends_at >= sa.bindparam("now"))
    .order_by(Training.starts_at, Training.id)
    .limit(sa.bindparam("limit"))
)

RUNNABLE_PAST = (
    sa.select(Training)
    .where(_RUNNABLE, Training.ends_at < sa.bindparam("now"))
    .order_by(Training.starts_at.desc(), Training.id.desc())
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)


def runnable_trainings(
    user_id: int,
    admin_street_id: int | None,
    now: datetime,
    *,
    upcoming_limit: int,
    past_limit: int,
    past_offset: int = 0,
) -> tuple[list[Training], list[Training]]:
    """Return (upcoming and running soonest first, past newest first) trainings a user runs."""
    params = {"user_id": user_id, "admin_street_id": admin_street_id, "now": now}
    upcoming = db.session.scalars(RUNNABLE_UPCOMING, {**params, "limit": upcoming_limit}).all()
    past = db.session.scalars(
        RUNNABLE_PAST, {**params, "limit": past_limit, "offset": past_offset}
    ).all()
    return list(upcoming), list(past)


_EXPECTED_OF_ONE = _expected_pairs(TrainingAudience.training_id == sa.bindparam("training_id")).cte(
    "expected"
)
_ON_ROSTER = sa.union(
    sa.select(_EXPECTED_OF_ONE.c.worker_id),
    sa.select(Attendance.worker_id).where(Attendance.training_id == sa.bindparam("training_id")),
).subquery("on_roster")
_RECORDER = aliased(User, name="recorder")

# Everyone on a training's roster: the expected workers and whoever attended besides.
ROSTER = (
    sa.select(
        WorkerProfile.user_id.label("worker_id"),
        User.name,
        User.phone,
        Community.name.label("community"),
        WorkerProfile.post_type,
        WorkerProfile.user_id.in_(sa.select(_EXPECTED_OF_ONE.c.worker_id)).label("expected"),
        Attendance,
        _RECORDER.name.label("recorded_by"),
    )
    .select_from(_ON_ROSTER)
    .join(WorkerProfile, WorkerProfile.user_id == _ON_ROSTER.c.worker_id)
    .join(User, User.id == WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .outerjoin(
        Attendance,
        sa.and_(
            Attendance.training_id == sa.bindparam("training_id"),
            Attendance.worker_id == WorkerProfile.user_id,
        ),
    )
    .outerjoin(_RECORDER, _RECORDER.id == Attendance.recorded_by_id)
    .order_by(Community.name, User.name, WorkerProfile.user_id)
)
ROSTER_ONE = ROSTER.where(WorkerProfile.user_id == sa.bindparam("worker_id"))
# A roster row; its Attendance and recorded_by are None for a worker not checked in.
RosterRow: TypeAlias = sa.Row[tuple[int, str, str, str, PostType, bool, Attendance, str]]


def roster(training_id: int) -> list[RosterRow]:
    """Return the roster rows of a training (one query), by community and name.

    Each row has worker_id, name, phone, community, post_type, expected (on the list),
    Attendance (or None) and recorded_by (the name of who recorded the check-in).
    """
    return list(db.session.execute(ROSTER, {"training_id": training_id}).all())


def roster_row(training_id: int, worker_id: int) -> RosterRow | None:
    """Return one worker's roster row, or None if the worker is not on the roster."""
    params = {"training_id": training_id, "worker_id": worker_id}
    return db.session.execute(ROSTER_ONE, params).first()


PENDING_JOIN_REQUESTS = (
    sa.select(JoinRequest, User.name, Community.name.label("community"), WorkerProfile.post_type)
    .join(WorkerProfile, WorkerProfile.user_id == JoinRequest.worker_id)
    .join(User, User.id == WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(
        JoinRequest.training_id == sa.bindparam("training_id"),
        JoinRequest.status == RequestStatus.PENDING,
    )
    .order_by(JoinRequest.created_at, JoinRequest.id)
)


def pending_join_requests(
    training_id: int,
) -> list[sa.Row[tuple[JoinRequest, str, str, PostType]]]:
    """Return a training's pending join requests with the worker's name and community."""
    return list(db.session.execute(PENDING_JOIN_REQUESTS, {"training_id": training_id}).all())


STREET_COMMUNITIES = (
    sa.select(Community)
    .where(Community.street_id == sa.bindparam("street_id"))
    .order_by(Community.name, Community.id)
)

STREET_WORKERS = (
    sa.select(WorkerProfile.user_id, User.name, Community.name.label("community"))
    .join(User, User.id == WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(Community.street_id == sa.bindparam("street_id"), ON_POST)
    .order_by(Community.name, User.name, WorkerProfile.user_id)
)

STREET_TRAINERS = (
    sa.select(User.id, User.name)
    .join(UserRole, UserRole.user_id == User.id)
    .where(
        User.street_id == sa.bindparam("street_id"),
        User.is_enabled.is_(True),
        UserRole.role == Role.TRAINER,
    )
    .order_by(User.name, User.id)
)


def street_communities(street_id: int) -> list[Community]:
    """Return a street's communities by name."""
    return list(db.session.scalars(STREET_COMMUNITIES, {"street_id": street_id}))


def street_workers(street_id: int) -> list[sa.Row[tuple[int, str, str]]]:
    """Return (user_id, name, community) of a street's workers on post, by community and name."""
    return list(db.session.execute(STREET_WORKERS, {"street_id": street_id}).all())


def street_trainers(street_id: int) -> list[sa.Row[tuple[int, str]]]:
    """Return (id, name) of the enabled users holding the trainer role in a street."""
    return list(db.session.execute(STREET_TRAINERS, {"street_id": street_id}).all())
