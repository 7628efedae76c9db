"""Jobs and CLI commands on SQLite wait a bounded time for the write lock, then stop cleanly.

Each test runs on its own SQLite file in WAL mode. A second, plain ``sqlite3``
connection plays the busy portal: it holds ``BEGIN IMMEDIATE`` (a long write) or writes
a row every 0.2 s (check-ins).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from notifications import scheduler
from portal import config as portal_config
from portal import create_app
from portal.extensions import db
from portal.imports.templates import Kind
from portal.inbox.models import Delivery, Notification
from portal.timeutil import LOCAL_TZ, utcnow
from tests.admin.roster_support import workbook
from tests.factories import new_street, new_user

BUSY = "数据库正忙"
LOCK_TIMEOUT = 0.3  # seconds: short, so a refused run takes well under a second


@pytest.fixture
def database(tmp_path) -> Path:
    """A fresh SQLite file with every table (WAL, as the portal opens it)."""
    return tmp_path / "portal.db"


@pytest.fixture
def lock_app(database, tmp_path):
    """An app on ``database`` whose jobs wait LOCK_TIMEOUT seconds for the write lock."""
    config = portal_config.TestConfig(
        str(tmp_path / "instance"), database_url=f"sqlite:///{database}"
    )
    config.WRITE_LOCK_TIMEOUT = LOCK_TIMEOUT
    app = create_app(config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def street_id(lock_app) -> int:
    """A street (with one community) to import into."""
    with lock_app.app_context():
        street = new_street()
        db.session.commit()
        return street.id


def _count(database: Path, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


@contextmanager
def write_lock_held(database: Path) -> Iterator[sqlite3.Connection]:
    """Hold SQLite's write lock from another connection, as a long write would."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield connection
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def _roster(lock_app, street_id: int, tmp_path: Path, rows: int) -> str:
    with lock_app.app_context():
        community = db.session.execute(
            sa.text("SELECT name FROM communities WHERE street_id = :id"), {"id": street_id}
        ).scalar_one()
    path = tmp_path / "花名册.xlsx"
    lines = [
        [
            f"导入{n}",
            f"139{n:08d}",
            "",
            community,
            "一般工作人员",
            2,
            "2021-09-01",
            "",
            "本科",
            "是",
            "招聘",
            "",
            "",
        ]
        for n in range(rows)
    ]
    path.write_bytes(workbook(Kind.ROSTER, lines))
    return str(path)


def _import(lock_app, path: str, street_id: int):
    return lock_app.test_cli_runner().invoke(
        args=["import", path, "--kind", "roster", "--street", str(street_id)]
    )


def test_import_under_a_held_lock_exits_1_with_a_message_and_changes_nothing(
    lock_app, database, street_id, tmp_path
):
    """An import that cannot get the write lock in time says so, exits 1 and writes nothing."""
    path = _roster(lock_app, street_id, tmp_path, rows=3)
    users, audit = _count(database, "users"), _count(database, "audit_entries")

    with write_lock_held(database):
        refused = _import(lock_app, path, street_id)

    assert refused.exit_code == 1, refused.output
    assert isinstance(refused.exception, SystemExit)  # a clean exit, not a crash
    assert BUSY in refused.output and "什么都没有改变" in refused.output
    assert "Traceback" not in refused.output
    assert (_count(database, "users"), _count(database, "audit_entries")) == (users, audit)

    again = _import(lock_app, path, street_id)

    assert again.exit_code == 0, again.output
    assert "导入完成：新建 3 条" in again.output
    assert _count(database, "users") == users + 3


def test_import_waits_its_turn_behind_frequent_check_ins(lock_app, database, street_id, tmp_path):
    """An import runs to the end while the portal writes a row every 0.2 s; no write is lost."""
    lock_app.config["WRITE_LOCK_TIMEOUT"] = 10
    path = _roster(lock_app, street_id, tmp_path, rows=300)
    started, stop = threading.Event(), threading.Event()
    written: list[int] = []
    errors: list[sqlite3.Error] = []

    def check_ins() -> None:
        # As a check-in request does: take the write lock (waiting up to 15 s), insert, commit.
        connection = sqlite3.connect(database, isolation_level=None, timeout=15)
        try:
            while True:
                try:
                    connection.execute("BEGIN IMMEDIATE")
                    connection.execute(
                        "INSERT INTO audit_entries (action, subject_type, detail, created_at)"
                        " VALUES ('check_in', 'attendance', '{}', CURRENT_TIMESTAMP)"
                    )
                    connection.execute("COMMIT")
                    written.append(1)
                except sqlite3.Error as error:  # pragma: no cover - reported below
                    errors.append(error)
                    connection.execute("ROLLBACK")
                started.set()
                if stop.wait(0.2):
                    break
        finally:
            connection.close()

    writer = threading.Thread(target=check_ins)
    writer.start()
    started.wait(5)
    try:
        result = _import(lock_app, path, street_id)
    finally:
        stop.set()
        writer.join()

    assert result.exit_code == 0, result.output
    assert "导入完成：新建 300 条" in result.output
    assert errors == []
    with sqlite3.connect(database) as connection:
        check_ins = connection.execute(
            "SELECT count(*) FROM audit_entries WHERE action = 'check_in'"
        ).fetchone()[0]
    assert check_ins == len(written)


def test_seed_demo_under_a_held_lock_exits_1_and_loads_nothing(lock_app, database):
    """seed-demo that cannot get the write lock says so and leaves the database empty."""
    with write_lock_held(database):
        refused = lock_app.test_cli_runner().invoke(args=["seed-demo", "--password", "Demo-pass-1"])

    assert refused.exit_code == 1, refused.output
    assert isinstance(refused.exception, SystemExit)
    assert BUSY in refused.output
    assert _count(database, "users") == 0


@pytest.fixture
def old_pending_delivery(lock_app) -> int:
    """A push delivery still pending four days after its notification (housekeeping skips it)."""
    with lock_app.app_context():
        user = new_user()
        note = Notification(user_id=user.id, kind="system", title="旧提醒")
        note.created_at = utcnow() - timedelta(days=4)
        delivery = Delivery(notification=note, channel="push", status="pending")
        db.session.add_all([note, delivery])
        db.session.commit()
        return delivery.id


def _status(database: Path, delivery_id: int) -> str:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT status FROM deliveries WHERE id = ?", (delivery_id,)
        ).fetchone()[0]


def test_a_job_under_a_held_lock_is_logged_and_runs_again_next_time(
    lock_app, database, old_pending_delivery, caplog
):
    """A scheduler job that cannot get the write lock logs it, raises nothing, retries later."""
    jobs = scheduler.build_scheduler(lock_app)
    job = jobs.get_job("housekeeping")
    caplog.set_level(logging.INFO, logger="notifications.scheduler")

    with write_lock_held(database):
        job.func(*job.args)  # as the scheduler runs it

    busy = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(busy) == 1 and "housekeeping" in busy[0].getMessage()
    assert "write lock" in busy[0].getMessage() and busy[0].exc_info is None
    assert _status(database, old_pending_delivery) == "pending"
    assert jobs.get_job("housekeeping-retry") is None  # its own next turn is soon enough

    caplog.clear()
    job.func(*job.args)

    assert _status(database, old_pending_delivery) == "skipped"
    assert any("job housekeeping done" in r.getMessage() for r in caplog.records)


def test_a_job_whose_next_turn_is_far_off_is_tried_again_soon(
    lock_app, database, old_pending_delivery
):
    """A job that found the lock busy and next runs much later (daily) gets a retry soon."""
    jobs = scheduler.build_scheduler(lock_app)
    job = jobs.get_job("housekeeping")
    job.modify(next_run_time=datetime.now(LOCAL_TZ) + timedelta(hours=20))  # as a daily job

    with write_lock_held(database):
        job.func(*job.args)

    retry = jobs.get_job("housekeeping-retry")
    wait = retry.trigger.run_date - datetime.now(LOCAL_TZ)
    assert timedelta(0) < wait <= scheduler.BUSY_RETRY
    retry.func(*retry.args)  # its turn comes: the lock is free now
    assert _status(database, old_pending_delivery) == "skipped"


def test_run_once_busy_after_issuing_says_the_reminders_were_issued(
    lock_app, database, old_pending_delivery, monkeypatch
):
    """Issuing committed, then delivery met a held lock: exit 1, and it does not claim "nothing
    changed" (the reminders are in the inbox); the pending delivery waits for the next run."""
    held: list[sqlite3.Connection] = []
    real_issue_due = scheduler.issue_due

    def issue_then_another_writer_arrives(*args, **kwargs):
        report = real_issue_due(*args, **kwargs)
        connection = sqlite3.connect(database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")  # a long write starts between the two phases
        held.append(connection)
        return report

    runner = lock_app.test_cli_runner()
    assert runner.invoke(args=["push", "init"]).exit_code == 0  # web push configured: it delivers
    monkeypatch.setattr(scheduler, "issue_due", issue_then_another_writer_arrives)
    try:
        result = runner.invoke(args=["reminders", "run-once"])
    finally:
        for connection in held:
            connection.execute("ROLLBACK")
            connection.close()

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "新提醒" in result.output or "Issued" in result.output  # what issuing did is reported
    assert "什么都没有改变" not in result.output
    assert "发送已停止" in result.output
    assert _status(database, old_pending_delivery) == "pending"
