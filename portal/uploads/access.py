"""Who may see an uploaded file: its owner, and the street admin of the owner's street."""

from __future__ import annotations

from portal.people.access import can_view_worker
from portal.people.models import User, WorkerProfile
from portal.uploads.models import Upload


def can_view_upload(user: User, upload: Upload, owner: WorkerProfile | None) -> bool:
    """Return whether a user may open an uploaded file."""
    if user.id == upload.owner_id:
        return True
    return owner is not None and can_view_worker(user, owner)
