"""Training a worker did elsewhere, submitted for credit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.audit.subjects import audited
from portal.database import UTCDateTime, enum_type
from portal.enums import RequestStatus, TrainingKind
from portal.extensions import Model
from portal.timeutil import utcnow
from portal.uploads.models import Upload


@audited(worker="worker_id")
class OutsideTraining(Model):
    """Training done elsewhere (online course, provincial training) submitted for credit."""

    __tablename__ = "outside_trainings"
    __table_args__ = (
        sa.CheckConstraint("hours > 0 AND hours <= 200", name="hours_range"),
        sa.Index("ix_outside_trainings_worker_completed", "worker_id", "status", "completed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[TrainingKind] = mapped_column(enum_type(TrainingKind))
    organiser: Mapped[str] = mapped_column(sa.String(200), default="")
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    completed_on: Mapped[date]
    proof_id: Mapped[int | None] = mapped_column(sa.ForeignKey("uploads.id"))
    status: Mapped[RequestStatus] = mapped_column(
        enum_type(RequestStatus), default=RequestStatus.PENDING
    )
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_reason: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proof: Mapped[Upload | None] = relationship()
