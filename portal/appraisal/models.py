"""Annual appraisals (年度考核): one per worker per year [003 §9]."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.subjects import audited
from portal.database import UTCDateTime, enum_type
from portal.enums import AppraisalResult
from portal.extensions import Model
from portal.timeutil import utcnow


@audited(worker="worker_id")
class Appraisal(Model):
    """A worker's appraisal result for one year; the database enforces one per year."""

    __tablename__ = "appraisals"
    __table_args__ = (
        sa.UniqueConstraint("worker_id", "year"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_sane"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_0_100"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    year: Mapped[int]
    result: Mapped[AppraisalResult] = mapped_column(enum_type(AppraisalResult))
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 1))
    comment: Mapped[str | None] = mapped_column(sa.String(500))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # hidden from worker until
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
