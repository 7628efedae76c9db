"""Inbox writes: mark read, settings, push subscriptions.

Each takes the acting user (``actor=``); here it is always the user themself, since
nobody else reads or changes someone's inbox. They flush, never commit: the caller
commits. Putting a message in an inbox is issuing (``notifications.issue``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.inbox.models import Notification, NotificationSettings, PushSubscription
from portal.people.models import User

# The dialects with INSERT … ON CONFLICT (both tested); other databases take the slow path.
_INSERTS: dict[str, Callable[[type[PushSubscription]], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def mark_read(notification: Notification, *, actor: User, now: datetime) -> bool:
    """Mark one of the actor's notifications read; return whether it was unread."""
    if notification.user_id != actor.id:
        raise PermissionError("not the actor's notification")
    if notification.read_at is not None:
        return False
    notification.read_at = now
    db.session.flush()
    return True


def mark_all_read(*, actor: User, now: datetime) -> int:
    """Mark every unread notification of the actor read; return how many."""
    return _changed(
        sa.update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )


def save_settings(
    *,
    actor: User,
    shown_kinds: Iterable[str],
    enabled_kinds: Iterable[str],
    quiet_start: str,
    quiet_end: str,
    wecom_userid: str | None = None,
    change_wecom: bool = False,
) -> NotificationSettings:
    """Save the actor's switches and quiet hours; kinds not on the form keep their state."""
    settings = db.session.get(NotificationSettings, actor.id)
    if settings is None:
        settings = NotificationSettings(user_id=actor.id, disabled_kinds=[])
        db.session.add(settings)
    shown, enabled = set(shown_kinds), set(enabled_kinds)
    kept = set(settings.disabled_kinds or ()) - shown
    settings.disabled_kinds = sorted(kept | (shown - enabled))
    settings.quiet_start = quiet_start
    settings.quiet_end = quiet_end
    if change_wecom:
        settings.wecom_userid = (wecom_userid or "").strip() or None
    db.session.flush()
    return settings


def save_subscription(
    *, endpoint: str, p256dh: str, auth: str, actor: User, user_agent: str | None
) -> PushSubscription:
    """Store a browser's checked push subscription for the actor (the endpoint moves to them).

    The caller checks it first (``notifications.subscriptions.parse_subscription``).
    """
    values = {
        "user_id": actor.id,
        "endpoint": endpoint,
        "p256dh": p256dh,
        "auth": auth,
        "user_agent": (user_agent or "")[:300] or None,
    }
    insert = _INSERTS.get(db.session.get_bind().dialect.name)
    if insert is not None:
        statement = insert(PushSubscription).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["endpoint"],
            set_={k: statement.excluded[k] for k in ("user_id", "p256dh", "auth", "user_agent")},
        )
        db.session.execute(statement)
    else:  # pragma: no cover - SQLite and PostgreSQL are the supported databases
        found = db.session.scalar(
            sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint)
        )
        if found is None:
            db.session.add(PushSubscription(**values))
        else:
            for key, value in values.items():
                setattr(found, key, value)
    db.session.flush()
    return db.session.scalars(
        sa.select(PushSubscription)
        .where(PushSubscription.endpoint == endpoint)
        .execution_options(populate_existing=True)
    ).one()


def remove_subscription(endpoint: str, *, actor: User) -> int:
    """Forget the actor's subscription with this endpoint; return how many were removed."""
    return _changed(
        sa.delete(PushSubscription).where(
            PushSubscription.user_id == actor.id, PushSubscription.endpoint == endpoint
        )
    )


def _changed(statement: sa.Update | sa.Delete) -> int:
    """Run an UPDATE or DELETE; return how many rows it changed."""
    # Its result is a CursorResult; Session.execute is typed for any statement.
    return cast("sa.CursorResult[Any]", db.session.execute(statement)).rowcount
