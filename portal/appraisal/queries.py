"""Reads for appraisals."""

from __future__ import annotations

import sqlalchemy as sa

from portal.appraisal.models import Appraisal


def published_appraisals(worker_id: int) -> sa.Select:
    """Select a worker's published appraisals, latest year first."""
    return (
        sa.select(Appraisal)
        .where(Appraisal.worker_id == worker_id, Appraisal.published_at.is_not(None))
        .order_by(Appraisal.year.desc())
    )
