"""The scheduler process: one per database (a lock), never inside the web app; the CLI.

The process tests start the real `flask --app portal scheduler` twice against their own
database (a SQLite file, or a throwaway PostgreSQL database when the suite runs there,
where the lock is a PostgreSQL advisory lock).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from notifications import vapid
from notifications.scheduler import AlreadyRunning, SchedulerLock, build_scheduler
from portal.extensions import db
from portal.models import Delivery, Notification, PushSubscription, ReminderLog
from portal.timeutil import utcnow
from tests import factories
from tests.conftest import fresh_database, make_test_app
from tests.notifications.helpers import VAPID_PEM, VAPID_PUBLIC
from tests.notifications.push_service import PushServer

FLASK = str(Path(sys.executable).with_name("flask"))
ROOT = Path(__file__).resolve().parents[2]
STARTED = "Scheduler running"
TIMEOUT = 30


@pytest.fixture(scope="module")
def scheduler_db(tmp_path_factory):
    """A migrated database of its own, with no scheduler holding it."""
    tmp = tmp_path_factory.mktemp("scheduler")
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp) as url:
        app = make_test_app(url, str(tmp))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url, app


class Process:
    """A `flask --app portal …` subprocess whose output is read line by line."""

    def __init__(self, url: str, *args: str, env: dict[str, str] | None = None) -> None:
        extra = env or {}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "VAPID_"))}
        env.update(
            DATABASE_URL=url,
            PORTAL_SECRET_KEY="scheduler-test-" + "k" * 32,
            PYTHONUNBUFFERED="1",
            **extra,
        )
        self.proc = subprocess.Popen(  # noqa: S603 - our own CLI
            [FLASK, "--app", "portal", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put("")

    def wait_for(self, text: str, timeout: float = TIMEOUT) -> str:
        """Return the first output line containing `text`; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.output.append(line)
            if text in line:
                return line
            if line == "":
                break
        self.stop()
        raise AssertionError(f"{text!r} never appeared; output:\n{''.join(self.output)}")

    def stop(self) -> int:
        """Stop the process as a supervisor does (SIGTERM; SIGKILL if it hangs); its status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
            status = "hung: killed"
        self._drain()
        return status

    def finish(self) -> tuple[int, str]:
        """Wait for the process to end by itself; return its status and output."""
        try:
            status = self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        self._drain()
        return status, "".join(self.output)

    def _drain(self) -> None:
        # The process has ended: the reader thread reaches EOF, then the pipe can close.
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                break
            if line == "":
                break
            self.output.append(line)
        self.proc.stdout.close()


def test_second_scheduler_refuses_to_start(scheduler_db):
    """While one scheduler runs, a second exits non-zero saying another one is running."""
    url, _app = scheduler_db
    first = Process(url, "scheduler")
    try:
        first.wait_for(STARTED)
        second = Process(url, "scheduler")
        status, output = second.finish()
        assert status != 0
        assert "Another scheduler is already running" in output
        assert first.proc.poll() is None  # the first keeps running
    finally:
        stopped = first.stop()
    assert stopped == 0


def test_waiting_scheduler_takes_over_when_the_first_stops(scheduler_db):
    """With --wait, a second copy waits for the lock and starts when the first stops."""
    url, _app = scheduler_db
    first = Process(url, "scheduler")
    waiting = None
    try:
        first.wait_for(STARTED)
        waiting = Process(url, "scheduler", "--wait")
        waiting.wait_for("waiting for it")
        assert waiting.proc.poll() is None
        assert first.stop() == 0
        waiting.wait_for(STARTED)
    finally:
        if first.proc.returncode is None:
            first.stop()
        stopped = waiting.stop() if waiting is not None else None
    assert stopped == 0


def test_lock_is_exclusive_within_one_process_too(scheduler_db):
    """The lock object refuses a second holder and frees the lock on release."""
    _url, app = scheduler_db
    first, second = SchedulerLock(app), SchedulerLock(app)
    first.acquire()
    try:
        with pytest.raises(AlreadyRunning):
            second.acquire()
        assert first.still_held()
    finally:
        first.release()
    second.acquire()
    second.release()
    with app.app_context():
        db.engine.dispose()


def test_sqlite_lock_file_sits_beside_the_database(tmp_path):
    """On SQLite the lock file is named after the database file, so two databases never clash."""
    app = make_test_app(f"sqlite:///{tmp_path / 'one.db'}", str(tmp_path / "instance"))
    assert SchedulerLock(app).lock_path() == (tmp_path / "one.db.scheduler.lock").resolve()
    with app.app_context():
        db.engine.dispose()


def test_the_web_app_never_starts_a_scheduler(tmp_path):
    """Creating the app (as gunicorn workers do) starts no scheduler thread and takes no lock."""
    before = {t.name for t in threading.enumerate()}
    app = make_test_app(f"sqlite:///{tmp_path / 'web.db'}", str(tmp_path))
    after = {t.name for t in threading.enumerate()}
    assert not [name for name in after - before if "APScheduler" in name or "push" in name]
    assert not (tmp_path / "web.db.scheduler.lock").exists()
    with app.app_context():
        db.engine.dispose()


def test_scheduler_has_only_fixed_in_memory_jobs(app):
    """The jobs are defined in code (no job store, nothing pickled): four, plus the lock check."""
    scheduler = build_scheduler(app)
    jobs = {job.id for job in scheduler.get_jobs()}
    assert jobs == {"reminders-frequent", "reminders-daily", "deliver", "housekeeping"}
    assert scheduler._jobstores == {}  # none configured: APScheduler keeps jobs in memory


def test_run_once_issues_due_reminders_once(app, db, runner, make_worker):
    """`reminders run-once` issues what is due; run again, it issues nothing new."""
    worker = make_worker(exam_eligible_on=None)
    worker.exam_eligible_on = worker.community_work_started_on  # long overdue
    db.session.flush()
    result = runner.invoke(args=["reminders", "run-once", "--at", "2026-11-21T09:00"])
    assert result.exit_code == 0, result.output
    assert "Issued" in result.output
    again = runner.invoke(args=["reminders", "run-once", "--at", "2026-11-21T09:30"])
    assert again.exit_code == 0, again.output
    rows = db.session.scalars(
        sa.select(ReminderLog).where(ReminderLog.user_id == worker.user_id)
    ).all()
    kinds = sorted(r.kind for r in rows)
    assert kinds.count("certificate_deadline") == 1
    inbox = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == worker.user_id)
    ).all()
    assert len(inbox) == len(rows)


def _cli_app(tmp_path, **config):
    app = make_test_app("sqlite://", str(tmp_path))
    app.instance_path = str(tmp_path)  # never the project's instance folder
    app.config.update(config)
    return app


def test_push_init_writes_a_key_once(tmp_path):
    """`push init` writes the key pair into the instance folder and refuses to overwrite it."""
    app = _cli_app(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["push", "init"])
    assert first.exit_code == 0, first.output
    key_file = tmp_path / "vapid_private.pem"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    public = first.output.split("Public key: ")[1].strip()
    assert public == vapid.load_keys(app).public_key

    again = runner.invoke(args=["push", "init"])
    assert again.exit_code != 0 and "not overwritten" in again.output
    assert vapid.load_keys(app).public_key == public

    kept = runner.invoke(args=["push", "init", "--if-missing"])
    assert kept.exit_code == 0 and public in kept.output

    forced = runner.invoke(args=["push", "init", "--force"])
    assert forced.exit_code == 0
    assert vapid.load_keys(app).public_key != public
    assert runner.invoke(args=["push", "key"]).output.strip() == vapid.load_keys(app).public_key


def test_push_init_uses_keys_from_the_environment(tmp_path):
    """With VAPID_PRIVATE_KEY set, nothing is written and the public key is printed."""
    app = _cli_app(tmp_path, VAPID_PRIVATE_KEY=VAPID_PEM, VAPID_PUBLIC_KEY=VAPID_PUBLIC)
    result = app.test_cli_runner().invoke(args=["push", "init"])
    assert result.exit_code == 0 and VAPID_PUBLIC in result.output
    assert not (tmp_path / "vapid_private.pem").exists()


def test_mismatched_public_key_is_refused(tmp_path):
    """A VAPID_PUBLIC_KEY that is not the private key's half stops push with a clear error."""
    app = _cli_app(tmp_path, VAPID_PRIVATE_KEY=VAPID_PEM, VAPID_PUBLIC_KEY="B" + VAPID_PUBLIC[1:-2])
    with pytest.raises(vapid.PushKeyError):
        vapid.load_keys(app)


def test_push_key_without_keys_says_how_to_make_them(tmp_path):
    """`push key` before `push init` explains what to run."""
    result = _cli_app(tmp_path).test_cli_runner().invoke(args=["push", "key"])
    assert result.exit_code != 0 and "push init" in result.output


def test_daily_reminders_run_at_nine_in_shanghai(app):
    """The daily reminder job fires at 09:00 Asia/Shanghai, whatever the server's zone."""
    from datetime import UTC, datetime

    from notifications.scheduler import build_scheduler
    from portal.timeutil import LOCAL_TZ

    scheduler = build_scheduler(app)
    trigger = scheduler.get_job("reminders-daily").trigger
    after = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    fire = trigger.get_next_fire_time(None, after)
    assert fire.astimezone(LOCAL_TZ).hour == 9
    assert fire.astimezone(UTC) == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


# -- a scheduler killed mid-delivery ---------------------------------------------------------


def _deliveries_waiting(app, count: int) -> tuple[int, list[int]]:
    """Add a worker with ``count`` due push deliveries; return the user and notification ids."""
    with app.app_context():
        worker = factories.new_worker(factories.new_street().communities[0])
        now = utcnow()
        notifications = [
            Notification(
                user_id=worker.user_id, kind="training_soon", title=f"培训 {n}", body="请签到。"
            )
            for n in range(count)
        ]
        db.session.add_all(notifications)
        db.session.flush()
        db.session.add_all(
            Delivery(notification_id=n.id, channel="push", not_before=now - timedelta(minutes=1))
            for n in notifications
        )
        db.session.commit()
        ids = [n.id for n in notifications]
        user_id = worker.user_id
        db.session.remove()
        db.engine.dispose()
    return user_id, ids


def _subscribe(app, user_id: int, service) -> None:
    info, _keys = service.subscribe()
    with app.app_context():
        db.session.add(
            PushSubscription(
                user_id=user_id,
                endpoint=info["endpoint"],
                p256dh=info["keys"]["p256dh"],
                auth=info["keys"]["auth"],
            )
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _statuses(app, notification_ids: list[int]) -> Counter:
    with app.app_context():
        found = Counter(
            db.session.scalars(
                sa.select(Delivery.status).where(Delivery.notification_id.in_(notification_ids))
            )
        )
        db.session.remove()
        db.engine.dispose()
    return found


def _until(condition, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


PUSH_ENV = {
    "VAPID_PRIVATE_KEY": VAPID_PEM,
    "VAPID_PUBLIC_KEY": VAPID_PUBLIC,
    "PUSH_ENDPOINT_HOSTS": "127.0.0.1",
    "PUSH_WORKERS": "1",
    "PUSH_TIMEOUT": "5",
    "NOTIFY_DELIVER_SECONDS": "1",
    "NOTIFY_LEASE_SECONDS": "2",
}


def test_a_scheduler_killed_mid_delivery_loses_nothing(tmp_path):
    """SIGKILL while pushing to a slow service; after a restart every delivery is sent.

    Only pushes in flight or not yet recorded at the kill can arrive twice; none is failed
    unattempted.
    """
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp_path) as url:
        app = make_test_app(url, str(tmp_path))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        with PushServer() as service:
            service.stall = 0.2  # a slow push service: each answer takes 0.2 s
            user_id, notification_ids = _deliveries_waiting(app, 12)
            _subscribe(app, user_id, service)

            first = Process(url, "scheduler", env=PUSH_ENV)
            try:
                _until(lambda: service.count >= 3)
                first.proc.send_signal(signal.SIGKILL)
                first.proc.wait(timeout=TIMEOUT)
            finally:
                first.stop()
            killed_at = service.count
            assert killed_at < len(notification_ids)  # killed mid-batch
            assert (
                _statuses(app, notification_ids)["sending"] > 0
            )  # the dead sender's claim is still there

            second = Process(url, "scheduler", env=PUSH_ENV)
            try:
                second.wait_for(STARTED)
                _until(
                    lambda: (
                        _statuses(app, notification_ids) == Counter({"sent": len(notification_ids)})
                    )
                )
            finally:
                assert second.stop() == 0
            arrived = Counter(
                m.payload["id"] for m in service.delivered() if m.payload["id"] in notification_ids
            )
        with app.app_context():
            db.engine.dispose()
    assert set(arrived) == set(notification_ids)  # every one delivered
    # Twice at most: the push in flight and the one whose result was being recorded (the
    # pool's one thread sends the next while the last is committed).
    assert sum(arrived.values()) - len(notification_ids) <= 2
    assert service.errors() == []


def test_sigterm_finishes_the_push_in_flight_and_puts_the_rest_back(tmp_path):
    """SIGTERM mid-delivery: exit 0, what was sent is recorded sent, the rest is pending."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp_path) as url:
        app = make_test_app(url, str(tmp_path))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        with PushServer() as service:
            service.stall = 0.2
            user_id, notification_ids = _deliveries_waiting(app, 12)
            _subscribe(app, user_id, service)

            scheduler = Process(url, "scheduler", env=PUSH_ENV)
            try:
                _until(lambda: service.count >= 2)
                scheduler.proc.send_signal(signal.SIGTERM)
                assert scheduler.proc.wait(timeout=TIMEOUT) == 0
            finally:
                scheduler.stop()
            statuses = _statuses(app, notification_ids)
            arrived = Counter(
                m.payload["id"] for m in service.delivered() if m.payload["id"] in notification_ids
            )
        with app.app_context():
            db.engine.dispose()
    assert set(arrived.values()) == {1}  # nothing twice
    assert statuses == Counter(
        {"sent": len(arrived), "pending": len(notification_ids) - len(arrived)}
    )
    assert statuses["pending"] > 0  # stopped mid-batch
