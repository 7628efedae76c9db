"""Reads for users and worker profiles.

Statements are built once at import, with bind parameters: SQLAlchemy then reuses
their cache key and compiled SQL on every request instead of rebuilding them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, with_expression

from portal.auth.models import LoginSession
from portal.extensions import db
from portal.inbox.models import Notification
from portal.org.models import Community, Street
from portal.people.models import GradeChange, User, WorkerProfile

_WITH_ORG = (
    joinedload(WorkerProfile.community).joinedload(Community.street).joinedload(Street.district)
)

# The session user with roles, the unread count for the bell and, for workers, the profile
# and organisation above it, with the device record the session names (one row, by its
# primary key): a page then needs no further query to know who, where and from which device.
_UNREAD = (
    sa.select(sa.func.count())
    .where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .correlate(User)
    .scalar_subquery()
)

SESSION_USER = (
    sa.select(User, LoginSession)
    .join(LoginSession, LoginSession.user_id == User.id)
    .options(
        joinedload(User.role_rows),
        joinedload(User.worker).options(_WITH_ORG),
        with_expression(User.unread_notifications, _UNREAD),
    )
    .where(LoginSession.id == sa.bindparam("device_id"))
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


def user_and_device(device_id: int) -> tuple[User, LoginSession] | None:
    """Return a device record and its user (with what every page needs), or None."""
    row = db.session.execute(SESSION_USER, {"device_id": device_id}).unique().one_or_none()
    return None if row is None else (row[0], row[1])


def worker_with_org(user_id: int) -> WorkerProfile | None:
    """Return a worker profile with its community, street and district (one query)."""
    return db.session.scalar(WORKER_WITH_ORG, {"user_id": user_id})
