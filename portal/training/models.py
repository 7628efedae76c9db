"""Trainings and attendance: enough to credit hours [003 §6, 004 §8]."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, enum_type
from portal.enums import AttendanceMethod, OrganiserLevel, TrainingKind
from portal.extensions import db
from portal.timeutil import utcnow


class Training(db.Model):
    """A training session that credits 学时 to those who attend."""

    __tablename__ = "trainings"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("credited_hours >= 0", name="hours_nonnegative"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.Index("ix_trainings_street_starts", "street_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[TrainingKind] = mapped_column(enum_type(TrainingKind))
    level: Mapped[OrganiserLevel] = mapped_column(enum_type(OrganiserLevel))
    street_id: Mapped[int | None] = mapped_column(sa.ForeignKey("streets.id"))
    organiser_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    credited_hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    capacity: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(db.Model):
    """One worker's attendance at one training; the database allows only one."""

    __tablename__ = "attendances"
    __table_args__ = (
        sa.UniqueConstraint("training_id", "worker_id"),
        sa.CheckConstraint("credited_hours >= 0", name="hours_nonnegative"),
        # The home page sums a worker's hours for one year: keep it an index range scan.
        sa.Index("ix_attendances_worker_credited", "worker_id", "credited_on", "credited_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("trainings.id"))
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    credited_on: Mapped[date]  # Asia/Shanghai date the hours count for
    credited_hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    method: Mapped[AttendanceMethod] = mapped_column(enum_type(AttendanceMethod))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.String(200))

    training: Mapped[Training] = relationship()
