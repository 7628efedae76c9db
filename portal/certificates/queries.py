"""Reads for certificates."""

from __future__ import annotations

import sqlalchemy as sa

from portal.certificates.models import Certificate
from portal.extensions import db

CERTIFICATES_OF = (
    sa.select(Certificate)
    .where(Certificate.worker_id == sa.bindparam("worker_id"))
    .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
)


def certificates_of(worker_id: int) -> list[Certificate]:
    """Return a worker's certificates, newest first."""
    return list(db.session.scalars(CERTIFICATES_OF, {"worker_id": worker_id}))
