"""Reads of unexcused absence: a worker's days, a street's list, a scope's days by worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.absence.models import AbsenceDay
from portal.enums import WorkerStatus
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import User, WorkerProfile


def days_of(worker_id: int) -> list[AbsenceDay]:
    """Return every day recorded for a worker, latest first (one query)."""
    return list(
        db.session.scalars(
            sa.select(AbsenceDay)
            .where(AbsenceDay.worker_id == worker_id)
            .order_by(AbsenceDay.day.desc())
        )
    )


@dataclass(frozen=True)
class StreetAbsence:
    """One recorded day on the street's list, with the worker's name and community."""

    record: AbsenceDay
    name: str
    community: str


def street_days(street_condition, since: date) -> list[StreetAbsence]:
    """Return the days recorded in scope from ``since``, latest first (one query)."""
    statement = (
        sa.select(AbsenceDay, User.name, Community.name)
        .join(WorkerProfile, WorkerProfile.user_id == AbsenceDay.worker_id)
        .join(User, User.id == WorkerProfile.user_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(street_condition(Community.street_id), AbsenceDay.day >= since)
        .order_by(AbsenceDay.day.desc(), User.name, AbsenceDay.id)
    )
    return [
        StreetAbsence(record, name, community)
        for record, name, community in db.session.execute(statement)
    ]


def days_by_worker(street_condition, since: date) -> dict[int, list[date]]:
    """Return the days from ``since`` of every worker in scope still on the team (one query)."""
    statement = (
        sa.select(AbsenceDay.worker_id, AbsenceDay.day)
        .join(WorkerProfile, WorkerProfile.user_id == AbsenceDay.worker_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(
            street_condition(Community.street_id),
            WorkerProfile.status != WorkerStatus.EXITED,
            AbsenceDay.day >= since,
        )
    )
    found: dict[int, list[date]] = {}
    for worker_id, day in db.session.execute(statement):
        found.setdefault(worker_id, []).append(day)
    return found


def record_in_street(record_id: int) -> tuple[AbsenceDay, int] | None:
    """Return a recorded day and its worker's street id (one query)."""
    row = db.session.execute(
        sa.select(AbsenceDay, Community.street_id)
        .join(WorkerProfile, WorkerProfile.user_id == AbsenceDay.worker_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(AbsenceDay.id == record_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def street_team(street_id: int) -> Sequence[tuple[int, str, str]]:
    """Return (id, name, community) of the street's workers on the team, by community."""
    statement = (
        sa.select(WorkerProfile.user_id, User.name, Community.name)
        .join(User, User.id == WorkerProfile.user_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(Community.street_id == street_id, WorkerProfile.status != WorkerStatus.EXITED)
        .order_by(Community.name, User.name, WorkerProfile.user_id)
    )
    return [
        (worker_id, name, community) for worker_id, name, community in db.session.execute(statement)
    ]
