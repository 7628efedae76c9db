"""The absence scene: a Jiangsu street with its admin and workers, and helpers."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db as _db
from portal.models import AbsenceDay, AuditEntry
from tests.admin.roster_support import build_team
from tests.helpers import csrf_token

MON = date(2025, 3, 3)  # a Monday in the past


@pytest.fixture
def team(db):
    """A Jiangsu street with three workers, a sister street and another district."""
    return build_team(workers=3)


def absence_days(worker=None) -> list[tuple[int, date]]:
    """Return every recorded (worker id, day), in order."""
    _db.session.expire_all()
    statement = sa.select(AbsenceDay.worker_id, AbsenceDay.day).order_by(
        AbsenceDay.worker_id, AbsenceDay.day
    )
    if worker is not None:
        statement = statement.where(AbsenceDay.worker_id == worker.user_id)
    return [tuple(row) for row in _db.session.execute(statement)]


def audit(action: str) -> list[AuditEntry]:
    """Return the audit entries of an action."""
    return list(_db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def add_days(worker, days) -> list[AbsenceDay]:
    """Store recorded days directly (the scene, not the behaviour under test)."""
    records = [AbsenceDay(worker_id=worker.user_id, day=day) for day in days]
    _db.session.add_all(records)
    _db.session.flush()
    return records


def record(client, worker_id, first, last="", note=""):
    """Post the absence form of the street page."""
    return client.post(
        "/street/absence",
        data={
            "csrf_token": csrf_token(client, "/street/absence"),
            "worker": str(worker_id),
            "first_day": str(first),
            "last_day": str(last),
            "note": note,
        },
    )
