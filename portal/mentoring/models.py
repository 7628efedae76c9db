"""传帮带 mentoring and the new worker's growth plan [domain §6]."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.subjects import audited
from portal.database import UTCDateTime, enum_type
from portal.enums import GrowthKind, MentoringTopic
from portal.extensions import Model
from portal.timeutil import utcnow


@audited(worker="mentee_id")
class MentorPairing(Model):
    """A mentor paired with a mentee for a period, with goals; ended pairings stay as history."""

    __tablename__ = "mentor_pairings"
    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        sa.Index("ix_mentor_pairings_mentor", "mentor_id", "ends_on"),
        sa.Index("ix_mentor_pairings_mentee", "mentee_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    mentee_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # None: current
    goals: Mapped[str] = mapped_column(sa.String(500), default="")
    end_reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@audited(worker="mentee_id")
class MentorSession(Model):
    """One 传帮带 session logged by the mentor and confirmed by the mentee."""

    __tablename__ = "mentor_sessions"
    __table_args__ = (
        sa.CheckConstraint("minutes > 0 AND minutes <= 600", name="minutes_range"),
        sa.Index("ix_mentor_sessions_pairing_held", "pairing_id", "held_on"),
        sa.Index("ix_mentor_sessions_mentee_held", "mentee_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(sa.ForeignKey("mentor_pairings.id"))
    mentor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    mentee_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    held_on: Mapped[date]
    minutes: Mapped[int]
    topic: Mapped[MentoringTopic] = mapped_column(enum_type(MentoringTopic))
    passed_on: Mapped[str] = mapped_column(sa.String(1000), default="")  # what was passed on
    next_step: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reflection: Mapped[str | None] = mapped_column(sa.String(500))  # the mentee's own words


@audited(worker="worker_id")
class GrowthItem(Model):
    """One of the "四个一" of a new worker's first three years, with date and evidence."""

    __tablename__ = "growth_items"
    __table_args__ = (sa.UniqueConstraint("worker_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    kind: Mapped[GrowthKind] = mapped_column(enum_type(GrowthKind))
    done_on: Mapped[date | None]
    evidence: Mapped[str] = mapped_column(sa.String(500), default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
