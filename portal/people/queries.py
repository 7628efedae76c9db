"""Reads for users and worker profiles.

Statements are built once at import, with bind parameters: SQLAlchemy then reuses
their cache key and compiled SQL on every request instead of rebuilding them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, with_expression

from portal.extensions import db
from portal.inbox.models import Notification
from portal.org.models import Community, Street
from portal.people.models import GradeChange, User, WorkerProfile

_WITH_ORG = (
    joinedload(WorkerProfile.community).joinedload(Community.street).joinedload(Street.district)
)

# The session user with roles, the unread count for the bell and, for workers, the profile
# and organisation above it: a page then needs no further query to know who and where.
_UNREAD = (
    sa.select(sa.func.count())
    .where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .correlate(User)
    .scalar_subquery()
)

SESSION_USER = (
    sa.select(User)
    .options(
        joinedload(User.role_rows),
        joinedload(User.worker).options(_WITH_ORG),
        with_expression(User.unread_notifications, _UNREAD),
    )
    .where(User.id == sa.bindparam("user_id"))
)

WORKER_WITH_ORG = (
    sa.select(WorkerProfile)
    .options(_WITH_ORG)
    .where(WorkerProfile.user_id == sa.bindparam("user_id"))
)

_GRADE_HISTORY = (
    sa.select(GradeChange)
    .where(GradeChange.worker_id == sa.bindparam("worker_id"))
    .order_by(GradeChange.changed_on.desc(), GradeChange.id.desc())
)
GRADE_HISTORY = _GRADE_HISTORY
RECENT_GRADE_CHANGES = _GRADE_HISTORY.limit(3)


def user_for_session(session_id: str) -> User | None:
    """Return the user behind a session id '<id>.<version>', or None if it is stale."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.execute(SESSION_USER, {"user_id": int(user_id)}).unique().scalar_one_or_none()
    if user is None or user.session_version != int(version):
        return None
    return user


def worker_with_org(user_id: int) -> WorkerProfile | None:
    """Return a worker profile with its community, street and district (one query)."""
    return db.session.scalar(WORKER_WITH_ORG, {"user_id": user_id})
