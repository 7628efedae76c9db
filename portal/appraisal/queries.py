"""Reads for appraisals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from portal.appraisal.models import Appraisal
from portal.enums import WorkerStatus
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import User, WorkerProfile
from portal.web.paging import Page, clamp_page

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
_IN_GRID = (
    Community.street_id == sa.bindparam("street_id"),
    sa.or_(
        Appraisal.id.is_not(None),
        sa.and_(
            WorkerProfile.status != WorkerStatus.EXITED,
            WorkerProfile.joined_on <= sa.bindparam("year_end"),
        ),
    ),
)
GRID_ORDER = (Community.name, User.name, WorkerProfile.user_id)
STREET_GRID = _GRID.where(*_IN_GRID).order_by(*GRID_ORDER)
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


def _grid_params(street_id: int, year: int) -> dict:
    return {"street_id": street_id, "year": year, "year_end": date(year, 12, 31)}


def street_grid(street_id: int, year: int) -> list[GridRow]:
    """Return the grid's rows for a street and year, by community and name (one query)."""
    return [GridRow(*row) for row in db.session.execute(STREET_GRID, _grid_params(street_id, year))]


@dataclass(frozen=True)
class GridView:
    """Which rows of the grid are shown: a community, a search, a page."""

    community_id: int | None = None
    q: str = ""  # part of a name, phone number or staff number
    page: int = 1


GridPage = Page[GridRow]  # one page of the list, as portal.web.paging.Page


GRID_PER_PAGE = 50


def _view_conditions(view: GridView) -> list:
    conditions = []
    if view.community_id is not None:
        conditions.append(WorkerProfile.community_id == view.community_id)
    if view.q:
        conditions.append(
            sa.or_(
                User.name.contains(view.q, autoescape=True),
                User.phone.contains(view.q, autoescape=True),
                User.staff_no.contains(view.q, autoescape=True),
            )
        )
    return conditions


def street_grid_page(
    street_id: int, year: int, view: GridView, *, per_page: int = GRID_PER_PAGE
) -> GridPage:
    """Return one page of the grid's rows in the view (two queries: the count and the page)."""
    params = _grid_params(street_id, year)
    conditions = _view_conditions(view)
    count = (
        _GRID.with_only_columns(sa.func.count(), maintain_column_froms=True)
        .where(*_IN_GRID, *conditions)
        .order_by(None)
    )
    total = db.session.scalar(count, params) or 0
    page = clamp_page(view.page, total, per_page)
    statement = (
        _GRID.where(*_IN_GRID, *conditions)
        .order_by(*GRID_ORDER)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [GridRow(*row) for row in db.session.execute(statement, params)]
    return GridPage(rows=rows, total=total, page=page, per_page=per_page)


@dataclass(frozen=True)
class YearCounts:
    """Where a street's year stands: rows of the grid, results entered and published."""

    rows_total: int
    entered: int
    published: int
    published_at: datetime | None  # the latest publication


_YEAR_COUNTS = _GRID.with_only_columns(
    sa.func.count(),
    sa.func.count(Appraisal.id),
    sa.func.count(Appraisal.published_at),
    sa.func.max(Appraisal.published_at),
    maintain_column_froms=True,
).where(*_IN_GRID)


def year_counts(street_id: int, year: int) -> YearCounts:
    """Return the counts of the street's whole grid for a year (one query)."""
    total, entered, published, latest = db.session.execute(
        _YEAR_COUNTS, _grid_params(street_id, year)
    ).one()
    return YearCounts(total, entered, published, latest)


def grid_row(worker_id: int, year: int) -> GridRow:
    """Return one worker's row of the grid (one query); the worker must exist."""
    return GridRow(*db.session.execute(GRID_ROW, {"worker_id": worker_id, "year": year}).one())


def year_published(street_id: int, year: int) -> bool:
    """Return whether the street has published its results of a year."""
    return bool(db.session.scalar(YEAR_PUBLISHED, {"street_id": street_id, "year": year}))


def street_years(street_id: int) -> list[int]:
    """Return the years the street has results for, latest first."""
    return list(db.session.scalars(STREET_YEARS, {"street_id": street_id}))


STREET_COMMUNITIES = (
    sa.select(Community.id, Community.name)
    .where(Community.street_id == sa.bindparam("street_id"))
    .order_by(Community.name, Community.id)
)


def street_communities(street_id: int) -> list[sa.Row[tuple[int, str]]]:
    """Return (id, name) of a street's communities, by name: the grid's community filter."""
    return list(db.session.execute(STREET_COMMUNITIES, {"street_id": street_id}))
