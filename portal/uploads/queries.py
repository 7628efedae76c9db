"""Reads for uploads."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.people.models import WorkerProfile
from portal.uploads.models import Upload

# The upload and its owner's worker profile (with community: the street decides access).
UPLOAD_WITH_OWNER = (
    sa.select(Upload, WorkerProfile)
    .outerjoin(WorkerProfile, WorkerProfile.user_id == Upload.owner_id)
    .options(joinedload(WorkerProfile.community))
    .where(Upload.id == sa.bindparam("upload_id"))
)


def upload_with_owner(upload_id: int) -> tuple[Upload | None, WorkerProfile | None]:
    """Return an upload and its owner's worker profile, or (None, None) (one query)."""
    row = db.session.execute(UPLOAD_WITH_OWNER, {"upload_id": upload_id}).first()
    return (row[0], row[1]) if row else (None, None)
