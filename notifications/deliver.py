"""Delivering: send the deliveries that are due, and record what happened.

A run claims a small batch (``BATCH``) of due deliveries — ``pending`` with
``not_before`` passed, or ``sending`` whose lease ran out — by switching them to
``sending`` with ``lease_until`` set (their ids chosen first, ``FOR UPDATE SKIP LOCKED``
on PostgreSQL), and commits. It sends
them with no transaction open (network time never holds a database lock) and records
results as soon as they are known (those finished together in one short transaction),
which also renews the lease of the batch's rows still waiting once a quarter of it has
gone. Two runs at once cannot
claim the same row.

If the sender dies (SIGKILL, power cut), its unsent rows stay ``sending`` until their
lease runs out (``NOTIFY_LEASE_SECONDS``); then the next run claims them again and
sends them: nothing is lost and nothing is marked failed without an attempt. Only the
deliveries sent but not yet recorded at the moment of the crash — those in flight (one
per sending thread: ``PUSH_WORKERS`` for push, one for WeCom) and those whose result was
being committed while the pool sent on — can arrive twice.
A stop request (``stop()`` true, SIGTERM in the scheduler) lets the sends in flight
finish and be recorded, and puts the rest of the batch back to ``pending`` at once.

Temporary failures (the request never left: refused, DNS, connect timeout; 429/5xx) go
back to ``pending`` with ``not_before`` moved by exponential backoff (or by the
service's Retry-After, bounded) and ``attempts`` counted; after ``NOTIFY_MAX_ATTEMPTS``
the delivery is failed. A request that went out and got no answer (read timeout) may
have arrived: it is recorded ``unknown`` and not sent again.

Deliver runs commit: they are jobs (scheduler, CLI, the settings page's test button),
not operations inside someone else's transaction.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from notifications.channels import Channel, Outcome, Outgoing, Result
from notifications.issue import write_lock
from portal.extensions import db
from portal.inbox.models import DELIVERIES, NOTIFICATIONS, Notification
from portal.observability import metrics

BATCH = 64  # claimed at once (4 per sending thread): what a crash leaves to its lease
DEFAULT_LEASE = 300  # seconds a claim holds without news from its sender
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_BASE = 60  # seconds before the first retry; doubles each time
DEFAULT_RETRY_MAX = 3600  # no wait longer than this, whatever Retry-After says
MAX_AGE = timedelta(days=3)  # a reminder not delivered within three days is not sent

SENDING = "sending"
_table = DELIVERIES


@dataclass
class DeliverReport:
    """What one delivery run did, per outcome and channel."""

    outcomes: Counter = field(default_factory=Counter)
    by_channel: Counter = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        """Return the deliveries sent."""
        return self.outcomes[Outcome.SENT.value]

    @property
    def total(self) -> int:
        """Return the deliveries handled."""
        return sum(self.outcomes.values())

    def add(self, channel: str, outcome: str) -> None:
        """Count one result."""
        self.outcomes[outcome] += 1
        self.by_channel[(channel, outcome)] += 1


def retry_delay(attempts: int, retry_after: float | None, *, base: float, cap: float) -> float:
    """Return seconds to wait before attempt ``attempts + 1``.

    The service's Retry-After wins when given (at least a second, at most ``cap``);
    otherwise ``base`` doubles with each attempt, up to ``cap``.
    """
    if retry_after is not None:
        return min(max(retry_after, 1.0), cap)
    return min(base * 2 ** max(attempts - 1, 0), cap)


def claimable(now: datetime) -> sa.ColumnElement[bool]:
    """Return the condition for a row a run may claim: pending, or its lease ran out.

    A ``sending`` row without a lease (left by a version before leases) counts as expired.
    """
    expired = sa.or_(_table.c.lease_until.is_(None), _table.c.lease_until < now)
    return sa.or_(_table.c.status == "pending", sa.and_(_table.c.status == SENDING, expired))


def _claim(
    now: datetime,
    channels: Collection[str],
    limit: int,
    only_ids: Collection[int] | None,
    lease_until: datetime,
) -> list[int]:
    expired = sa.or_(_table.c.lease_until.is_(None), _table.c.lease_until < now)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    # One select per status (pending; sending with its lease run out), each read in the
    # order of ix_deliveries_due (status, not_before, id) and stopped after ``limit``
    # rows: an OR of the two made PostgreSQL sort every due row for each batch.
    candidates: list[tuple[datetime, int]] = []
    for condition in (_table.c.status == "pending", sa.and_(_table.c.status == SENDING, expired)):
        due = (
            sa.select(_table.c.not_before, _table.c.id)
            .where(condition, _table.c.not_before <= now, _table.c.channel.in_(sorted(channels)))
            .order_by(_table.c.not_before, _table.c.id)
            .limit(limit)
        )
        if only_ids is not None:
            due = due.where(_table.c.id.in_(sorted(only_ids)))
        if postgres:
            due = due.with_for_update(skip_locked=True)
        candidates.extend((row.not_before, row.id) for row in db.session.execute(due))
    # Two statements: PostgreSQL may rescan an ``IN (… LIMIT … SKIP LOCKED)`` subquery
    # and update more rows than the limit. The rows stay locked until the commit (on
    # SQLite, the caller holds the write lock); the few locked and not taken here are
    # free again at that commit.
    ids = sorted(row_id for _not_before, row_id in sorted(candidates)[:limit])
    if not ids:
        return []
    statement = (
        sa.update(_table)
        .where(_table.c.id.in_(ids), claimable(now))
        .values(status=SENDING, lease_until=lease_until)
        .returning(_table.c.id)
    )
    return sorted(db.session.scalars(statement))


def _renew(ids: Collection[int], lease_until: datetime) -> None:
    """Extend the lease of claimed rows still waiting for their send."""
    if ids:
        db.session.execute(
            sa.update(_table)
            .where(_table.c.id.in_(sorted(ids)), _table.c.status == SENDING)
            .values(lease_until=lease_until)
        )


def _release(ids: Collection[int]) -> None:
    """Put claimed rows that were never attempted back to pending, unchanged otherwise."""
    if ids:
        db.session.execute(
            sa.update(_table)
            .where(_table.c.id.in_(sorted(ids)), _table.c.status == SENDING)
            .values(status="pending", lease_until=None)
        )


_n = NOTIFICATIONS
LOAD = (
    sa.select(
        _table.c.id,
        _table.c.channel,
        _table.c.attempts,
        _n.c.id.label("notification_id"),
        _n.c.user_id,
        _n.c.kind,
        _n.c.title,
        _n.c.body,
        _n.c.url,
        _n.c.urgency,
    )
    .join(_n, _n.c.id == _table.c.notification_id)
    .where(_table.c.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(_table.c.id)
)

RECORD = (
    sa.update(_table)
    .where(_table.c.id == sa.bindparam("delivery_id"))
    .values(
        status=sa.bindparam("new_status"),
        attempts=sa.bindparam("new_attempts"),
        not_before=sa.bindparam("new_not_before"),
        last_error=sa.bindparam("new_error"),
        sent_at=sa.bindparam("new_sent_at"),
        lease_until=None,
    )
)


def _load(ids: list[int], channels: Mapping[str, Channel]) -> dict[str, list[Outgoing]]:
    """Snapshot the claimed deliveries with their notification and the users' addresses."""
    rows = db.session.execute(LOAD, {"ids": ids}).all()
    users: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        users[row.channel].add(row.user_id)
    addresses = {name: channels[name].addresses(users[name]) for name in users}
    grouped: dict[str, list[Outgoing]] = defaultdict(list)
    for row in rows:
        grouped[row.channel].append(
            Outgoing(
                delivery_id=row.id,
                channel=row.channel,
                attempts=row.attempts,
                notification_id=row.notification_id,
                user_id=row.user_id,
                kind=row.kind,
                title=row.title,
                body=row.body,
                url=row.url,
                urgency=row.urgency,
                addresses=addresses[row.channel].get(row.user_id, ()),
            )
        )
    return grouped


def _record(
    outgoing: Sequence[Outgoing],
    results: Sequence[Result],
    now: datetime,
    report: DeliverReport,
) -> None:
    config = current_app.config
    max_attempts = int(config.get("NOTIFY_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    base = float(config.get("NOTIFY_RETRY_BASE", DEFAULT_RETRY_BASE))
    cap = float(config.get("NOTIFY_RETRY_MAX", DEFAULT_RETRY_MAX))
    rows = []
    for item, result in zip(outgoing, results, strict=True):
        attempts = item.attempts + 1
        status, not_before, sent_at = result.outcome.value, now, None
        error = result.error
        if result.outcome is Outcome.SENT:
            sent_at, error = now, None
        elif result.outcome is Outcome.RETRY:
            if attempts >= max_attempts:
                status = Outcome.FAILED.value
                error = f"gave up after {attempts} attempts: {result.error}"
            else:
                status = "pending"
                delay = retry_delay(attempts, result.retry_after, base=base, cap=cap)
                not_before = now + timedelta(seconds=delay)
        recorded = Outcome.RETRY.value if status == "pending" else status
        report.add(item.channel, recorded)
        metrics.count_deliveries(item.channel, [recorded])
        rows.append(
            {
                "delivery_id": item.delivery_id,
                "new_status": status,
                "new_attempts": attempts,
                "new_not_before": not_before,
                "new_error": error[:300] if error else None,
                "new_sent_at": sent_at,
            }
        )
    if rows:
        db.session.execute(RECORD, rows)


def _never() -> bool:
    return False


def deliver_due(
    *,
    now: datetime,
    channels: Mapping[str, Channel],
    limit: int | None = None,
    only_ids: Collection[int] | None = None,
    batch: int = BATCH,
    stop: Callable[[], bool] = _never,
) -> DeliverReport:
    """Send every due delivery of the configured channels (or only ``only_ids``); commits.

    ``stop()`` is asked between sends: once true, the sends in flight finish and are
    recorded, and the rest of the claimed batch goes back to pending.
    """
    report = DeliverReport()
    if not channels:
        return report
    lease = timedelta(seconds=float(current_app.config.get("NOTIFY_LEASE_SECONDS", DEFAULT_LEASE)))
    started = time.monotonic()

    def lease_until() -> datetime:
        # ``now`` may be a test's or a catch-up run's clock: leases run on it, moved on by
        # the time this run has taken.
        return now + timedelta(seconds=time.monotonic() - started) + lease

    db.session.commit()  # start from no open transaction (see write_lock)
    while (limit is None or report.total < limit) and not stop():
        size = batch if limit is None else min(batch, limit - report.total)
        with write_lock():
            claimed = _claim(now, channels.keys(), size, only_ids, lease_until())
            db.session.commit()
        if not claimed:
            break
        grouped = _load(claimed, channels)
        db.session.commit()  # end the read: the network time below holds no database lock
        waiting = set(claimed)
        renewed = time.monotonic()  # the claim set the lease
        try:
            for name, items in grouped.items():
                for finished in channels[name].send_each(items, stop):
                    done = [items[index] for index, _result in finished]
                    results = [result for _index, result in finished]
                    waiting.difference_update(item.delivery_id for item in done)
                    with write_lock():
                        _record(done, results, now, report)
                        channels[name].after_send(done, results)
                        # A quarter of the lease gone: extend it for the rows still waiting
                        # (not at every record: one UPDATE less per handful of messages).
                        if time.monotonic() - renewed >= lease.total_seconds() / 4:
                            _renew(waiting, lease_until())
                            renewed = time.monotonic()
                        db.session.commit()
        finally:
            if waiting:  # stopped (or failed) before these were attempted
                db.session.rollback()
                with write_lock():
                    _release(waiting)
                    db.session.commit()
        if only_ids is not None:
            break
    return report


def release_stale(*, now: datetime) -> int:
    """Return expired claims to pending (their run died) and drop very old pending ones.

    A run claims expired rows itself; this only makes them visible as ``pending`` again.
    """
    with write_lock():
        expired = _updated(
            sa.update(_table)
            .where(
                _table.c.status == SENDING,
                sa.or_(_table.c.lease_until.is_(None), _table.c.lease_until < now),
            )
            .values(status="pending", lease_until=None)
        )
        old = _updated(
            sa.update(_table)
            .where(
                _table.c.status == "pending",
                _table.c.notification_id.in_(
                    sa.select(Notification.id).where(Notification.created_at < now - MAX_AGE)
                ),
            )
            .values(status="skipped", last_error="not delivered within three days")
        )
        db.session.commit()
    return expired + old


def _updated(statement: sa.Update) -> int:
    """Run an UPDATE; return how many rows it changed."""
    # Its result is a CursorResult; Session.execute is typed for any statement.
    return cast("sa.CursorResult[Any]", db.session.execute(statement)).rowcount
