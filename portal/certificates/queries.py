"""Reads for certificates."""

from __future__ import annotations

import sqlalchemy as sa

from portal.certificates.models import Certificate


def certificates_of(worker_id: int) -> sa.Select:
    """Select a worker's certificates, newest first."""
    return (
        sa.select(Certificate)
        .where(Certificate.worker_id == worker_id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    )
