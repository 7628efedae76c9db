"""Reads for care entitlements and records."""

from __future__ import annotations

import sqlalchemy as sa

from portal.care.models import CareEntitlement, CareRecord


def entitlements_for_year(worker_id: int, year: int) -> sa.Select:
    """Select a worker's entitlements for one year."""
    return sa.select(CareEntitlement).where(
        CareEntitlement.worker_id == worker_id, CareEntitlement.year == year
    )


def records_for_year(worker_id: int, year: int) -> sa.Select:
    """Select a worker's care records for one year, newest first."""
    return (
        sa.select(CareRecord)
        .where(CareRecord.worker_id == worker_id, CareRecord.year == year)
        .order_by(CareRecord.occurred_on.desc(), CareRecord.id.desc())
    )
