"""Reads for trainings and credited hours."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.training.models import Attendance, Training


def credited_hours(worker_id: int, first_day: date, last_day: date) -> Decimal:
    """Return the hours credited to a worker between two dates, inclusive (one query)."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Attendance.credited_hours), 0)).where(
            Attendance.worker_id == worker_id,
            Attendance.credited_on.between(first_day, last_day),
        )
    )
    return Decimal(total).quantize(Decimal("0.1"))


def attended(worker_id: int, first_day: date, last_day: date) -> sa.Select:
    """Select (attendance, training) rows for a worker between two dates, newest first."""
    return (
        sa.select(Attendance, Training)
        .join(Training, Training.id == Attendance.training_id)
        .where(
            Attendance.worker_id == worker_id,
            Attendance.credited_on.between(first_day, last_day),
        )
        .order_by(Attendance.credited_on.desc(), Attendance.id.desc())
    )


def upcoming_for_street(street_id: int, now: datetime, *, limit: int) -> sa.Select:
    """Select the next trainings open to a street (its own and county-wide ones)."""
    return (
        sa.select(Training)
        .where(
            Training.starts_at >= now,
            sa.or_(Training.street_id == street_id, Training.street_id.is_(None)),
        )
        .order_by(Training.starts_at)
        .limit(limit)
    )
