"""Reads for appraisals."""

from __future__ import annotations

import sqlalchemy as sa

from portal.appraisal.models import Appraisal
from portal.extensions import db

# Workers see a result only once the street has published it.
PUBLISHED_APPRAISALS = (
    sa.select(Appraisal)
    .where(Appraisal.worker_id == sa.bindparam("worker_id"), Appraisal.published_at.is_not(None))
    .order_by(Appraisal.year.desc())
)


def published_appraisals(worker_id: int) -> list[Appraisal]:
    """Return a worker's published appraisals, latest year first."""
    return db.session.scalars(PUBLISHED_APPRAISALS, {"worker_id": worker_id}).all()
