"""Certificates a worker holds [003 §3, §4(4); 002 §2(4)]."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.subjects import audited
from portal.database import UTCDateTime, enum_type
from portal.enums import CertificateKind
from portal.extensions import Model
from portal.timeutil import utcnow


@audited(worker="worker_id")
class Certificate(Model):
    """A certificate: kind, number, issue date, and expiry or registration date."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.UniqueConstraint("kind", "number"),
        sa.CheckConstraint(
            "expires_on IS NULL OR expires_on >= issued_on", name="expiry_after_issue"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"), index=True)
    kind: Mapped[CertificateKind] = mapped_column(enum_type(CertificateKind))
    number: Mapped[str] = mapped_column(sa.String(64))
    issued_on: Mapped[date]
    expires_on: Mapped[date | None]
    registered_on: Mapped[date | None]  # 登记 date, for certificates that need registration
    issuer: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
