"""Configuration defaults and the time rules (UTC stored, Asia/Shanghai shown)."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.config import Config
from portal.enums import AppraisalResult
from portal.extensions import db as _db
from portal.models import Appraisal, AuditEntry
from portal.timeutil import local_date_of
from tests.conftest import make_test_app


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    """Without PORTAL_SECRET_KEY a random key is written (mode 600) and reused."""
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    first = Config(str(tmp_path)).SECRET_KEY
    second = Config(str(tmp_path)).SECRET_KEY
    other = Config(str(tmp_path / "elsewhere")).SECRET_KEY
    assert first == second and first != other and len(first) >= 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_defaults_are_safe(tmp_path, monkeypatch):
    """Defaults: SQLite under instance/, secure cookies, CSRF without expiry games."""
    for name in ("DATABASE_URL", "PORTAL_SECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    config = Config(str(tmp_path))
    assert config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'portal.db'}"
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.SESSION_COOKIE_HTTPONLY and config.REMEMBER_COOKIE_HTTPONLY


def test_embedded_sqlite_runs_in_wal_mode(tmp_path):
    """The embedded SQLite database (the default) runs in WAL mode with foreign keys on."""
    app = make_test_app(f"sqlite:///{tmp_path / 'wal.db'}", str(tmp_path))
    with app.app_context(), _db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        _db.engine.dispose()


def test_foreign_keys_are_enforced(db):
    """A record pointing at a missing worker is refused by the database."""
    db.session.add(Appraisal(worker_id=999_999, year=2025, result=AppraisalResult.QUALIFIED))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_timestamps_round_trip_as_aware_utc(db):
    """A timestamp written in any zone reads back as the same instant, in UTC."""
    shanghai_morning = datetime(2026, 1, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    entry = AuditEntry(action="test", subject_type="x", created_at=shanghai_morning, detail={})
    db.session.add(entry)
    db.session.flush()
    db.session.expire_all()
    stored = db.session.get(AuditEntry, entry.id).created_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 1, 1, 0, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused(db):
    """A naive datetime is a bug: it is refused rather than guessed."""
    db.session.add(
        AuditEntry(action="t", subject_type="x", created_at=datetime(2026, 1, 1), detail={})
    )
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("utc_moment", "local_day"),
    [
        pytest.param(
            datetime(2026, 12, 31, 15, 59, tzinfo=UTC), date(2026, 12, 31), id="23:59 Shanghai"
        ),
        pytest.param(
            datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1), id="new year in Shanghai"
        ),
    ],
)
def test_this_year_means_the_year_in_shanghai(utc_moment, local_day):
    """At 16:00 UTC on 31 December it is already next year in Shanghai."""
    assert local_date_of(utc_moment) == local_day
