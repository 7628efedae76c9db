"""Who may see a worker's records, and the role checks every domain's pages share."""

from __future__ import annotations

from flask import abort

from portal.enums import Role
from portal.people.models import User, WorkerProfile


def can_view_worker(user: User, worker: WorkerProfile) -> bool:
    """Return whether a user may read a worker's records: the worker, or their street's admin."""
    if user.id == worker.user_id:
        return True
    return user.has_role(Role.STREET_ADMIN) and (
        user.street_id is not None and user.street_id == worker.community.street_id
    )


def require_role(user: User, role: Role) -> None:
    """Refuse a role page (403) to a user without the role."""
    if not user.has_role(role):
        abort(403)


def admin_street_id(user: User) -> int:
    """Return the street a street admin runs, refusing (403) anyone else."""
    if not user.has_role(Role.STREET_ADMIN) or user.street_id is None:
        abort(403)
    return user.street_id


def is_street_admin_of(user: User, street_id: int | None) -> bool:
    """Return whether the user is the street admin of a street."""
    return (
        street_id is not None and user.street_id == street_id and user.has_role(Role.STREET_ADMIN)
    )


def own_profile(user: User) -> WorkerProfile:
    """Return the user's worker profile for a worker page, refusing (403) users without one."""
    worker = user.worker
    if worker is None:
        abort(403)
    return worker
