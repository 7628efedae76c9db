"""Reads for the inbox (statements built once, with bind parameters)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.inbox.models import Notification, NotificationSettings, PushSubscription

PAGE_SIZE = 30

# The (user_id, read_at, created_at) index answers this without touching the table.
UNREAD_COUNT = sa.select(sa.func.count()).where(
    Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None)
)

PAGE = (
    sa.select(Notification)
    .where(Notification.user_id == sa.bindparam("user_id"))
    .order_by(Notification.id.desc())
    .limit(PAGE_SIZE + 1)  # one more tells whether an older page exists
)
PAGE_BEFORE = PAGE.where(Notification.id < sa.bindparam("before"))

OWN_NOTIFICATION = sa.select(Notification).where(
    Notification.id == sa.bindparam("notification_id"),
    Notification.user_id == sa.bindparam("user_id"),
)

SUBSCRIPTION_COUNT = sa.select(sa.func.count()).where(
    PushSubscription.user_id == sa.bindparam("user_id")
)


def unread_count(user_id: int) -> int:
    """Return how many of a user's notifications are unread (one indexed query)."""
    return db.session.execute(UNREAD_COUNT, {"user_id": user_id}).scalar_one()


def page(user_id: int, before: int | None = None) -> tuple[list[Notification], bool]:
    """Return a page of a user's notifications, newest first, and whether more are older."""
    if before is None:
        rows = db.session.scalars(PAGE, {"user_id": user_id}).all()
    else:
        rows = db.session.scalars(PAGE_BEFORE, {"user_id": user_id, "before": before}).all()
    return list(rows[:PAGE_SIZE]), len(rows) > PAGE_SIZE


def own_notification(user_id: int, notification_id: int) -> Notification | None:
    """Return a notification if it belongs to the user (else None: not theirs or absent)."""
    params = {"user_id": user_id, "notification_id": notification_id}
    return db.session.scalar(OWN_NOTIFICATION, params)


def settings_of(user_id: int) -> NotificationSettings | None:
    """Return a user's notification settings row, if they ever saved one."""
    return db.session.get(NotificationSettings, user_id)


def subscription_count(user_id: int) -> int:
    """Return how many browsers the user subscribed to push."""
    return db.session.execute(SUBSCRIPTION_COUNT, {"user_id": user_id}).scalar_one()
