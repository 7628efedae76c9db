"""The reminder scheduler: its own process, one per database, a few fixed jobs.

``flask --app portal scheduler`` runs an APScheduler ``BlockingScheduler`` with
in-memory jobs defined here (no job store, nothing pickled); each job looks up what is
due in our own tables, so a restart loses nothing. It is never started by the web
app: not in ``create_app``, not in gunicorn workers, not in the debug reloader.

Only one scheduler may run per database. It holds a lock for its whole life:

* PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection kept open (the
  lock goes when the connection does, so a crashed scheduler frees it);
* SQLite: an ``fcntl`` lock on a file beside the database file
  (``instance/portal.db.scheduler.lock``), freed by the kernel when the process ends.

A second copy exits with a message, or waits for the lock with ``--wait``. Even if
two ran, the reminder log's unique key would keep every reminder to one.

On SQLite a job waits at most ``PORTAL_WRITE_LOCK_TIMEOUT`` for the write lock
(``portal.database.writing``). If the portal keeps it longer, the job logs a warning,
writes nothing in that step, and runs again at its next turn — within ``BUSY_RETRY``
when that turn is further off (the daily reminders).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from notifications import channels as channel_registry
from notifications import timing
from notifications.deliver import DeliverReport, deliver_due, release_stale
from notifications.issue import IssueReport, issue, write_lock
from notifications.reminders import DAILY, FREQUENT, collect_due
from portal.database import WriteLockBusy
from portal.extensions import db
from portal.observability import metrics
from portal.timeutil import LOCAL_TZ, utcnow

log = logging.getLogger("notifications.scheduler")

# pg_advisory_lock key: "portal" in ASCII plus 1, one number for every deployment.
ADVISORY_LOCK_KEY = 0x706F7274616C0001
LOCK_SUFFIX = ".scheduler.lock"
WAIT_POLL_SECONDS = 2.0
BUSY_RETRY = timedelta(minutes=2)  # a job that found the write lock busy, if its turn is later


class AlreadyRunning(RuntimeError):
    """Another scheduler holds the lock for this database."""


# -- the single-instance lock -------------------------------------------------------------


class SchedulerLock:
    """Hold the one-scheduler-per-database lock for the life of the process."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.url = db.engine.url
        self.dialect = self.url.get_backend_name()
        self.instance_path = app.instance_path
        self._file: IO | None = None
        self._engine: sa.Engine | None = None
        self._connection: sa.Connection | None = None

    @property
    def where(self) -> str:
        """Describe the lock for messages."""
        if self.dialect == "postgresql":
            return f"PostgreSQL advisory lock {ADVISORY_LOCK_KEY} on {self.url.database}"
        return str(self.lock_path())

    def lock_path(self) -> Path:
        """Return the lock file of a SQLite database: beside the file, else in the instance."""
        database = self.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database).resolve().with_name(Path(database).name + LOCK_SUFFIX)
        return Path(self.instance_path) / "scheduler.lock"

    def try_acquire(self) -> bool:
        """Take the lock if free; return whether it is now held."""
        if self.dialect == "postgresql":
            return self._try_advisory()
        return self._try_file()

    def acquire(self, *, wait: bool = False, poll: float = WAIT_POLL_SECONDS) -> None:
        """Take the lock, waiting for it if asked; raise AlreadyRunning otherwise."""
        announced = False
        while not self.try_acquire():
            if not wait:
                raise AlreadyRunning(self.where)
            if not announced:
                log.warning("another scheduler holds %s; waiting for it", self.where)
                announced = True
            time.sleep(poll)

    def _try_file(self) -> bool:
        path = self.lock_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")  # noqa: SIM115 - held open for the life of the process
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def _try_advisory(self) -> bool:
        if self._engine is None:
            self._engine = sa.create_engine(
                self.url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
            )
        connection = self._engine.connect()
        held = connection.execute(
            sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        ).scalar()
        if not held:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        """Return whether the lock is still ours (the PostgreSQL connection is alive)."""
        if self._connection is not None:
            try:
                self._connection.execute(sa.text("SELECT 1"))
            except sa.exc.DBAPIError:
                return False
            return True
        return self._file is not None

    def release(self) -> None:
        """Give the lock up."""
        if self._connection is not None:
            # If the connection is gone, the lock went with it.
            with contextlib.suppress(sa.exc.DBAPIError):
                self._connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
            self._connection.close()
            self._connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


# -- the jobs -------------------------------------------------------------------------------


@dataclass
class RunReport:
    """What one pass of issuing and delivering did."""

    issued: IssueReport
    delivered: DeliverReport | None
    delivery_busy: WriteLockBusy | None = None  # SQLite: delivery stopped at the write lock


def issue_due(app: Flask, *, now: datetime, cadence: str | None = None) -> IssueReport:
    """Collect what is due and issue it exactly once (commits). Call inside an app context."""
    db.session.commit()
    due = collect_due(now, cadence=cadence)
    db.session.commit()  # the reads are done: issuing begins with the write lock
    channels = channel_registry.configured_channels(app)
    try:
        with write_lock():
            report = issue(due, now=now, channels=channels)
            db.session.commit()
    finally:
        channel_registry.close_all(channels)
    return report


def _never() -> bool:
    return False


def deliver(app: Flask, *, now: datetime, stop: Callable[[], bool] = _never) -> DeliverReport:
    """Send every due delivery over the configured channels (commits).

    Once ``stop()`` is true, the sends in flight finish and the rest goes back to pending.
    """
    channels = channel_registry.configured_channels(app)
    try:
        return deliver_due(now=now, channels=channels, stop=stop)
    finally:
        channel_registry.close_all(channels)


def run_once(
    app: Flask, *, now: datetime | None = None, send: bool = True, cadence: str | None = None
) -> RunReport:
    """Issue everything due and deliver it: one pass of all jobs (for cron and tests)."""
    now = now or utcnow()
    with app.app_context():
        try:
            issued = issue_due(app, now=now, cadence=cadence)  # WriteLockBusy: nothing changed
            try:
                delivered = deliver(app, now=now) if send else None
            except WriteLockBusy as busy:  # issued and committed; what was sent is recorded
                db.session.rollback()
                return RunReport(issued, None, delivery_busy=busy)
        finally:
            db.session.remove()
    return RunReport(issued, delivered)


def _job(app: Flask, name: str, work, retry=None) -> None:
    started = time.monotonic()
    with app.app_context():
        try:
            result = work()
        except WriteLockBusy as busy:
            # SQLite: another process kept the write lock; this step wrote nothing.
            db.session.rollback()
            log.warning("job %s: %s; it runs again at its next turn", name, busy)
            if retry is not None:
                retry()
            return
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", name)
            return
        finally:
            db.session.remove()
    metrics.job_finished(name)
    log.info("job %s done in %.2f s: %s", name, time.monotonic() - started, result)


def _retry_soon(scheduler: BlockingScheduler, name: str) -> None:
    """Run job ``name`` again after BUSY_RETRY if its next turn is later (the daily one)."""
    job = scheduler.get_job(name)
    soon = datetime.now(LOCAL_TZ) + BUSY_RETRY
    if job is None or (job.next_run_time is not None and job.next_run_time <= soon):
        return
    log.info("job %s: trying again at %s", name, soon.isoformat(timespec="seconds"))
    scheduler.add_job(
        _job,
        DateTrigger(run_date=soon),
        args=job.args,
        id=f"{name}-retry",
        name=f"{name}-retry",
        replace_existing=True,
    )


def build_scheduler(
    app: Flask, lock: SchedulerLock | None = None, stopping: threading.Event | None = None
) -> BlockingScheduler:
    """Return the scheduler with its fixed jobs (not started).

    When ``stopping`` is set, a delivery run finishes the sends in flight and puts the
    rest of its batch back to pending (SIGTERM, see ``serve``).
    """
    stop = stopping.is_set if stopping is not None else _never
    config = app.config
    frequent = int(config.get("NOTIFY_FREQUENT_MINUTES", 5))
    deliver_every = int(config.get("NOTIFY_DELIVER_SECONDS", 30))
    daily_at = timing.parse_hhmm(config.get("NOTIFY_DAILY_AT", "09:00"))
    scheduler = BlockingScheduler(
        timezone=LOCAL_TZ,
        # One worker: jobs never overlap, so they never compete for SQLite's write lock.
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
    )
    start = datetime.now(LOCAL_TZ)

    def add(name, trigger, work, *, now_too=True):
        scheduler.add_job(
            _job,
            trigger,
            args=(app, name, work, lambda: _retry_soon(scheduler, name)),
            id=name,
            name=name,
            next_run_time=start if now_too else None,
        )

    add(
        "reminders-frequent",
        IntervalTrigger(minutes=frequent),
        lambda: issue_due(app, now=utcnow(), cadence=FREQUENT),
    )
    add(
        "reminders-daily",
        CronTrigger(hour=daily_at.hour, minute=daily_at.minute, timezone=LOCAL_TZ),
        lambda: issue_due(app, now=utcnow(), cadence=DAILY),
    )
    add(
        "deliver",
        IntervalTrigger(seconds=deliver_every),
        lambda: deliver(app, now=utcnow(), stop=stop),
    )
    add(
        "housekeeping",
        IntervalTrigger(minutes=10),
        lambda: f"{release_stale(now=utcnow())} stale deliveries closed",
    )
    if lock is not None:

        def check_lock() -> str:
            if not lock.still_held():
                log.error("lost the scheduler lock (%s); stopping", lock.where)
                scheduler.shutdown(wait=False)
                return "lock lost"
            return "lock held"

        scheduler.add_job(
            check_lock, IntervalTrigger(seconds=30), id="lock-check", name="lock-check"
        )
    return scheduler


def serve(app: Flask, *, wait: bool = False, echo=print) -> int:
    """Hold the lock and run the scheduler until stopped; return the exit status."""
    lock = SchedulerLock(app)
    lock.acquire(wait=wait)
    stopping = threading.Event()
    scheduler = build_scheduler(app, lock, stopping)
    finished = threading.Event()

    def shut_down() -> None:
        # The signal may come before start() has the scheduler running: wait for it.
        while not finished.is_set():
            if scheduler.running:
                with contextlib.suppress(SchedulerNotRunningError):
                    # Wait for a running job: a delivery run stops after its sends in
                    # flight and releases the rest of its batch.
                    scheduler.shutdown(wait=True)
                return
            finished.wait(0.05)

    def stop(signum, _frame) -> None:
        # Shut down from another thread: inside the handler, the interrupted main thread
        # may hold locks shutdown() needs, and an exception raised here could be
        # swallowed by APScheduler's job submission.
        log.info("signal %s: stopping the scheduler", signum)
        stopping.set()
        threading.Thread(target=shut_down, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    echo(f"Scheduler running (lock: {lock.where}). Ctrl-C stops.")
    try:
        scheduler.start()
    finally:
        finished.set()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if scheduler.running:
            scheduler.shutdown(wait=False)
        lost = not lock.still_held()
        lock.release()
    return 1 if lost else 0
