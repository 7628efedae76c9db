"""Reads for the admin side: the roster and a worker's file.

The rows behind the exports and the dashboard are in team_queries.py.

Every page and export is a handful of queries whatever the street's size: per-worker
figures (certified or not, credited hours) are correlated subqueries answered by an
index, and the policy rules then run in Python over one query's rows.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, aliased

from portal.admin.rules import (
    latest_eligibility_for_deadline,
)
from portal.appraisal.models import Appraisal
from portal.certificates.models import Certificate
from portal.enums import CertificateKind, PostType, WorkerStatus
from portal.extensions import db
from portal.org.models import Community, Street
from portal.people import queries as people_queries
from portal.people.models import GradeChange, User, WorkerProfile
from portal.people.scope import AdminScope
from portal.policy import rules
from portal.policy.profiles import PolicyProfile
from portal.policy.rules import CertLevel
from portal.web.paging import Page, clamp_page


class ReadScope(Protocol):
    """What a read over the team needs of a scope: the rules in force, and whose streets.

    An ``AdminScope``, or the dashboard's one street of a district (``StreetView``).
    """

    @property
    def profile(self) -> PolicyProfile: ...  # noqa: D102

    def street_condition(  # noqa: D102
        self, street_column: sa.ColumnElement[int] | QueryableAttribute[int]
    ) -> sa.ColumnElement[bool]: ...


PER_PAGE = 50
SOCIAL_WORK_KINDS = tuple(k for k in CertificateKind if k.is_social_work_qualification)

# Holds a social-work certificate [003 §4(4)]: answered by the certificates' worker index.
CERTIFIED = (
    sa.exists()
    .where(
        Certificate.worker_id == WorkerProfile.user_id,
        Certificate.kind.in_(SOCIAL_WORK_KINDS),
    )
    .correlate(WorkerProfile)
)


class RosterStatus(enum.StrEnum):
    """The status filter of the roster: the current team by default."""

    CURRENT = "current"  # on post or seconded
    ACTIVE = "active"
    SECONDED = "seconded"
    EXITED = "exited"
    ALL = "all"


@dataclass(frozen=True)
class RosterFilter:
    """What the admin typed and chose above the roster."""

    q: str = ""
    street_id: int | None = None
    community_id: int | None = None
    post_type: PostType | None = None
    grade: int | None = None
    status: RosterStatus = RosterStatus.CURRENT
    cert: CertLevel | None = None


@dataclass(frozen=True)
class RosterRow:
    """One worker on the roster, with the certificate state computed by the rules."""

    worker: WorkerProfile
    name: str
    phone: str
    staff_no: str | None
    is_enabled: bool
    community: str
    street: str
    certified: bool
    deadline: date | None
    cert_state: rules.CertificateState


RosterPage = Page[RosterRow]  # one page of the list, as portal.web.paging.Page


# -- certificate state in SQL -----------------------------------------------------------


def _cert_condition(level: CertLevel, profile: PolicyProfile, today: date):
    """Return the SQL condition for workers whose certificate state is ``level`` today."""
    if level is CertLevel.CERTIFIED:
        return CERTIFIED
    eligible = WorkerProfile.exam_eligible_on
    if level is CertLevel.NOT_ELIGIBLE:
        return sa.and_(~CERTIFIED, eligible.is_(None))
    thresholds = profile.certificate
    overdue_until = latest_eligibility_for_deadline(profile, today - timedelta(days=1))
    red_until = latest_eligibility_for_deadline(profile, today + timedelta(thresholds.red_days))
    amber_until = latest_eligibility_for_deadline(
        profile, today + timedelta(days=thresholds.amber_days)
    )
    band = {
        CertLevel.OVERDUE: eligible <= overdue_until,
        CertLevel.RED: sa.and_(eligible > overdue_until, eligible <= red_until),
        CertLevel.AMBER: sa.and_(eligible > red_until, eligible <= amber_until),
        CertLevel.OK: eligible > amber_until,
    }[level]
    return sa.and_(~CERTIFIED, eligible.is_not(None), band)


def cert_state_of(profile: PolicyProfile, worker: WorkerProfile, certified: bool, today: date):
    """Return (deadline, state) of a worker's certificate by the rules."""
    deadline = rules.certificate_deadline(profile, worker.exam_eligible_on)
    return deadline, rules.certificate_state(profile, deadline, today, certified=certified)


# -- the roster --------------------------------------------------------------------------


def _status_condition(status: RosterStatus):
    return {
        RosterStatus.CURRENT: WorkerProfile.status != WorkerStatus.EXITED,
        RosterStatus.ACTIVE: WorkerProfile.status == WorkerStatus.ACTIVE,
        RosterStatus.SECONDED: WorkerProfile.status == WorkerStatus.SECONDED,
        RosterStatus.EXITED: WorkerProfile.status == WorkerStatus.EXITED,
        RosterStatus.ALL: sa.true(),
    }[status]


def _roster_conditions(scope: AdminScope, filters: RosterFilter, today: date) -> list:
    conditions = [
        scope.street_condition(Community.street_id),
        _status_condition(filters.status),
    ]
    if filters.q:
        needle = filters.q
        conditions.append(
            sa.or_(
                User.name.contains(needle, autoescape=True),
                User.phone.contains(needle, autoescape=True),
                User.staff_no.contains(needle, autoescape=True),
            )
        )
    if filters.street_id is not None:
        conditions.append(Community.street_id == filters.street_id)
    if filters.community_id is not None:
        conditions.append(WorkerProfile.community_id == filters.community_id)
    if filters.post_type is not None:
        conditions.append(WorkerProfile.post_type == filters.post_type)
    if filters.grade is not None:
        conditions.append(WorkerProfile.grade == filters.grade)
    if filters.cert is not None:
        conditions.append(_cert_condition(filters.cert, scope.profile, today))
    return conditions


def from_workers(statement: sa.Select) -> sa.Select:
    """Join a select over workers to their account, community and street."""
    return (
        statement.select_from(WorkerProfile)
        .join(User, User.id == WorkerProfile.user_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .join(Street, Street.id == Community.street_id)
    )


_ROSTER_COLUMNS = (
    WorkerProfile,
    User.name,
    User.phone,
    User.staff_no,
    User.is_enabled,
    Community.name.label("community"),
    Street.name.label("street"),
    CERTIFIED.label("certified"),
)
ROSTER_ORDER = (Street.name, Community.name, User.name, WorkerProfile.user_id)


def _roster_rows(result, profile: PolicyProfile, today: date) -> list[RosterRow]:
    rows = []
    for row in result:
        deadline, state = cert_state_of(profile, row.WorkerProfile, bool(row.certified), today)
        rows.append(
            RosterRow(
                worker=row.WorkerProfile,
                name=row.name,
                phone=row.phone,
                staff_no=row.staff_no,
                is_enabled=row.is_enabled,
                community=row.community,
                street=row.street,
                certified=bool(row.certified),
                deadline=deadline,
                cert_state=state,
            )
        )
    return rows


def roster_page(
    scope: AdminScope, filters: RosterFilter, today: date, *, page: int, per_page: int = PER_PAGE
) -> RosterPage:
    """Return one page of the roster (two queries: the count and the page)."""
    conditions = _roster_conditions(scope, filters, today)
    total = db.session.scalar(from_workers(sa.select(sa.func.count())).where(*conditions))
    page = clamp_page(page, total, per_page)
    statement = (
        from_workers(sa.select(*_ROSTER_COLUMNS))
        .where(*conditions)
        .order_by(*ROSTER_ORDER)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = _roster_rows(db.session.execute(statement), scope.profile, today)
    return RosterPage(rows=rows, total=total, page=page, per_page=per_page)


def roster_all(scope: AdminScope, filters: RosterFilter, today: date) -> list[RosterRow]:
    """Return every roster row matching the filters (one query), for the export."""
    conditions = _roster_conditions(scope, filters, today)
    statement = from_workers(sa.select(*_ROSTER_COLUMNS)).where(*conditions)
    return _roster_rows(db.session.execute(statement.order_by(*ROSTER_ORDER)), scope.profile, today)


def scope_communities(scope: ReadScope) -> Sequence[sa.Row[tuple[Community, str]]]:
    """Return (community, street name) of every community in scope, by street and name."""
    statement = (
        sa.select(Community, Street.name.label("street"))
        .join(Street, Street.id == Community.street_id)
        .where(scope.street_condition(Community.street_id))
        .order_by(Street.name, Community.name, Community.id)
    )
    return db.session.execute(statement).all()


STREET_COMMUNITIES = (
    sa.select(Community)
    .where(Community.street_id == sa.bindparam("street_id"))
    .order_by(Community.name, Community.id)
)


def street_communities(street_id: int) -> list[Community]:
    """Return a street's communities by name."""
    return list(db.session.scalars(STREET_COMMUNITIES, {"street_id": street_id}))


# -- one worker's file -------------------------------------------------------------------

_RECORDER = aliased(User, name="recorder")

# A worker's grade history, newest first, with the name of who recorded each change.
GRADE_HISTORY = people_queries.GRADE_HISTORY.add_columns(
    _RECORDER.name.label("recorded_by")
).outerjoin(_RECORDER, _RECORDER.id == GradeChange.recorded_by_id)

ALL_APPRAISALS = (
    sa.select(Appraisal)
    .where(Appraisal.worker_id == sa.bindparam("worker_id"))
    .order_by(Appraisal.year.desc())
)


def grade_history(worker_id: int) -> list[tuple[GradeChange, str | None]]:
    """Return (GradeChange, recorded_by name) of a worker, newest first (no name if unknown)."""
    rows = db.session.execute(GRADE_HISTORY, {"worker_id": worker_id})
    return [(change, recorded_by) for change, recorded_by in rows]


def all_appraisals(worker_id: int) -> list[Appraisal]:
    """Return every appraisal of a worker, published or not, latest year first."""
    return list(db.session.scalars(ALL_APPRAISALS, {"worker_id": worker_id}))


def phone_owner(phone: str) -> int | None:
    """Return the id of the user with this phone number, if any."""
    return db.session.scalar(sa.select(User.id).where(User.phone == phone))


def staff_no_owner(staff_no: str) -> int | None:
    """Return the id of the user with this staff number, if any."""
    return db.session.scalar(sa.select(User.id).where(User.staff_no == staff_no))
