"""The notification inbox (the record) and its delivery over channels.

Every reminder is first a row in the worker's inbox; push and WeCom are only ways
of delivering it. The reminder log's unique key makes each reminder exactly once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime
from portal.extensions import Model
from portal.timeutil import utcnow


class Notification(Model):
    """One message in a user's inbox."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))  # a reminder kind, or "test", "system"
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.String(500), default="")
    url: Mapped[str | None] = mapped_column(sa.String(300))  # where tapping it leads (a path)
    urgency: Mapped[str] = mapped_column(sa.String(10), default="normal")  # web push urgency
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="notification", cascade="all, delete-orphan"
    )


class Delivery(Model):
    """One notification to deliver over one channel (push, wecom…), with retries."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("notification_id", "channel"),
        sa.Index("ix_deliveries_due", "status", "not_before", "id"),  # the claim order
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(
        sa.String(12), default="pending"
    )  # pending/sending/sent/failed/skipped/unknown
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # quiet hours
    # While ``sending``: the claim runs out then and the row goes back to pending.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")


class ReminderLog(Model):
    """A reminder that was issued: (user, kind, subject, period) is issued once, ever."""

    __tablename__ = "reminder_log"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", "subject", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(60))  # e.g. "training:12", "certificate"
    period: Mapped[str] = mapped_column(sa.String(20))  # e.g. "2026-11", "d-90", "2026-11-21"
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PushSubscription(Model):
    """A browser's web-push subscription (endpoint + keys) for one user."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(200))
    auth: Mapped[str] = mapped_column(sa.String(100))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationSettings(Model):
    """A user's reminder switches, quiet hours and channel identities."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Reminder kinds switched OFF (absent = on): few and useful, each one the user's choice.
    disabled_kinds: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    quiet_start: Mapped[str] = mapped_column(sa.String(5), default="21:00")  # Asia/Shanghai
    quiet_end: Mapped[str] = mapped_column(sa.String(5), default="08:00")
    wecom_userid: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def wants(self, kind: str) -> bool:
        """Return whether the user wants reminders of a kind."""
        return kind not in (self.disabled_kinds or [])


def _table_of(model: type[Model]) -> sa.Table:
    """Return the Core table of a model (the declarative stub types it as any FromClause)."""
    table = model.__table__
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


# The Core tables, for the bulk statements of issuing and delivering (executemany, RETURNING).
NOTIFICATIONS = _table_of(Notification)
DELIVERIES = _table_of(Delivery)
REMINDER_LOG = _table_of(ReminderLog)
