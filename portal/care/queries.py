"""Reads for care entitlements and records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.care.models import CareEntitlement, CareRecord
from portal.enums import CareKind, CareStatus, WorkerStatus
from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import User, WorkerProfile
from portal.uploads.models import Upload

ENTITLEMENTS_FOR_YEAR = sa.select(CareEntitlement).where(
    CareEntitlement.worker_id == sa.bindparam("worker_id"),
    CareEntitlement.year == sa.bindparam("year"),
)

# The year's annual-leave entitlement, one value or NULL (unique per worker, year and kind).
ANNUAL_LEAVE_COLUMN = (
    sa.select(CareEntitlement.quantity)
    .where(
        CareEntitlement.worker_id == sa.bindparam("worker_id"),
        CareEntitlement.year == sa.bindparam("year"),
        CareEntitlement.kind == CareKind.ANNUAL_LEAVE,
    )
    .scalar_subquery()
)

RECORDS_FOR_YEAR = (
    sa.select(CareRecord)
    .where(
        CareRecord.worker_id == sa.bindparam("worker_id"), CareRecord.year == sa.bindparam("year")
    )
    .order_by(CareRecord.occurred_on.desc(), CareRecord.id.desc())
)


def entitlements_for_year(worker_id: int, year: int) -> list[CareEntitlement]:
    """Return a worker's entitlements for one year."""
    return list(db.session.scalars(ENTITLEMENTS_FOR_YEAR, {"worker_id": worker_id, "year": year}))


def records_for_year(worker_id: int, year: int) -> list[CareRecord]:
    """Return a worker's care records for one year, newest first."""
    return list(db.session.scalars(RECORDS_FOR_YEAR, {"worker_id": worker_id, "year": year}))


# -- the street admin's care pages and the care fund -----------------------------------------

_Worker = aliased(User, name="care_worker")
_Decider = aliased(User, name="care_decider")


@dataclass(frozen=True)
class RecordRow:
    """A care record with the names a list shows."""

    record: CareRecord
    worker_name: str
    community: str
    street: str
    decided_by: str | None = None
    upload: Upload | None = None


def _records_of(scope_condition) -> sa.Select:
    return (
        sa.select(CareRecord, _Worker.name, Community.name, Street.name, _Decider.name, Upload)
        .join(WorkerProfile, WorkerProfile.user_id == CareRecord.worker_id)
        .join(_Worker, _Worker.id == WorkerProfile.user_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .join(Street, Street.id == Community.street_id)
        .outerjoin(_Decider, _Decider.id == CareRecord.decided_by_id)
        .outerjoin(Upload, Upload.id == CareRecord.upload_id)
        .where(scope_condition(Community.street_id))
    )


def recent_records(scope, year: int, *, limit: int = 100) -> list[RecordRow]:
    """Return a year's care records in scope (care-fund applications aside), newest first."""
    statement = (
        _records_of(scope.street_condition)
        .where(CareRecord.year == year, CareRecord.kind != CareKind.CARE_FUND)
        .order_by(CareRecord.occurred_on.desc(), CareRecord.id.desc())
        .limit(limit)
    )
    return [RecordRow(*row) for row in db.session.execute(statement)]


def fund_applications(scope, *, pending: bool, limit: int = 50) -> list[RecordRow]:
    """Return care-fund applications in scope: waiting (oldest first) or decided (newest)."""
    statement = _records_of(scope.street_condition).where(CareRecord.kind == CareKind.CARE_FUND)
    if pending:
        statement = statement.where(CareRecord.status == CareStatus.APPLIED).order_by(
            CareRecord.created_at, CareRecord.id
        )
    else:
        statement = (
            statement.where(CareRecord.status != CareStatus.APPLIED)
            .order_by(CareRecord.decided_at.desc(), CareRecord.id.desc())
            .limit(limit)
        )
    return [RecordRow(*row) for row in db.session.execute(statement)]


OWN_FUND_APPLICATIONS = (
    sa.select(CareRecord, Upload)
    .outerjoin(Upload, Upload.id == CareRecord.upload_id)
    .where(
        CareRecord.worker_id == sa.bindparam("worker_id"),
        CareRecord.kind == CareKind.CARE_FUND,
    )
    .order_by(CareRecord.created_at.desc(), CareRecord.id.desc())
)


def own_fund_applications(worker_id: int) -> list[tuple[CareRecord, Upload | None]]:
    """Return a worker's care-fund applications with their files, newest first (one query)."""
    return [
        tuple(row) for row in db.session.execute(OWN_FUND_APPLICATIONS, {"worker_id": worker_id})
    ]


FUND_RECORD = (
    sa.select(CareRecord, Community.street_id)
    .join(WorkerProfile, WorkerProfile.user_id == CareRecord.worker_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(CareRecord.id == sa.bindparam("record_id"), CareRecord.kind == CareKind.CARE_FUND)
)


def fund_record(record_id: int) -> tuple[CareRecord, int] | None:
    """Return a care-fund application and its worker's street id, or None."""
    row = db.session.execute(FUND_RECORD, {"record_id": record_id}).first()
    return (row[0], row[1]) if row else None


STREET_CARE_WORKERS = (
    sa.select(WorkerProfile.user_id, User.name, Community.name)
    .join(User, User.id == WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(
        Community.street_id == sa.bindparam("street_id"),
        WorkerProfile.status != WorkerStatus.EXITED,
    )
    .order_by(Community.name, User.name, WorkerProfile.user_id)
)


def street_workers(street_id: int) -> list[tuple[int, str, str]]:
    """Return (worker id, name, community) of the street's team, by community and name."""
    return [tuple(row) for row in db.session.execute(STREET_CARE_WORKERS, {"street_id": street_id})]


SAME_DAY_RECORDS = sa.select(CareRecord.worker_id).where(
    CareRecord.worker_id.in_(sa.bindparam("worker_ids", expanding=True)),
    CareRecord.kind == sa.bindparam("kind"),
    CareRecord.occurred_on == sa.bindparam("occurred_on"),
)


def already_recorded(worker_ids: list[int], kind: CareKind, occurred_on: date) -> set[int]:
    """Return the workers who already have a record of this kind on this day."""
    if not worker_ids:
        return set()
    params = {"worker_ids": worker_ids, "kind": kind, "occurred_on": occurred_on}
    return set(db.session.scalars(SAME_DAY_RECORDS, params))


@dataclass(frozen=True)
class LeaveRow:
    """A worker's annual leave for a year: the entered entitlement, the default, the days taken."""

    worker_id: int
    name: str
    community: str
    started_on: date
    entitlement: CareEntitlement | None
    taken: Decimal


_LEAVE_TAKEN = (
    sa.select(
        CareRecord.worker_id.label("worker_id"),
        sa.func.coalesce(sa.func.sum(CareRecord.quantity), 0).label("taken"),
    )
    .where(
        CareRecord.kind == CareKind.ANNUAL_LEAVE,
        CareRecord.year == sa.bindparam("year"),
        CareRecord.status.in_([CareStatus.DONE, CareStatus.APPROVED]),
    )
    .group_by(CareRecord.worker_id)
    .subquery("leave_taken")
)
STREET_LEAVE = (
    sa.select(
        WorkerProfile.user_id,
        User.name,
        Community.name,
        WorkerProfile.community_work_started_on,
        CareEntitlement,
        sa.func.coalesce(_LEAVE_TAKEN.c.taken, 0),
    )
    .join(User, User.id == WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .outerjoin(
        CareEntitlement,
        sa.and_(
            CareEntitlement.worker_id == WorkerProfile.user_id,
            CareEntitlement.year == sa.bindparam("year"),
            CareEntitlement.kind == CareKind.ANNUAL_LEAVE,
        ),
    )
    .outerjoin(_LEAVE_TAKEN, _LEAVE_TAKEN.c.worker_id == WorkerProfile.user_id)
    .where(
        Community.street_id == sa.bindparam("street_id"),
        WorkerProfile.status != WorkerStatus.EXITED,
    )
    .order_by(Community.name, User.name, WorkerProfile.user_id)
)


def street_leave(street_id: int, year: int) -> list[LeaveRow]:
    """Return the annual leave of the street's team for a year (one query)."""
    rows = db.session.execute(STREET_LEAVE, {"street_id": street_id, "year": year})
    return [LeaveRow(r[0], r[1], r[2], r[3], r[4], Decimal(r[5])) for r in rows]
