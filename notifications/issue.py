"""Issuing: turn due reminders into inbox rows and deliveries, each exactly once.

For every reminder the reminder log row (unique user, kind, subject, period) is
inserted first, with ON CONFLICT DO NOTHING; only when that insert created a row are
the inbox notification and its deliveries created, in the same transaction. Re-runs,
restarts and two issuers racing each other therefore leave one notification per key:
the database decides, not the scheduler.

The inbox row exists at once. Deliveries over push or WeCom wait for the end of the
user's quiet hours (``not_before``). Kinds the user switched off are not issued at
all (and not logged, so switching a kind back on brings this period's reminder).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from notifications import timing
from notifications.channels import Channel
from notifications.reminders import Reminder
from portal.database import writing
from portal.extensions import db
from portal.inbox import texts
from portal.inbox.models import (
    DELIVERIES,
    REMINDER_LOG,
    Delivery,
    Notification,
    NotificationSettings,
    ReminderLog,
)
from portal.people.models import User

BATCH = 1000  # reminders per INSERT round trip

# The dialects with INSERT … ON CONFLICT (both tested); other databases take the slow path.
_INSERTS: dict[str, Callable[[sa.Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}
_KEY = ["user_id", "kind", "subject", "period"]

SETTINGS_OF = sa.select(NotificationSettings).where(
    NotificationSettings.user_id.in_(sa.bindparam("user_ids", expanding=True))
)


@dataclass(frozen=True)
class UserSettings:
    """The settings that issuing needs, with defaults for users who never changed any."""

    disabled_kinds: frozenset[str] = frozenset()
    quiet_start: str = timing.DEFAULT_QUIET_HOURS[0]
    quiet_end: str = timing.DEFAULT_QUIET_HOURS[1]
    wecom_userid: str | None = None

    def wants(self, kind: str) -> bool:
        """Return whether the user wants reminders of a kind."""
        return kind not in self.disabled_kinds


def default_quiet_hours() -> tuple[str, str]:
    """Return the configured default quiet hours (NOTIFY_QUIET_HOURS, "21:00-08:00")."""
    configured = current_app.config.get("NOTIFY_QUIET_HOURS")
    if not configured:
        return timing.DEFAULT_QUIET_HOURS
    if isinstance(configured, str):
        return timing.parse_quiet_hours(configured)
    return tuple(configured)


def settings_for(user_ids: Iterable[int]) -> dict[int, UserSettings]:
    """Return every user's settings (defaults for users without a settings row)."""
    user_ids = sorted(set(user_ids))
    start, end = default_quiet_hours()
    found = {user_id: UserSettings(quiet_start=start, quiet_end=end) for user_id in user_ids}
    for offset in range(0, len(user_ids), BATCH):
        chunk = user_ids[offset : offset + BATCH]
        for row in db.session.scalars(SETTINGS_OF, {"user_ids": chunk}):
            found[row.user_id] = UserSettings(
                disabled_kinds=frozenset(row.disabled_kinds or ()),
                quiet_start=row.quiet_start or start,
                quiet_end=row.quiet_end or end,
                wecom_userid=row.wecom_userid,
            )
    return found


@dataclass
class IssueReport:
    """What one issuing run did."""

    due: int = 0
    issued: int = 0  # new inbox rows
    already: int = 0  # keys issued before (re-run, restart, another process)
    switched_off: int = 0
    deliveries: dict[str, int] = field(default_factory=dict)
    notification_ids: list[int] = field(default_factory=list)


# Issuing reads settings and then writes; on SQLite a transaction that read first cannot
# always upgrade to a write under contention, so each one takes the write lock up front.
write_lock = writing


_LOG_INSERTS: dict[str, sa.Insert] = {}


def _log_insert(dialect: str) -> sa.Insert:
    """Return the cached INSERT … ON CONFLICT DO NOTHING RETURNING for the reminder log."""
    if dialect not in _LOG_INSERTS:
        table = REMINDER_LOG
        _LOG_INSERTS[dialect] = (
            _INSERTS[dialect](table)
            .on_conflict_do_nothing(index_elements=_KEY)
            .returning(table.c.id, *(table.c[name] for name in _KEY))
        )
    return _LOG_INSERTS[dialect]


def _insert_logs(rows: list[dict[str, Any]]) -> dict[tuple, int]:
    """Insert reminder log rows unless their key exists; return {key: log id} of new ones."""
    if not rows:
        return {}
    dialect = db.session.get_bind().dialect.name
    if dialect in _INSERTS:
        # Executemany with RETURNING: SQLAlchemy batches the rows into multi-row INSERTs.
        # Rows that hit the unique key return nothing, so results are matched by key.
        result = db.session.execute(_log_insert(dialect), rows)
        return {tuple(row[1:]): row[0] for row in result}
    created = {}  # other databases: one savepoint per row, IntegrityError means "exists"
    for row in rows:
        log = ReminderLog(**row)
        try:
            with db.session.begin_nested():
                db.session.add(log)
        except sa.exc.IntegrityError:
            continue
        created[tuple(row[name] for name in _KEY)] = log.id
    return created


def issue(
    reminders: Iterable[Reminder],
    *,
    now: datetime,
    channels: Mapping[str, Channel] | None = None,
) -> IssueReport:
    """Issue reminders exactly once: log, inbox row, deliveries. The caller commits."""
    report = IssueReport()
    unique: dict[tuple, Reminder] = {}
    for reminder in reminders:
        report.due += 1
        unique.setdefault(reminder.key, reminder)
    if not unique:
        return report
    settings = settings_for(key[0] for key in unique)
    wanted = []
    for key in sorted(unique):  # one order for every issuer: no lock-order deadlocks
        reminder = unique[key]
        if settings[reminder.user_id].wants(reminder.kind):
            wanted.append(reminder)
        else:
            report.switched_off += 1
    for offset in range(0, len(wanted), BATCH):
        _issue_batch(wanted[offset : offset + BATCH], now, settings, channels or {}, report)
    return report


def _issue_batch(
    batch: Sequence[Reminder],
    now: datetime,
    settings: Mapping[int, UserSettings],
    channels: Mapping[str, Channel],
    report: IssueReport,
) -> None:
    logs = _insert_logs(
        [
            {
                "user_id": r.user_id,
                "kind": r.kind,
                "subject": r.subject,
                "period": r.period,
                "created_at": now,
            }
            for r in batch
        ]
    )
    fresh = [r for r in batch if r.key in logs]
    report.already += len(batch) - len(fresh)
    if not fresh:
        return
    ids = create_notifications(
        [
            {
                "user_id": r.user_id,
                "kind": r.kind,
                "title": r.title[:120],
                "body": r.body[:500],
                "url": r.url,
                "urgency": r.urgency,
            }
            for r in fresh
        ],
        now=now,
        settings=settings,
        channels=channels,
        report=report,
    )
    log_ids = [logs[r.key] for r in fresh]
    if db.session.get_bind().dialect.name == "postgresql":
        # One statement for the batch (up to BATCH rows), not one UPDATE per row.
        db.session.execute(LINK_MANY, {"log_ids": log_ids, "notification_ids": ids})
        return
    db.session.execute(
        LINK,
        [
            {"log_id": log_id, "notification_id": nid}
            for log_id, nid in zip(log_ids, ids, strict=True)
        ],
    )


LINK = (  # portable: one UPDATE per row, sent as an executemany
    sa.update(REMINDER_LOG)
    .where(REMINDER_LOG.c.id == sa.bindparam("log_id"))
    .values(notification_id=sa.bindparam("notification_id"))
)
LINK_MANY = sa.text(
    """
    UPDATE reminder_log AS log SET notification_id = v.notification_id
    FROM unnest(CAST(:log_ids AS integer[]), CAST(:notification_ids AS integer[]))
        AS v(id, notification_id)
    WHERE log.id = v.id
    """
)


def create_notifications(
    rows: Sequence[dict[str, Any]],
    *,
    now: datetime,
    settings: Mapping[int, UserSettings],
    channels: Mapping[str, Channel],
    report: IssueReport | None = None,
    respect_quiet_hours: bool = True,
) -> list[int]:
    """Insert inbox rows and a delivery per channel that reaches each user; return the ids."""
    report = report if report is not None else IssueReport()
    inserted = db.session.execute(
        sa.insert(Notification).returning(Notification.id, sort_by_parameter_order=True),
        [{**row, "created_at": now} for row in rows],
    )
    ids = [row[0] for row in inserted]
    report.issued += len(ids)
    report.notification_ids.extend(ids)
    user_ids = {row["user_id"] for row in rows}
    reachable = {name: channel.reachable(user_ids, settings) for name, channel in channels.items()}
    deliveries = []
    for row, notification_id in zip(rows, ids, strict=True):
        user = settings[row["user_id"]]
        not_before = (
            timing.quiet_until(now, user.quiet_start, user.quiet_end)
            if respect_quiet_hours
            else now
        )
        for name in channels:
            if row["user_id"] in reachable[name]:
                deliveries.append(
                    {
                        "notification_id": notification_id,
                        "channel": name,
                        "status": "pending",
                        "not_before": not_before,
                        "attempts": 0,
                    }
                )
                report.deliveries[name] = report.deliveries.get(name, 0) + 1
    if deliveries:
        db.session.execute(sa.insert(DELIVERIES), deliveries)
    return ids


def notify(
    user_id: int,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str | None = None,
    urgency: str = "normal",
    now: datetime,
    channels: Mapping[str, Channel] | None = None,
    respect_quiet_hours: bool = True,
) -> int:
    """Put one message (not a periodic reminder) in a user's inbox; return its id.

    Other modules use this for events ("your join request was approved"); the
    caller commits. Kinds the user switched off still reach the inbox only.
    """
    settings = settings_for([user_id])
    wanted = settings[user_id].wants(kind)
    return create_notifications(
        [
            {
                "user_id": user_id,
                "kind": kind,
                "title": title[:120],
                "body": body[:500],
                "url": url,
                "urgency": urgency,
            }
        ],
        now=now,
        settings=settings,
        channels=(channels or {}) if wanted else {},
        respect_quiet_hours=respect_quiet_hours,
    )[0]


def send_test(
    *, actor: User, now: datetime, channels: Mapping[str, Channel]
) -> tuple[int, list[int]]:
    """Put a test message in the actor's inbox; return its id and its deliveries' ids.

    The caller commits, then delivers those ids at once (``deliver_due(only_ids=…)``).
    """
    title, body = texts.test_message()
    notification_id = notify(
        actor.id,
        kind="test",
        title=title,
        body=body,
        urgency="high",
        now=now,
        channels=channels,
        respect_quiet_hours=False,  # asked for now, so sent now
    )
    delivery_ids = db.session.scalars(
        sa.select(Delivery.id).where(Delivery.notification_id == notification_id)
    ).all()
    return notification_id, list(delivery_ids)
