"""Reads for users and worker profiles."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import GradeChange, User, WorkerProfile


def user_for_session(session_id: str) -> User | None:
    """Return the user behind a session id '<id>.<version>', or None if it is stale."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = (
        db.session.execute(
            sa.select(User).options(joinedload(User.role_rows)).where(User.id == int(user_id))
        )
        .unique()
        .scalar_one_or_none()
    )
    if user is None or user.session_version != int(version):
        return None
    return user


def worker_with_org(user_id: int) -> sa.Select:
    """Select a worker profile with its community, street and district in one query."""
    return (
        sa.select(WorkerProfile)
        .options(
            joinedload(WorkerProfile.community)
            .joinedload(Community.street)
            .joinedload(Street.district),
        )
        .where(WorkerProfile.user_id == user_id)
    )


def grade_history(worker_id: int, *, limit: int | None = None) -> sa.Select:
    """Select a worker's grade changes, newest first."""
    query = (
        sa.select(GradeChange)
        .where(GradeChange.worker_id == worker_id)
        .order_by(GradeChange.changed_on.desc(), GradeChange.id.desc())
    )
    return query.limit(limit) if limit else query
