"""Backup and restore: a snapshot taken while the portal writes restores whole, elsewhere.

Each test builds its own instances (a fresh database on the leg's server — SQLite file or
PostgreSQL database — and an instance folder of its own) and drives the real CLI commands.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from notifications import scheduler
from portal.extensions import db
from portal.inbox.models import Delivery, Notification, PushSubscription
from tests import factories
from tests.conftest import fresh_database, make_test_app
from tests.helpers import login
from tests.notifications.push_service import PushServer

OLDER_HEAD = "c1d2e3f40903"  # the revision before delivery leases


@contextmanager
def instance(
    tmp_path: Path, name: str, *, revision: str = "head", on: str | None = None
) -> Iterator[Flask]:
    """An instance of its own: a fresh database migrated to ``revision``, its own folder.

    The database is on the leg's server (``on`` = "sqlite" forces a SQLite file).
    """
    folder = tmp_path / name
    folder.mkdir()
    with fresh_database(on or os.environ.get("TEST_DATABASE_URL"), folder) as url:
        app = make_test_app(url, str(folder / "instance"))
        with app.app_context():
            upgrade(revision=revision)
            db.session.remove()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def run(app: Flask, *args: str):
    """Run a `flask --app portal …` command in the app; return click's result."""
    return app.test_cli_runner().invoke(args=list(args))


def counts(app: Flask) -> dict[str, int]:
    """Rows of every table, as the restore itself counts them."""
    with app.app_context():
        with db.engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            found = {
                name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()  # noqa: S608
                for name in names
            }
        db.engine.dispose()
    return found


def _strip_tokens(page: str) -> str:
    page = re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", page)
    page = re.sub(r'value="[^"]*"\s+name="csrf_token"', "", page)
    page = re.sub(r'content="[A-Za-z0-9._-]{20,}"', "", page)  # the csrf meta tag
    return re.sub(r'nonce="[^"]*"', "", page)


def _home_of(app: Flask, phone: str) -> str:
    client = app.test_client()
    assert login(client, phone).status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    return _strip_tokens(home.get_data(as_text=True))


def _worker_with_a_pending_push(app: Flask, service) -> tuple[str, int]:
    """A worker subscribed to push with one notification waiting to be delivered."""
    info, _keys = service.subscribe()
    with app.app_context():
        worker = factories.new_worker(factories.new_street().communities[0])
        db.session.add(
            PushSubscription(
                user_id=worker.user_id,
                endpoint=info["endpoint"],
                p256dh=info["keys"]["p256dh"],
                auth=info["keys"]["auth"],
            )
        )
        note = Notification(
            user_id=worker.user_id, kind="system", title="备份前的提醒", body="请查收"
        )
        db.session.add(note)
        db.session.flush()
        db.session.add(Delivery(notification_id=note.id, channel="push"))
        db.session.commit()
        phone, note_id = worker.user.phone, note.id
        db.session.remove()
    return phone, note_id


class Writer(threading.Thread):
    """The portal at work: a notification row committed every few milliseconds."""

    def __init__(self, url: str, user_id: int) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url)
        self.user_id = user_id
        self.committed = 0
        self.ids: list[int] = []  # in commit order
        self.stopping = threading.Event()

    def run(self) -> None:  # noqa: D102
        table = Notification.__table__
        while not self.stopping.is_set():
            with self.engine.begin() as connection:
                row = connection.execute(
                    table.insert()
                    .values(user_id=self.user_id, kind="system", title="写入中")
                    .returning(table.c.id)
                ).scalar_one()
            self.ids.append(row)  # committed
            self.committed += 1
            self.stopping.wait(0.003)

    def stop(self) -> None:  # noqa: D102
        self.stopping.set()
        self.join(timeout=10)
        self.engine.dispose()


def test_a_backup_under_load_restores_elsewhere_with_sign_in_and_push(tmp_path):
    """Back up while rows are being written; restore into another instance; the same worker
    signs in to the same home, and a push made for a subscription from before the backup
    reaches it, signed with the same VAPID key."""
    with ExitStack() as stack:
        source = stack.enter_context(instance(tmp_path, "source"))
        service = stack.enter_context(PushServer())
        assert run(source, "push", "init").exit_code == 0
        phone, note_id = _worker_with_a_pending_push(source, service)
        uploads = Path(source.config["UPLOAD_FOLDER"])
        (uploads / "proof").mkdir(parents=True)
        (uploads / "proof" / "照片.jpg").write_bytes(b"\xff\xd8 a proof photo")
        home_before = _home_of(source, phone)
        with source.app_context():
            user_id = factories.new_user(name="别的社工").id  # the load is someone else's inbox
            db.session.commit()
        writer = Writer(source.config["SQLALCHEMY_DATABASE_URI"], user_id)
        writer.start()
        try:
            stack.callback(writer.stop)
            while writer.committed < 20:  # the load is on before the backup starts
                threading.Event().wait(0.01)
            before = writer.committed
            committed_before = list(writer.ids)
            made = run(source, "backup", str(tmp_path / "backup"))
            during = writer.committed
        finally:
            writer.stop()
        assert made.exit_code == 0, made.output
        assert during > before  # the portal kept writing during the backup
        manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
        written = manifest["row_counts"]["notifications"] - 1  # less the pending push's
        assert before <= written <= writer.committed  # all committed before it began, at least

        target = stack.enter_context(instance(tmp_path, "target"))
        restored = run(target, "restore", str(tmp_path / "backup"))
        assert restored.exit_code == 0, restored.output
        assert "校验和已核对" in restored.output
        assert counts(target) == manifest["row_counts"]
        with target.app_context():
            kept = set(db.session.scalars(sa.text("SELECT id FROM notifications")).all())
            db.session.remove()
        assert set(committed_before) <= kept  # every row committed before the backup began
        assert _home_of(target, phone) == home_before
        copied = Path(target.config["UPLOAD_FOLDER"]) / "proof" / "照片.jpg"
        assert copied.read_bytes() == b"\xff\xd8 a proof photo"

        scheduler.run_once(target)  # the restored instance delivers what was waiting
        arrived = [m for m in service.delivered() if m.payload.get("id") == note_id]
        assert len(arrived) == 1 and arrived[0].payload["title"] == "备份前的提醒"
        with source.app_context():
            from notifications.vapid import vapid_keys

            assert arrived[0].vapid_key == vapid_keys(source).public_key
        _a_new_push_reaches(target, service, user_id=_user_id_of(target, phone))
        assert service.errors() == []


def _user_id_of(app: Flask, phone: str) -> int:
    with app.app_context():
        found = db.session.scalar(sa.text("SELECT id FROM users WHERE phone = :p"), {"p": phone})
        db.session.remove()
    return int(found)


def _a_new_push_reaches(app: Flask, service, *, user_id: int) -> None:
    """A notification made in the restored instance reaches the old subscription, decrypted."""
    with app.app_context():
        note = Notification(user_id=user_id, kind="system", title="恢复后的提醒", body="新消息")
        db.session.add(note)
        db.session.flush()
        db.session.add(Delivery(notification_id=note.id, channel="push"))
        db.session.commit()
        note_id = note.id
        db.session.remove()
    scheduler.run_once(app)
    arrived = [m for m in service.delivered() if m.payload.get("id") == note_id]
    assert len(arrived) == 1 and arrived[0].payload["title"] == "恢复后的提醒"


def test_a_non_empty_instance_is_refused_without_force_and_replaced_with_it(tmp_path):
    """Restoring over data needs --force; without it, exit 1 and nothing changes."""
    with instance(tmp_path, "source") as source, instance(tmp_path, "target") as target:
        with source.app_context():
            factories.new_worker(factories.new_street().communities[0])
            db.session.commit()
        assert run(source, "backup", str(tmp_path / "b")).exit_code == 0
        with target.app_context():
            factories.new_user(name="只在目标里")
            db.session.commit()
        before = counts(target)

        refused = run(target, "restore", str(tmp_path / "b"))

        assert refused.exit_code == 1
        assert "--force" in refused.output and "Traceback" not in refused.output
        assert counts(target) == before
        forced = run(target, "restore", str(tmp_path / "b"), "--force")
        assert forced.exit_code == 0, forced.output
        assert counts(target) == counts(source)
        with target.app_context():
            names = db.session.scalars(sa.text("SELECT name FROM users")).all()
        assert "只在目标里" not in names


def _tamper(folder: Path) -> None:
    path = folder / json.loads((folder / "manifest.json").read_text())["database_file"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _mismatch(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["database"] = "postgresql" if manifest["database"] == "sqlite" else "sqlite"
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _newer(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["migration_head"] = "ffffffffffff"  # a migration this code does not have
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _truncate(folder: Path) -> None:
    path = folder / "vapid_private.pem"
    path.write_bytes(path.read_bytes()[:-10])


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (_tamper, "与其校验和不符"),
        (lambda folder: (folder / "manifest.json").unlink(), "缺少 manifest.json"),
        (lambda folder: (folder / "secret_key").unlink(), "备份不完整：缺少 secret_key"),
        (_mismatch, "请恢复到使用"),
        (_newer, "请先更新门户"),
        (_truncate, "vapid_private.pem 与其校验和不符"),
    ],
    ids=["tampered", "no manifest", "file missing", "other database kind", "newer", "truncated"],
)
def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path, spoil, says):
    """Every check comes first: a bad backup exits 1 with the reason, the target untouched."""
    with instance(tmp_path, "source") as source, instance(tmp_path, "target") as target:
        assert run(source, "push", "init").exit_code == 0
        with source.app_context():
            factories.new_worker(factories.new_street().communities[0])
            db.session.commit()
        assert run(source, "backup", str(tmp_path / "b")).exit_code == 0
        spoil(tmp_path / "b")
        before = counts(target)

        refused = run(target, "restore", str(tmp_path / "b"))

        assert refused.exit_code == 1, refused.output
        assert says in refused.output and "Traceback" not in refused.output
        assert counts(target) == before
        assert not (Path(target.instance_path) / "vapid_private.pem").exists()


def test_backup_refuses_a_folder_that_is_not_empty(tmp_path):
    """An existing backup is never written over."""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "old.txt").write_text("an earlier backup")
    with instance(tmp_path, "source") as source:
        refused = run(source, "backup", str(tmp_path / "b"))
    assert refused.exit_code == 1 and "不是空文件夹" in refused.output
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["old.txt"]
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


def test_a_backup_of_an_older_schema_is_upgraded_on_restore(tmp_path):
    """A backup taken at an older migration restores and is brought to the current head."""
    with (
        instance(tmp_path, "old", revision=OLDER_HEAD) as old,
        instance(tmp_path, "target") as target,
    ):
        made = run(old, "backup", str(tmp_path / "b"))
        assert made.exit_code == 0, made.output
        assert json.loads((tmp_path / "b" / "manifest.json").read_text())["migration_head"] == (
            OLDER_HEAD
        )
        with target.app_context(), db.engine.connect() as connection:
            head = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

        restored = run(target, "restore", str(tmp_path / "b"))

        assert restored.exit_code == 0, restored.output
        assert OLDER_HEAD in restored.output and head in restored.output
        with target.app_context(), db.engine.connect() as connection:
            now = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            columns = {c["name"] for c in sa.inspect(connection).get_columns("deliveries")}
        assert now == head and "lease_until" in columns


LEFTOVER_WAL = """
import os, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("PRAGMA wal_autocheckpoint=0")
connection.execute("CREATE TABLE leftover (n INTEGER)")
connection.executemany("INSERT INTO leftover VALUES (?)", [(n,) for n in range(100)])
os._exit(0)  # a crash: no checkpoint, the -wal stays behind
"""


def test_a_leftover_wal_beside_the_sqlite_target_is_not_replayed(tmp_path):
    """Restoring over a crashed SQLite instance gives the snapshot, not its old -wal.

    On SQLite files in both legs: the write-ahead log is SQLite's.
    """
    with (
        instance(tmp_path, "source", on="sqlite") as source,
        instance(tmp_path, "target", on="sqlite") as target,
    ):
        assert run(source, "backup", str(tmp_path / "b")).exit_code == 0
        path = Path(target.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        with target.app_context():
            db.engine.dispose()
        subprocess.run([sys.executable, "-c", LEFTOVER_WAL, str(path)], check=True)  # noqa: S603
        assert Path(f"{path}-wal").stat().st_size > 0

        restored = run(target, "restore", str(tmp_path / "b"), "--force")

        assert restored.exit_code == 0, restored.output
        assert counts(target) == counts(source)
        with sqlite3.connect(path) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        assert "leftover" not in tables
