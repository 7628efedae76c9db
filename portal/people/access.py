"""Who may see a worker's records."""

from __future__ import annotations

from portal.enums import Role
from portal.people.models import User, WorkerProfile


def can_view_worker(user: User, worker: WorkerProfile) -> bool:
    """Return whether a user may read a worker's records: the worker, or their street's admin."""
    if user.id == worker.user_id:
        return True
    return user.has_role(Role.STREET_ADMIN) and (
        user.street_id is not None and user.street_id == worker.community.street_id
    )
