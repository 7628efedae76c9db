"""Trainings, who is expected at them, attendance and join requests [003 §6, 004 §8]."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.audit.subjects import audited
from portal.database import UTCDateTime, enum_type
from portal.enums import (
    AttendanceMethod,
    AudienceScope,
    OrganiserLevel,
    PostType,
    RequestStatus,
    TrainingKind,
)
from portal.extensions import Model
from portal.timeutil import utcnow


def new_checkin_secret() -> str:
    """Return a fresh random secret for a training's rotating QR codes."""
    return secrets.token_hex(32)


@audited(street="street_id")
class Training(Model):
    """A training session that credits 学时 to those who attend."""

    __tablename__ = "trainings"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("credited_hours >= 0", name="hours_nonnegative"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.Index("ix_trainings_street_starts", "street_id", "starts_at"),
        # Upcoming trainings (home, calendar, reminders) read only those not yet ended.
        sa.Index("ix_trainings_ends_at", "ends_at"),
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
    # Hours follow time present (check-in to check-out) instead of the fixed amount.
    credits_by_time: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Key of the stateless rotating QR codes; never leaves the server.
    checkin_secret: Mapped[str] = mapped_column(sa.String(64), default=new_checkin_secret)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    audience: Mapped[list[TrainingAudience]] = relationship(
        cascade="all, delete-orphan", back_populates="training"
    )
    staff: Mapped[list[TrainingStaff]] = relationship(cascade="all, delete-orphan")


class TrainingAudience(Model):
    """One rule of who is expected: a street, a community, a post type or a named worker."""

    __tablename__ = "training_audiences"
    __table_args__ = (
        sa.CheckConstraint(
            "(scope = 'street' AND street_id IS NOT NULL)"
            " OR (scope = 'community' AND community_id IS NOT NULL)"
            " OR (scope = 'post_type' AND post_type IS NOT NULL AND street_id IS NOT NULL)"
            " OR (scope = 'worker' AND worker_id IS NOT NULL)",
            name="scope_has_target",
        ),
        sa.Index("ix_training_audiences_training", "training_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("trainings.id", ondelete="CASCADE"))
    scope: Mapped[AudienceScope] = mapped_column(enum_type(AudienceScope))
    street_id: Mapped[int | None] = mapped_column(sa.ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"))
    post_type: Mapped[PostType | None] = mapped_column(enum_type(PostType))
    worker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))

    training: Mapped[Training] = relationship(back_populates="audience")


class TrainingStaff(Model):
    """A trainer assigned to run a training's check-in (besides its organiser)."""

    __tablename__ = "training_staff"

    training_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trainings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)


@audited(worker="worker_id")
class Attendance(Model):
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
    # When the phone scanned, if it differs from arrival at the server (offline queue).
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    credited_on: Mapped[date]  # Asia/Shanghai date the hours count for
    credited_hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    method: Mapped[AttendanceMethod] = mapped_column(enum_type(AttendanceMethod))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    left_early: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    reason: Mapped[str | None] = mapped_column(sa.String(200))  # required for manual marks

    training: Mapped[Training] = relationship()


@audited(worker="worker_id")
class JoinRequest(Model):
    """A worker not on a training's list asks to join; the trainer approves or rejects."""

    __tablename__ = "join_requests"
    __table_args__ = (sa.UniqueConstraint("training_id", "worker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("trainings.id", ondelete="CASCADE"))
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    status: Mapped[RequestStatus] = mapped_column(
        enum_type(RequestStatus), default=RequestStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
