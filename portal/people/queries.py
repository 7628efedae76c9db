"""Reads for users and worker profiles.

Statements are built once at import, with bind parameters: SQLAlchemy then reuses
their cache key and compiled SQL on every request instead of rebuilding them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, with_expression

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

# A worker with the user (name) and organisation a page shows; roles are not needed.
WORKER_WITH_USER = (
    sa.select(WorkerProfile)
    .options(
        joinedload(WorkerProfile.user).options(lazyload(User.role_rows)),
        joinedload(WorkerProfile.community).joinedload(Community.street),
    )
    .where(WorkerProfile.user_id == sa.bindparam("worker_id"))
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


def worker_with_user(worker_id: int, *, session_user: User | None = None) -> WorkerProfile | None:
    """Return a worker with name, community and street (one query; none for the session user's).

    The session user's own profile is loaded with them (``SESSION_USER``), so passing them
    as ``session_user`` costs no query when they look at their own records.
    """
    if (
        session_user is not None
        and session_user.id == worker_id
        and session_user.worker is not None
    ):
        return session_user.worker
    return db.session.scalar(WORKER_WITH_USER, {"worker_id": worker_id})
