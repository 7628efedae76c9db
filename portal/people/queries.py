"""Reads for users and worker profiles.

Statements are built once at import, with bind parameters: SQLAlchemy then reuses
their cache key and compiled SQL on every request instead of rebuilding them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import GradeChange, WorkerProfile

# A worker's community, street and district (the session-user query loads them too).
WITH_ORG = (
    joinedload(WorkerProfile.community).joinedload(Community.street).joinedload(Street.district)
)

WORKER_WITH_ORG = (
    sa.select(WorkerProfile)
    .options(WITH_ORG)
    .where(WorkerProfile.user_id == sa.bindparam("user_id"))
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
