"""Alembic migrations: they build the schema from empty and match the models."""

from __future__ import annotations

import os
import re
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests.conftest import fresh_database, make_test_app


def _diff(app) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, **app.extensions["migrate"].configure_args}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_models_and_downgrades(tmp_path):
    """`flask db upgrade` builds every table from empty; no autogenerate diff remains."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp_path) as url:
        app = make_test_app(url, str(tmp_path))
        with app.app_context():
            upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
            assert set(db.metadata.tables) <= tables
            assert _diff(app) == []

            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}

            upgrade()
            assert set(db.metadata.tables) <= set(sa.inspect(db.engine).get_table_names())
            db.engine.dispose()


def test_flask_db_upgrade_cli_from_empty(tmp_path):
    """The command the README names works on an empty database."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp_path) as url:
        app = make_test_app(url, str(tmp_path))
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        check = app.test_cli_runner().invoke(args=["db", "check"])
        assert check.exit_code == 0, check.output
        with app.app_context():
            assert "worker_profiles" in sa.inspect(db.engine).get_table_names()
            db.engine.dispose()


def test_database_enforces_one_appraisal_per_worker_year(db, make_worker):
    """A second appraisal for the same worker and year is refused by the database."""
    import pytest

    from portal.enums import AppraisalResult
    from portal.models import Appraisal

    worker = make_worker()
    db.session.add(Appraisal(worker_id=worker.user_id, year=2024, result=AppraisalResult.QUALIFIED))
    db.session.flush()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(
            Appraisal(worker_id=worker.user_id, year=2024, result=AppraisalResult.EXCELLENT)
        )
        db.session.flush()


def test_database_refuses_grade_outside_1_18(db, make_worker):
    """Grades outside 1–18 never reach the table, whatever the form did."""
    import pytest

    worker = make_worker()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        worker.grade = 19
        db.session.flush()


def test_existing_trainings_get_their_own_checkin_secret(tmp_path):
    """Trainings created before QR check-in existed each get a distinct secret on upgrade."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp_path) as url:
        app = make_test_app(url, str(tmp_path))
        with app.app_context():
            upgrade(revision="93b9ff50ed21")
            with db.engine.begin() as conn:
                for title in ("甲", "乙"):
                    conn.execute(
                        sa.text(
                            "INSERT INTO trainings (title, kind, level, starts_at, ends_at, place,"
                            " credited_hours, created_at) VALUES (:t, 'online', 'street',"
                            " :s, :e, '', 2, :s)"
                        ),
                        {"t": title, "s": "2026-01-01 01:00:00+00", "e": "2026-01-01 03:00:00+00"},
                    )
            upgrade()
            with db.engine.connect() as conn:
                secrets = (
                    conn.execute(sa.text("SELECT checkin_secret FROM trainings")).scalars().all()
                )
            assert len(secrets) == 2 and len(set(secrets)) == 2
            assert all(len(s) == 64 for s in secrets)
            db.engine.dispose()


def test_upgrade_keeps_existing_attendance_and_foreign_keys(tmp_path):
    """A database with trainings and attendance at the first revision upgrades intact."""
    rows = [
        "INSERT INTO districts (id, name, policy_code) VALUES (1, '区', 'jiangsu')",
        "INSERT INTO streets (id, district_id, name) VALUES (1, 1, '街道')",
        "INSERT INTO communities (id, street_id, name) VALUES (1, 1, '社区')",
        "INSERT INTO users (id, phone, name, password_hash, must_change_password,"
        " session_version, is_enabled, created_at) VALUES (1, '13900000001', '李', 'x',"
        " false, 1, true, '2026-01-01 00:00:00+00')",
        "INSERT INTO worker_profiles (user_id, community_id, post_type, grade,"
        " community_work_started_on, joined_on, education, party_member, hiring_route, status,"
        " updated_at) VALUES (1, 1, 'staff', 3, '2020-01-01', '2020-01-01', 'bachelor', true,"
        " 'recruited', 'active', '2026-01-01 00:00:00+00')",
        "INSERT INTO trainings (id, title, kind, level, starts_at, ends_at, place,"
        " credited_hours, created_at) VALUES (1, '培训', 'online', 'street',"
        " '2026-01-01 01:00:00+00', '2026-01-01 03:00:00+00', '', 2, '2026-01-01 00:00:00+00')",
        "INSERT INTO attendances (training_id, worker_id, checked_in_at, credited_on,"
        " credited_hours, method, note) VALUES (1, 1, '2026-01-01 01:00:00+00', '2026-01-01',"
        " 2, 'manual', '手机无信号')",
    ]
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp_path) as url:
        app = make_test_app(url, str(tmp_path))
        with app.app_context():
            upgrade(revision="93b9ff50ed21")
            with db.engine.begin() as conn:
                for row in rows:
                    conn.execute(sa.text(row))
            upgrade()
            with db.engine.connect() as conn:
                reasons = conn.execute(sa.text("SELECT reason FROM attendances")).scalars().all()
                assert reasons == ["手机无信号"]
                if conn.dialect.name == "sqlite":
                    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            db.engine.dispose()


def test_migration_files_sort_in_revision_order():
    """Listing migrations/versions by name shows the revisions in the order they apply."""
    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    names = sorted(p.name for p in versions.glob("*.py"))
    assert all(re.fullmatch(r"\d{8}_\d{4}_[0-9a-f]{12}_\w*\.py", n) for n in names), names
    script = ScriptDirectory(str(versions.parent))
    chain = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert [n.split("_")[2] for n in names] == chain
