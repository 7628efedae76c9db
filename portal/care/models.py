"""Care and benefits (关心关爱): entitlements per year and what was used or received."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.subjects import audited
from portal.database import UTCDateTime, enum_type
from portal.enums import CareKind, CareStatus
from portal.extensions import Model
from portal.timeutil import utcnow


@audited(worker="worker_id")
class CareEntitlement(Model):
    """What a worker is entitled to in a year (e.g. 10 days of annual leave)."""

    __tablename__ = "care_entitlements"
    __table_args__ = (
        sa.UniqueConstraint("worker_id", "year", "kind"),
        sa.CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    year: Mapped[int]
    kind: Mapped[CareKind] = mapped_column(enum_type(CareKind))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(8, 1))


@audited(worker="worker_id")
class CareRecord(Model):
    """One benefit used, received or applied for (leave taken, health check, visit, fund…)."""

    __tablename__ = "care_records"
    __table_args__ = (
        sa.CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_nonnegative"),
        sa.Index("ix_care_records_worker_year", "worker_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    kind: Mapped[CareKind] = mapped_column(enum_type(CareKind))
    year: Mapped[int]
    occurred_on: Mapped[date]
    quantity: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 1))  # days or yuan, by kind
    status: Mapped[CareStatus] = mapped_column(enum_type(CareStatus), default=CareStatus.DONE)
    note: Mapped[str | None] = mapped_column(sa.String(300))
    # Care-fund applications from the worker's phone: proof, and the admin's decision.
    upload_id: Mapped[int | None] = mapped_column(sa.ForeignKey("uploads.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
