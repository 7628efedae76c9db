"""Scans are judged at arrival: a scan that waits for a lock is not turned into 已过期.

The request really waits: a second connection holds the lock the scan needs while the
request runs in a thread, and the `clock` fixture moves the server's time past the code's
validity during the wait. On SQLite the lock is the database's write lock
(``BEGIN IMMEDIATE``, which every ``@writes`` request takes at its first query); on
PostgreSQL, which has no database-wide write lock, an ``ACCESS EXCLUSIVE`` lock on the
sign-in table (as a migration takes) holds the request at the same place, loading the
session user. These tests need real commits, so they do not use the rolled-back `db`
fixture: the module builds its own database, like test_concurrency.py.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.checkin.codes import (
    PERSONAL_STEP_SECONDS,
    PROJECTOR_STEP_SECONDS,
    personal_code,
    personal_key,
    projector_mac,
    time_step,
)
from portal.enums import AttendanceMethod, Role
from portal.extensions import db
from portal.models import Attendance
from portal.timeutil import utcnow
from tests import factories
from tests.conftest import fresh_database, make_test_app
from tests.helpers import csrf_token, login

WAIT = 15  # seconds: SQLite's busy_timeout; a request that never arrives fails, not hangs


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """An app on its own migrated database whose commits are real."""
    tmp = tmp_path_factory.mktemp("arrival")
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp) as url:
        app = make_test_app(url, str(tmp))
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


@dataclass(frozen=True)
class Door:
    """A training open now, committed: its id and secret, its trainer and a worker."""

    training_id: int
    secret: str
    trainer_phone: str
    worker_id: int
    worker_phone: str


def _seed(app) -> Door:
    """Commit a street, its trainer, a worker and a training of the street running now."""
    with app.app_context():
        street = factories.new_street()
        trainer = factories.new_user(Role.TRAINER, street=street)
        worker = factories.new_worker(street.communities[0])
        training = factories.new_training_now(street, trainer)
        db.session.commit()
        door = Door(
            training.id, training.checkin_secret, trainer.phone, worker.user_id, worker.user.phone
        )
        db.session.remove()
    return door


def _attendances(app, training_id: int) -> list[tuple[int, AttendanceMethod]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Attendance.worker_id, Attendance.method).where(
                Attendance.training_id == training_id
            )
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def _mid_step(moment: datetime, step_seconds: int) -> datetime:
    """Return the middle of the step containing a moment (far from both boundaries)."""
    start = time_step(moment, step_seconds) * step_seconds
    return datetime.fromtimestamp(start + step_seconds / 2, UTC)


@contextmanager
def _holding_the_lock(app) -> Iterator[None]:
    """Hold, from a second connection, the lock a request waits for before its view runs."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database or "", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # the write lock, as a busy writer holds it
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    engine = sa.create_engine(url)
    try:
        with engine.connect() as holder, holder.begin() as held:
            holder.exec_driver_sql("LOCK TABLE login_sessions IN ACCESS EXCLUSIVE MODE")
            yield
            held.rollback()
    finally:
        engine.dispose()


def _while_locked(app, clock, send, *, later: datetime):
    """Send a request while the lock is held; move the clock to `later` once it has arrived."""
    clock.read.clear()
    with ThreadPoolExecutor(max_workers=1) as pool:
        with _holding_the_lock(app):
            answer: Future = pool.submit(send)
            assert clock.read.wait(WAIT), "the request was never stamped on arrival"
            clock.set(later)  # the code expires while the request waits for the lock
            assert not answer.done(), "the request did not wait for the lock"
        return answer.result(timeout=WAIT)


def test_scan_that_waits_for_the_lock_is_judged_at_arrival(live_app, clock):
    """A projector code current when the scan arrived checks in, though it expired in the wait."""
    door = _seed(live_app)
    phone = live_app.test_client()
    login(phone, door.worker_phone)
    arrived = _mid_step(utcnow(), PROJECTOR_STEP_SECONDS)
    clock.set(arrived)
    step = time_step(arrived)
    path = f"/c/{door.training_id}/{step}/{projector_mac(door.secret, door.training_id, step)}"

    response = _while_locked(
        live_app, clock, lambda: phone.get(path), later=arrived + timedelta(seconds=40)
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:1000]
    assert "签到成功" in page and "二维码已过期" not in page
    assert _attendances(live_app, door.training_id) == [
        (door.worker_id, AttendanceMethod.SELF_SCAN)
    ]


def test_trainer_scan_that_waits_for_the_lock_is_judged_at_arrival(live_app, clock):
    """A live scan of a personal code current at arrival counts, though it expired in the wait."""
    door = _seed(live_app)
    scanner = live_app.test_client()
    login(scanner, door.trainer_phone)
    token = csrf_token(scanner, f"/trainings/{door.training_id}/scan")
    arrived = _mid_step(utcnow(), PERSONAL_STEP_SECONDS)
    clock.set(arrived)
    code = personal_code(
        personal_key(live_app.secret_key),
        door.worker_id,
        time_step(arrived, PERSONAL_STEP_SECONDS),
    )

    def send():
        return scanner.post(
            f"/trainings/{door.training_id}/scan",
            json={"code": code},  # a live scan: the server's arrival is the time of the scan
            headers={"X-CSRFToken": token},
        )

    response = _while_locked(live_app, clock, send, later=arrived + timedelta(seconds=90))

    body = response.get_json()
    assert response.status_code == 200, body
    assert body["outcome"] == "checked_in"
    assert datetime.fromisoformat(body["scanned_at"]) == arrived
    assert _attendances(live_app, door.training_id) == [
        (door.worker_id, AttendanceMethod.TRAINER_SCAN)
    ]


def _sqlite_only(app) -> None:
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's write lock: PostgreSQL locks rows, not the database")


def _scan_path(door: Door, moment: datetime) -> str:
    step = time_step(moment)
    return f"/c/{door.training_id}/{step}/{projector_mac(door.secret, door.training_id, step)}"


def test_repeat_scan_is_answered_while_a_long_write_holds_the_lock(live_app, clock):
    """A worker already checked in who scans again is told 已签到 at once, lock or no lock."""
    _sqlite_only(live_app)
    door = _seed(live_app)
    phone = live_app.test_client()
    login(phone, door.worker_phone)
    first = phone.get(_scan_path(door, utcnow()))
    assert "签到成功" in first.get_data(as_text=True)
    live_app.config["REQUEST_WRITE_LOCK_TIMEOUT"] = 0.2  # a write would give up quickly
    try:
        with _holding_the_lock(live_app):
            again = phone.get(_scan_path(door, utcnow()))
    finally:
        live_app.config.pop("REQUEST_WRITE_LOCK_TIMEOUT")

    page = again.get_data(as_text=True)
    assert again.status_code == 200, page[:1000]
    assert "已签到" in page and "无需重复扫码" in page
    assert _attendances(live_app, door.training_id) == [
        (door.worker_id, AttendanceMethod.SELF_SCAN)
    ]


def test_scan_that_cannot_get_the_lock_in_time_says_scan_again_and_records_nothing(live_app, clock):
    """A first scan that waits out the lock is told its check-in was not recorded (503)."""
    _sqlite_only(live_app)
    door = _seed(live_app)
    phone = live_app.test_client()
    login(phone, door.worker_phone)
    live_app.config["REQUEST_WRITE_LOCK_TIMEOUT"] = 0.2
    try:
        with _holding_the_lock(live_app):
            refused = phone.get(_scan_path(door, utcnow()))
    finally:
        live_app.config.pop("REQUEST_WRITE_LOCK_TIMEOUT")

    assert refused.status_code == 503
    assert "签到未记录，请重新扫描屏幕上的二维码。" in refused.get_data(as_text=True)
    assert _attendances(live_app, door.training_id) == []

    again = phone.get(_scan_path(door, utcnow()))  # the lock is free: scanning again works

    assert "签到成功" in again.get_data(as_text=True)
    assert _attendances(live_app, door.training_id) == [
        (door.worker_id, AttendanceMethod.SELF_SCAN)
    ]
