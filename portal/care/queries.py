"""Reads for care entitlements and records."""

from __future__ import annotations

import sqlalchemy as sa

from portal.care.models import CareEntitlement, CareRecord
from portal.extensions import db

ENTITLEMENTS_FOR_YEAR = sa.select(CareEntitlement).where(
    CareEntitlement.worker_id == sa.bindparam("worker_id"),
    CareEntitlement.year == sa.bindparam("year"),
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
    return db.session.scalars(ENTITLEMENTS_FOR_YEAR, {"worker_id": worker_id, "year": year}).all()


def records_for_year(worker_id: int, year: int) -> list[CareRecord]:
    """Return a worker's care records for one year, newest first."""
    return db.session.scalars(RECORDS_FOR_YEAR, {"worker_id": worker_id, "year": year}).all()
