"""谈心日 one-on-one talks, their follow-ups, and who holds them where [domain §6]."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.audit.subjects import audited
from portal.database import UTCDateTime, enum_type
from portal.enums import ConcernArea, FollowUpStatus
from portal.extensions import Model
from portal.timeutil import utcnow


class TalkResponsibility(Model):
    """A talk leader is responsible for the workers of a community (谈心日)."""

    __tablename__ = "talk_responsibilities"

    leader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"), primary_key=True)


@audited(worker="worker_id")
class Talk(Model):
    """A one-on-one 谈心日 talk; private to its leader, the worker and the street admin."""

    __tablename__ = "talks"
    __table_args__ = (sa.Index("ix_talks_worker_held", "worker_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    held_on: Mapped[date]
    concerns: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # ConcernArea values
    notes: Mapped[str] = mapped_column(sa.String(2000), default="")  # what was said
    help_promised: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    follow_ups: Mapped[list[TalkFollowUp]] = relationship(
        back_populates="talk", cascade="all, delete-orphan", order_by="TalkFollowUp.id"
    )

    @property
    def concern_areas(self) -> list[ConcernArea]:
        """Return the concerns as vocabulary values."""
        return [ConcernArea(c) for c in self.concerns or []]


@audited(worker="worker_id")
class TalkFollowUp(Model):
    """A follow-up promised in a talk: owner, due date and status; open ones carry over."""

    __tablename__ = "talk_follow_ups"
    __table_args__ = (sa.Index("ix_talk_follow_ups_worker_status", "worker_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(sa.ForeignKey("talks.id", ondelete="CASCADE"))
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    item: Mapped[str] = mapped_column(sa.String(300))
    owner: Mapped[str] = mapped_column(sa.String(64))  # who does it (a name or a role)
    due_on: Mapped[date]
    status: Mapped[FollowUpStatus] = mapped_column(
        enum_type(FollowUpStatus), default=FollowUpStatus.OPEN
    )
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    talk: Mapped[Talk] = relationship(back_populates="follow_ups")
