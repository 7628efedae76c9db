"""Shared fixtures: one migrated database per test session, one rolled-back transaction per test.

The database is SQLite by default; set TEST_DATABASE_URL to a PostgreSQL server URL
(e.g. postgresql+psycopg://u@127.0.0.1:54329/postgres) and a fresh database is created
on it for the session and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession

from portal import create_app
from portal.auth import throttle as login_throttle
from portal.config import TestConfig
from portal.enums import (
    AppraisalResult,
    AttendanceMethod,
    CareKind,
    CareStatus,
    CertificateKind,
    OrganiserLevel,
    TrainingKind,
)
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.models import (
    Appraisal,
    Attendance,
    CareEntitlement,
    CareRecord,
    Certificate,
    Community,
    GradeChange,
    Street,
    Training,
    WorkerProfile,
)
from portal.timeutil import local_today
from tests import factories


@contextmanager
def fresh_database(base_url: str | None, tmp_dir) -> Iterator[str]:
    """Yield the URL of a new empty database (SQLite file or a throwaway PostgreSQL db)."""
    if not base_url or base_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_dir / ('portal-' + uuid.uuid4().hex[:8] + '.db')}"
        return
    name = "portal_test_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(base_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Tests keep an app context open for their factories; without this, requests would
    reuse it and share `g` (and Flask-Login's cached user) with each other.
    """

    def open(self, *args, **kwargs):  # noqa: D102
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_test_app(database_url: str, instance_path: str):
    """Create an app on a database URL with the test configuration."""
    app = create_app(TestConfig(instance_path, database_url=database_url))
    app.test_client_class = FreshContextClient
    return app


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A migrated database shared by the session's tests."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The application, on a database built by the Alembic migrations."""
    app = make_test_app(database_url, str(tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


class _ConnectionSession(FlaskSQLAlchemySession):
    """A session that always uses the test's connection (Flask-SQLAlchemy picks engines)."""

    def get_bind(self, *args, **kwargs):  # noqa: D102
        return self.bind


@pytest.fixture
def db(app):
    """A session whose work is rolled back after the test, even when the code commits."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _ConnectionSession,
            }
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    """A test client; CSRF stays on, so forms are posted with their token."""
    limiter.reset()  # rate-limit counters are per test, like the data
    login_throttle.reset()  # in the database by default: rolled back with the test anyway
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def make_street(db):
    """Make a district (with a policy profile) and a street with one community."""
    return factories.new_street


@pytest.fixture
def make_user(db):
    """Make a user with roles; password is PASSWORD unless given."""
    return factories.new_user


@pytest.fixture
def make_worker(db):
    """Make a worker (user + profile) in a street of the given policy profile."""

    def make(
        *,
        street: Street | None = None,
        community: Community | None = None,
        policy: str = "jiangsu",
        extra_roles=(),
        party_member: bool = True,
        started_on: date | None = None,
        **fields,
    ) -> WorkerProfile:
        fields["started_on"] = started_on or factories.years_ago(5)
        if community is None:
            community = (street or factories.new_street(policy)).communities[0]
        return factories.new_worker(
            community, roles=tuple(extra_roles), party_member=party_member, **fields
        )

    return make


@pytest.fixture
def make_training(db):
    """Make a training on a local date (Asia/Shanghai) worth some hours."""

    def make(
        *, on: date, hours: str = "8", street: Street | None = None, title: str | None = None
    ) -> Training:
        start = datetime(on.year, on.month, on.day, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
        training = Training(
            title=title or f"培训{factories.next_number()}",
            kind=TrainingKind.IN_SERVICE,
            level=OrganiserLevel.STREET,
            street_id=street.id if street else None,
            starts_at=start,
            ends_at=start + timedelta(hours=8),
            place="街道会议室",
            credited_hours=Decimal(hours),
        )
        db.session.add(training)
        db.session.flush()
        return training

    return make


@pytest.fixture
def attend(db):
    """Credit a worker with a training's hours."""

    def make(worker: WorkerProfile, training: Training) -> Attendance:
        row = Attendance(
            training_id=training.id,
            worker_id=worker.user_id,
            credited_on=training.starts_at.date(),
            credited_hours=training.credited_hours,
            method=AttendanceMethod.SELF_SCAN,
        )
        db.session.add(row)
        db.session.flush()
        return row

    return make


@pytest.fixture
def add_records(db):
    """Add appraisals, certificates, care rows and grade changes to a worker."""

    def add(
        worker: WorkerProfile,
        *,
        appraisals: dict[int, AppraisalResult] | None = None,
        certificates: list[CertificateKind] = (),
        leave: tuple[str, str] | None = None,
        health_check_on: date | None = None,
        grade_changes: int = 0,
    ) -> None:
        now = datetime.now(UTC)
        for year, result in (appraisals or {}).items():
            db.session.add(
                Appraisal(worker_id=worker.user_id, year=year, result=result, published_at=now)
            )
        for kind in certificates:
            db.session.add(
                Certificate(
                    worker_id=worker.user_id,
                    kind=kind,
                    number=f"C{factories.next_number():08d}",
                    issued_on=date(2020, 5, 1),
                )
            )
        year = local_today().year
        if leave:
            entitled, taken = leave
            db.session.add(
                CareEntitlement(
                    worker_id=worker.user_id,
                    year=year,
                    kind=CareKind.ANNUAL_LEAVE,
                    quantity=Decimal(entitled),
                )
            )
            db.session.add(
                CareRecord(
                    worker_id=worker.user_id,
                    kind=CareKind.ANNUAL_LEAVE,
                    year=year,
                    occurred_on=date(year, 1, 2),
                    quantity=Decimal(taken),
                    status=CareStatus.DONE,
                )
            )
        if health_check_on:
            db.session.add(
                CareRecord(
                    worker_id=worker.user_id,
                    kind=CareKind.HEALTH_CHECK,
                    year=health_check_on.year,
                    occurred_on=health_check_on,
                    status=CareStatus.DONE,
                )
            )
        for i in range(grade_changes):
            db.session.add(
                GradeChange(
                    worker_id=worker.user_id,
                    changed_on=date(2000, 1, 1) + timedelta(days=30 * i),
                    from_grade=i % 17 + 1,
                    to_grade=i % 17 + 2,
                    from_post_type=worker.post_type,
                    to_post_type=worker.post_type,
                    reason=f"晋级{i}",
                )
            )
        db.session.flush()

    return add


@pytest.fixture
def count_queries(app):
    """Count the SQL statements a block runs (transaction bookkeeping excluded)."""

    @contextmanager
    def counter():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
            if head not in {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"}:
                statements.append(statement)

        with app.app_context():
            engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counter
