"""Unexcused absence (旷工): one row per working day a worker was absent without leave."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.subjects import audited
from portal.database import UTCDateTime
from portal.extensions import Model
from portal.timeutil import utcnow


@audited(worker="worker_id")
class AbsenceDay(Model):
    """A working day (Monday to Friday) of unexcused absence, recorded by the street.

    One row per day, so a day is recorded once (unique), a wrong day is deleted on its
    own, and the exit rule counts runs and yearly totals over plain dates [003 §11(5)].
    """

    __tablename__ = "absence_days"
    __table_args__ = (sa.UniqueConstraint("worker_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    day: Mapped[date]
    note: Mapped[str | None] = mapped_column(sa.String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
