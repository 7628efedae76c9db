"""Who is due for the county's training this year, and who has been [003 §6, 004 §8].

The profile's ``[rotation]`` says which organiser levels count, who is trained every year
(secretaries and directors, and in Jiangsu new entrants) and how often everyone else is
rotated through; ``portal.policy.rules.rotation_due`` decides for one worker. The SQL here
only reads, per worker, the last such training before this year and whether there has been
one this year: correlated to the worker, so the dashboard's team query carries them and
the list of who is still due is one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.admin.queries import ROSTER_ORDER, ReadScope, from_workers
from portal.enums import OrganiserLevel, PostType, WorkerStatus
from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import User, WorkerProfile
from portal.policy import rules
from portal.policy.model import RotationPolicy
from portal.timeutil import year_bounds
from portal.training.models import Attendance, Training


def _county_attendance(levels: Iterable[OrganiserLevel], *columns) -> sa.Select:
    """Select ``columns`` over this worker's attendances at trainings of ``levels``."""
    return (
        sa.select(*columns)
        .select_from(Attendance)
        .join(Training, Training.id == Attendance.training_id)
        .where(
            Attendance.worker_id == WorkerProfile.user_id,
            Training.level.in_(sorted(levels)),
        )
        .correlate(WorkerProfile)
    )


def _levels(policy: RotationPolicy | None) -> frozenset[OrganiserLevel]:
    return policy.organiser_levels if policy is not None else frozenset()


def last_trained_before(policy: RotationPolicy | None, year: int):
    """Return 'date of this worker's last counted training before ``year``' (or NULL)."""
    first, _last = year_bounds(year)
    return (
        _county_attendance(_levels(policy), sa.func.max(Attendance.credited_on))
        .where(Attendance.credited_on < first)
        .scalar_subquery()
    )


def trained_in(policy: RotationPolicy | None, year: int):
    """Return 'this worker attended a counted training in ``year``' (EXISTS)."""
    first, last = year_bounds(year)
    # Not over the max() above: an aggregate always returns a row, so EXISTS would be true.
    return sa.exists(
        _county_attendance(_levels(policy), Attendance.id).where(
            Attendance.credited_on.between(first, last)
        )
    )


@dataclass(frozen=True)
class RotationFigures:
    """County training in the current year: how many are due, how many of them attended."""

    due: int
    attended: int
    policy: RotationPolicy

    @property
    def still_due(self) -> int:
        """Return those due who have not attended yet."""
        return self.due - self.attended


def figures_of(
    policy: RotationPolicy | None,
    members: Iterable[tuple[PostType, date, date | None, bool]],
    year: int,
) -> RotationFigures | None:
    """Count (post type, started on, last trained before, attended) rows; None without a rule."""
    if policy is None:
        return None
    due = attended = 0
    for post_type, started_on, last_trained_on, attended_this_year in members:
        reason = rules.rotation_due(
            policy,
            post_type=post_type,
            started_on=started_on,
            last_trained_on=last_trained_on,
            year=year,
        )
        if reason is not None:
            due += 1
            attended += attended_this_year
    return RotationFigures(due=due, attended=attended, policy=policy)


@dataclass(frozen=True)
class StillDueRow:
    """A worker due for county training this year who has not attended one yet."""

    worker_id: int
    name: str
    community: str
    street: str
    post_type: PostType
    reason: rules.RotationReason
    last_trained_on: date | None


def still_due(scope: ReadScope, today: date) -> list[StillDueRow]:
    """Return the current team's workers still due this year, in roster order (one query)."""
    policy = scope.profile.rotation
    if policy is None:
        return []
    statement = (
        from_workers(
            sa.select(
                WorkerProfile.user_id,
                User.name,
                Community.name,
                Street.name,
                WorkerProfile.post_type,
                WorkerProfile.community_work_started_on,
                last_trained_before(policy, today.year),
            )
        )
        .where(
            scope.street_condition(Community.street_id),
            WorkerProfile.status != WorkerStatus.EXITED,
            ~trained_in(policy, today.year),
        )
        .order_by(*ROSTER_ORDER)
    )
    rows = []
    for worker_id, name, community, street, post_type, started_on, last in db.session.execute(
        statement
    ):
        reason = rules.rotation_due(
            policy,
            post_type=post_type,
            started_on=started_on,
            last_trained_on=last,
            year=today.year,
        )
        if reason is not None:
            rows.append(StillDueRow(worker_id, name, community, street, post_type, reason, last))
    return rows
