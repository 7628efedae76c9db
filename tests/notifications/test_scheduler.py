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
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from notifications import vapid
from notifications.scheduler import AlreadyRunning, SchedulerLock, build_scheduler
from portal.extensions import db
from portal.models import Notification, ReminderLog
from tests.conftest import fresh_database, make_test_app
from tests.notifications.helpers import VAPID_PEM, VAPID_PUBLIC

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

    def __init__(self, url: str, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "VAPID_"))}
        env.update(
            DATABASE_URL=url,
            PORTAL_SECRET_KEY="scheduler-test-" + "k" * 32,
            PYTHONUNBUFFERED="1",
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
