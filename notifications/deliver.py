"""Delivering: send the deliveries that are due, and record what happened.

A run claims a small batch (``BATCH``) of due deliveries — ``pending`` with
``not_before`` passed, or ``sending`` whose lease ran out — by switching them to
``sending`` with ``lease_until`` set (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, where
the claim and the load of the claimed rows with their notification are one statement),
and commits. It keeps up to ``UNDER_WAY`` batches claimed and handed to the channel's
senders, so the sending threads never wait for a claim round trip. It sends with no
transaction open (network time never holds a database lock) and records results as
soon as they are known: all those that arrived together in one short transaction, one
UPDATE per channel (``UPDATE … FROM unnest(…)`` on PostgreSQL), which also renews the
lease of the rows still waiting once a quarter of it has gone. Two runs at once cannot
claim the same row.

If the sender dies (SIGKILL, power cut), its unsent rows — up to ``UNDER_WAY × BATCH``
— stay ``sending`` until their lease runs out (``NOTIFY_LEASE_SECONDS``); then the next
run claims them again and sends them: nothing is lost and nothing is marked failed
without an attempt. Claiming ahead delays those rows by the lease, it never sends them
twice. Only the deliveries sent but not yet recorded at the moment of the crash can
arrive twice: those in flight (one per sending thread: ``PUSH_WORKERS`` for push, one
for WeCom) and those whose answer came while the previous results were being committed
(they wait in the run's queue for the next commit; at most what the pool finishes
during one record round trip, so the window is the same as with one batch at a time).
A stop request (``stop()`` true, SIGTERM in the scheduler) lets the sends in flight
finish and be recorded, and puts the rest of every claimed batch back to ``pending``
at once.

Temporary failures (the request never left: refused, DNS, connect timeout; 429/5xx) go
back to ``pending`` with ``not_before`` moved by exponential backoff (or by the
service's Retry-After, bounded) and ``attempts`` counted; after ``NOTIFY_MAX_ATTEMPTS``
the delivery is failed. A request that went out and got no answer (read timeout) may
have arrived: it is recorded ``unknown`` and not sent again.

Deliver runs commit: they are jobs (scheduler, CLI, the settings page's test button),
not operations inside someone else's transaction.
"""

from __future__ import annotations

import contextlib
import queue
import threading
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


def _due(
    condition: sa.ColumnElement[bool],
    now: datetime,
    channels: Collection[str],
    limit: int,
    only_ids: Collection[int] | None,
    postgres: bool,
) -> sa.Select:
    """Return the ids (and due times) of up to ``limit`` rows of one claimable kind."""
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
    return due


def _conditions(now: datetime) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool]]:
    # One select per status (pending; sending with its lease run out), each read in the
    # order of ix_deliveries_due (status, not_before, id) and stopped after ``limit``
    # rows: an OR of the two made PostgreSQL sort every due row for each batch.
    expired = sa.or_(_table.c.lease_until.is_(None), _table.c.lease_until < now)
    return _table.c.status == "pending", sa.and_(_table.c.status == SENDING, expired)


def _claim(
    now: datetime,
    channels: Collection[str],
    limit: int,
    only_ids: Collection[int] | None,
    lease_until: datetime,
) -> list[int]:
    """Claim up to ``limit`` due rows (``sending``, leased); return their ids. Caller commits."""
    return [row.id for row in _claim_rows(now, channels, limit, only_ids, lease_until)]


def _claim_rows(
    now: datetime,
    channels: Collection[str],
    limit: int,
    only_ids: Collection[int] | None,
    lease_until: datetime,
) -> list[sa.Row]:
    """Claim up to ``limit`` due rows and return them with their notification (``LOAD``).

    On PostgreSQL one statement: the candidates of both kinds are locked
    (``SKIP LOCKED``), the first ``limit`` by due time are switched to ``sending`` and
    returned joined to their notification. Elsewhere (SQLite, under the write lock) the
    candidates, the UPDATE and the load are three statements in one transaction.
    The caller commits.
    """
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        pending, expired = (
            _due(condition, now, channels, limit, only_ids, postgres=True).cte(name)
            for condition, name in zip(
                _conditions(now), ("due_pending", "due_expired"), strict=True
            )
        )
        both = sa.union_all(sa.select(pending), sa.select(expired)).subquery("due_both")
        # MATERIALIZED: the pick is computed once, so the UPDATE joins exactly ``limit``
        # rows (an ``IN (… LIMIT … SKIP LOCKED)`` subquery may be rescanned and update more).
        pick = (
            sa.select(both.c.id)
            .order_by(both.c.not_before, both.c.id)
            .limit(limit)
            .cte("pick")
            .prefix_with("MATERIALIZED")
        )
        claimed = (
            sa.update(_table)
            .where(_table.c.id == pick.c.id, claimable(now))
            .values(status=SENDING, lease_until=lease_until)
            .returning(_table.c.id, _table.c.channel, _table.c.attempts, _table.c.notification_id)
            .cte("claimed")
        )
        statement = (
            sa.select(
                claimed.c.id,
                claimed.c.channel,
                claimed.c.attempts,
                _n.c.id.label("notification_id"),
                *_NOTIFICATION_COLUMNS,
            )
            .join(_n, _n.c.id == claimed.c.notification_id)
            .order_by(claimed.c.id)
        )
        return list(db.session.execute(statement))
    candidates: list[tuple[datetime, int]] = []
    for condition in _conditions(now):
        due = _due(condition, now, channels, limit, only_ids, postgres=False)
        candidates.extend((row.not_before, row.id) for row in db.session.execute(due))
    ids = sorted(row_id for _not_before, row_id in sorted(candidates)[:limit])
    if not ids:
        return []
    claim = (
        sa.update(_table)
        .where(_table.c.id.in_(ids), claimable(now))
        .values(status=SENDING, lease_until=lease_until)
        .returning(_table.c.id)
    )
    got = sorted(db.session.scalars(claim))
    return list(db.session.execute(LOAD, {"ids": got})) if got else []


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
_NOTIFICATION_COLUMNS = (_n.c.user_id, _n.c.kind, _n.c.title, _n.c.body, _n.c.url, _n.c.urgency)
LOAD = (
    sa.select(
        _table.c.id,
        _table.c.channel,
        _table.c.attempts,
        _n.c.id.label("notification_id"),
        *_NOTIFICATION_COLUMNS,
    )
    .join(_n, _n.c.id == _table.c.notification_id)
    .where(_table.c.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(_table.c.id)
)

RECORD = (  # portable: one UPDATE per row, sent as an executemany
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

# PostgreSQL: every outcome of a round in one statement, each row with its own values.
RECORD_MANY = sa.text(
    """
    UPDATE deliveries AS d
    SET status = v.status, attempts = v.attempts, not_before = v.not_before,
        last_error = v.last_error, sent_at = v.sent_at, lease_until = NULL
    FROM unnest(
        CAST(:ids AS integer[]), CAST(:statuses AS varchar[]), CAST(:attempts AS integer[]),
        CAST(:not_befores AS timestamptz[]), CAST(:errors AS varchar[]),
        CAST(:sent_ats AS timestamptz[])
    ) AS v(id, status, attempts, not_before, last_error, sent_at)
    WHERE d.id = v.id
    """
)


def _outgoing(rows: Sequence[sa.Row], channels: Mapping[str, Channel]) -> dict[str, list[Outgoing]]:
    """Snapshot claimed deliveries with their notification and the users' addresses."""
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


def _load(ids: list[int], channels: Mapping[str, Channel]) -> dict[str, list[Outgoing]]:
    """Snapshot the claimed deliveries with their notification and the users' addresses."""
    return _outgoing(db.session.execute(LOAD, {"ids": ids}).all(), channels)


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
    columns: dict[str, list[Any]] = {
        "ids": [],
        "statuses": [],
        "attempts": [],
        "not_befores": [],
        "errors": [],
        "sent_ats": [],
    }
    recorded_here: Counter = Counter()
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
        recorded_here[(item.channel, recorded)] += 1
        columns["ids"].append(item.delivery_id)
        columns["statuses"].append(status)
        columns["attempts"].append(attempts)
        columns["not_befores"].append(not_before)
        columns["errors"].append(error[:300] if error else None)
        columns["sent_ats"].append(sent_at)
    for (channel, recorded), count in recorded_here.items():
        metrics.count_deliveries(channel, [recorded] * count)
    if not columns["ids"]:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(RECORD_MANY, columns)
        return
    db.session.execute(
        RECORD,
        [
            {
                "delivery_id": delivery_id,
                "new_status": status,
                "new_attempts": attempts,
                "new_not_before": not_before,
                "new_error": error,
                "new_sent_at": sent_at,
            }
            for delivery_id, status, attempts, not_before, error, sent_at in zip(
                *columns.values(), strict=True
            )
        ],
    )


def _never() -> bool:
    return False


UNDER_WAY = 3  # batches claimed and handed to the senders at once (one sending, more queued)

_DONE = object()  # a batch's sender finished
_SEQUENTIAL: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


def _drive(
    app: Any,
    name: str,
    channel: Channel,
    items: list[Outgoing],
    stop: Callable[[], bool],
    results: queue.SimpleQueue,
) -> None:
    """Run one batch's ``send_each`` and hand what it yields to the delivery run's queue."""
    # A channel that sends one after another itself (the default ``send_each``) sends
    # one batch at a time: its client (one HTTP session) is not shared between threads.
    one_by_one = type(channel).send_each is Channel.send_each
    try:
        # The app context: the channel builds URLs (it touches no database).
        with _SEQUENTIAL[name] if one_by_one else contextlib.nullcontext(), app.app_context():
            for finished in channel.send_each(items, stop):
                results.put((name, items, finished))
    except BaseException as error:  # noqa: BLE001 - handed to the delivery run, raised there
        results.put((name, items, error))
    finally:
        results.put((name, items, _DONE))


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
    recorded, and the rest of the claimed batches goes back to pending.

    Up to ``UNDER_WAY`` batches are claimed at once, each handed to its channel's
    ``send_each`` on a helper thread, so the senders never wait for a claim round trip:
    while one batch is sent the next ones are already queued in the pool. Results are
    recorded here, on the run's own thread and session, as they arrive (all those that
    arrived together in one transaction, one UPDATE per channel).
    """
    report = DeliverReport()
    if not channels:
        return report
    lease = timedelta(seconds=float(current_app.config.get("NOTIFY_LEASE_SECONDS", DEFAULT_LEASE)))
    started = time.monotonic()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    aborted = threading.Event()

    def lease_until() -> datetime:
        # ``now`` may be a test's or a catch-up run's clock: leases run on it, moved on by
        # the time this run has taken.
        return now + timedelta(seconds=time.monotonic() - started) + lease

    def stopping() -> bool:
        return aborted.is_set() or stop()

    results: queue.SimpleQueue = queue.SimpleQueue()
    waiting: set[int] = set()  # claimed, not yet recorded
    claimed_count = 0
    exhausted = False  # no more due rows, the limit is reached, or only_ids were claimed
    under_way = 0  # batches whose sender has not finished
    drivers: list[threading.Thread] = []
    renewed = time.monotonic()

    def claim_more() -> None:
        nonlocal claimed_count, exhausted, under_way
        while not exhausted and under_way < UNDER_WAY and not stopping():
            size = batch if limit is None else min(batch, limit - claimed_count)
            if size <= 0:
                exhausted = True
                return
            with write_lock():
                rows = _claim_rows(now, channels.keys(), size, only_ids, lease_until())
                grouped = _outgoing(rows, channels) if rows else {}
                db.session.commit()  # the network time below holds no database lock
            if not rows:
                exhausted = True
                return
            claimed_count += len(rows)
            waiting.update(row.id for row in rows)
            if only_ids is not None or (limit is not None and claimed_count >= limit):
                exhausted = True
            for name, items in grouped.items():
                driver = threading.Thread(
                    target=_drive,
                    args=(app, name, channels[name], items, stopping, results),
                    name=f"deliver-{name}",
                    daemon=True,
                )
                under_way += 1
                drivers.append(driver)
                driver.start()

    def record(arrived: list[tuple[str, list[Outgoing], list[tuple[int, Result]]]]) -> None:
        nonlocal renewed
        by_channel: dict[str, tuple[list[Outgoing], list[Result]]] = {}
        for name, items, finished in arrived:
            done, got = by_channel.setdefault(name, ([], []))
            done.extend(items[index] for index, _result in finished)
            got.extend(result for _index, result in finished)
        with write_lock():
            for name, (done, got) in by_channel.items():
                waiting.difference_update(item.delivery_id for item in done)
                _record(done, got, now, report)
                channels[name].after_send(done, got)
            # A quarter of the lease gone: extend it for the rows still waiting
            # (not at every record: one UPDATE less per handful of messages).
            if time.monotonic() - renewed >= lease.total_seconds() / 4:
                _renew(waiting, lease_until())
                renewed = time.monotonic()
            db.session.commit()

    db.session.commit()  # start from no open transaction (see write_lock)
    failure: BaseException | None = None
    try:
        claim_more()
        while under_way:
            # Everything that arrived so far, recorded together (no waiting for more).
            arrived = []
            item = results.get()
            while True:
                name, items, payload = item
                if payload is _DONE:
                    under_way -= 1
                elif isinstance(payload, BaseException):
                    failure = failure or payload
                    aborted.set()
                else:
                    arrived.append((name, items, payload))
                try:
                    item = results.get_nowait()
                except queue.Empty:
                    break
            if arrived:
                record(arrived)
            if failure is None:
                claim_more()
    except BaseException:
        aborted.set()  # no further send starts; those in flight finish
        for driver in drivers:
            driver.join()
        # Sent but not recorded (the record failed): not released at once, they keep
        # their claim until its lease runs out, as a crash would leave them.
        while True:
            try:
                _name, items, payload = results.get_nowait()
            except queue.Empty:
                break
            if isinstance(payload, list):
                waiting.difference_update(items[index].delivery_id for index, _r in payload)
        raise
    finally:
        if waiting:  # stopped (or failed) before these were attempted
            db.session.rollback()
            with write_lock():
                _release(waiting)
                db.session.commit()
    if failure is not None:
        raise failure
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
