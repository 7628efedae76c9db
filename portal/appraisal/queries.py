"""Reads for appraisals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.appraisal.models import Appraisal
from portal.enums import WorkerStatus
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import User, WorkerProfile

# Workers see a result only once the street has published it.
PUBLISHED_APPRAISALS = (
    sa.select(Appraisal)
    .where(Appraisal.worker_id == sa.bindparam("worker_id"), Appraisal.published_at.is_not(None))
    .order_by(Appraisal.year.desc())
)


_LATEST_PUBLISHED = PUBLISHED_APPRAISALS.limit(sa.bindparam("latest"))


def published_appraisals(worker_id: int, *, latest: int | None = None) -> list[Appraisal]:
    """Return a worker's published appraisals, latest year first (only the latest n if given)."""
    if latest is None:
        return list(db.session.scalars(PUBLISHED_APPRAISALS, {"worker_id": worker_id}))
    params = {"worker_id": worker_id, "latest": latest}
    return list(db.session.scalars(_LATEST_PUBLISHED, params))


# -- the street admin's grid ---------------------------------------------------------------


@dataclass(frozen=True)
class GridRow:
    """A worker of the street and their result for the grid's year, if entered."""

    worker_id: int
    name: str
    staff_no: str | None
    community: str
    status: WorkerStatus
    appraisal: Appraisal | None


# Workers of the street who had joined by the end of the year and are still on the team,
# plus anyone (even exited since) who has a result that year.
_GRID = (
    sa.select(
        WorkerProfile.user_id,
        User.name,
        User.staff_no,
        Community.name,
        WorkerProfile.status,
        Appraisal,
    )
    .join(User, User.id == WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .outerjoin(
        Appraisal,
        sa.and_(
            Appraisal.worker_id == WorkerProfile.user_id, Appraisal.year == sa.bindparam("year")
        ),
    )
)
STREET_GRID = _GRID.where(
    Community.street_id == sa.bindparam("street_id"),
    sa.or_(
        Appraisal.id.is_not(None),
        sa.and_(
            WorkerProfile.status != WorkerStatus.EXITED,
            WorkerProfile.joined_on <= sa.bindparam("year_end"),
        ),
    ),
).order_by(Community.name, User.name, WorkerProfile.user_id)
GRID_ROW = _GRID.where(WorkerProfile.user_id == sa.bindparam("worker_id"))

_IN_STREET = (
    sa.select(WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(Community.street_id == sa.bindparam("street_id"))
)
# A street's year is published once any result of its workers for that year is.
YEAR_PUBLISHED = sa.select(
    sa.exists().where(
        Appraisal.year == sa.bindparam("year"),
        Appraisal.published_at.is_not(None),
        Appraisal.worker_id.in_(_IN_STREET.scalar_subquery()),
    )
)
STREET_YEARS = (
    sa.select(Appraisal.year)
    .where(Appraisal.worker_id.in_(_IN_STREET.scalar_subquery()))
    .distinct()
    .order_by(Appraisal.year.desc())
)


def street_grid(street_id: int, year: int) -> list[GridRow]:
    """Return the grid's rows for a street and year, by community and name (one query)."""
    params = {"street_id": street_id, "year": year, "year_end": date(year, 12, 31)}
    return [GridRow(*row) for row in db.session.execute(STREET_GRID, params)]


def grid_row(worker_id: int, year: int) -> GridRow:
    """Return one worker's row of the grid (one query); the worker must exist."""
    return GridRow(*db.session.execute(GRID_ROW, {"worker_id": worker_id, "year": year}).one())


def year_published(street_id: int, year: int) -> bool:
    """Return whether the street has published its results of a year."""
    return bool(db.session.scalar(YEAR_PUBLISHED, {"street_id": street_id, "year": year}))


def street_years(street_id: int) -> list[int]:
    """Return the years the street has results for, latest first."""
    return list(db.session.scalars(STREET_YEARS, {"street_id": street_id}))
