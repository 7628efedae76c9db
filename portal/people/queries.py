"""Reads for users and worker profiles.

Statements are built once at import, with bind parameters: SQLAlchemy then reuses
their cache key and compiled SQL on every request instead of rebuilding them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload

from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import GradeChange, User, WorkerProfile

# A worker's community, street and district (the session-user query loads them too).
WITH_ORG = (
    joinedload(WorkerProfile.community).joinedload(Community.street).joinedload(Street.district)
)

WORKER_WITH_ORG = (
    sa.select(WorkerProfile)
    .options(WITH_ORG)
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
