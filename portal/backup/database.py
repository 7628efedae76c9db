"""Copying the database out and back: SQLite's online backup API, or pg_dump/pg_restore.

A snapshot and its row counts come from one consistent view: on SQLite the counts are
taken from the copy; on PostgreSQL pg_dump runs in a snapshot exported by the
transaction that counted (``pg_dump --snapshot``).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.backup.errors import BackupError

SQLITE_FILE = "database.sqlite"
POSTGRES_FILE = "database.pgdump"
TOOL_TIMEOUT = 3600  # seconds pg_dump or pg_restore may take


def kind_of(engine: sa.Engine) -> str:
    """Return "sqlite" or "postgresql"."""
    name = engine.url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(_("Backups support SQLite and PostgreSQL, not %(name)s.", name=name))
    return name


def file_for(kind: str) -> str:
    """Return the name of the database file in a backup of this kind."""
    return SQLITE_FILE if kind == "sqlite" else POSTGRES_FILE


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def count_rows(connection: sa.Connection) -> dict[str, int]:
    """Return the number of rows of every table (alembic_version included)."""
    names = sa.inspect(connection).get_table_names()
    return {
        name: connection.exec_driver_sql(f"SELECT count(*) FROM {_quoted(name)}").scalar_one()  # noqa: S608
        for name in sorted(names)
    }


def migration_head(connection: sa.Connection) -> str | None:
    """Return the database's Alembic revision (None before the first migration)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def holds_data(connection: sa.Connection) -> bool:
    """Return whether any table but alembic_version has a row."""
    counts = count_rows(connection)
    return any(n for name, n in counts.items() if name != "alembic_version")


# -- SQLite -------------------------------------------------------------------------------------


def sqlite_path(engine: sa.Engine) -> Path:
    """Return the database file of a SQLite engine."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError(_("An in-memory SQLite database cannot be backed up or restored."))
    return Path(database)


def snapshot_sqlite(engine: sa.Engine, target: Path) -> tuple[dict[str, int], str | None]:
    """Copy the live database into ``target`` with the online backup API; count the copy."""
    source = sqlite3.connect(f"file:{sqlite_path(engine)}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent read snapshot; WAL writers go on
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        source.close()
        copy.close()
    counted = sa.create_engine(f"sqlite:///{target}")
    try:
        with counted.connect() as connection:
            return count_rows(connection), migration_head(connection)
    finally:
        counted.dispose()


def restore_sqlite(engine: sa.Engine, backup_file: Path) -> None:
    """Write the backup into the target database through SQLite itself.

    The target is opened first (a leftover ``-wal`` of the old database is settled into
    it), then overwritten page by page by the backup API: the result is the snapshot.
    """
    engine.dispose()
    path = sqlite_path(engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as error:
        raise BackupError(
            _("Restoring the SQLite database failed: %(error)s", error=error)
        ) from error
    finally:
        source.close()
        target.close()


# -- PostgreSQL ---------------------------------------------------------------------------------


def _major_of(path: str) -> int:
    return int(re.sub(r"\D", "", path.split("/")[4]) or 0)


def postgres_tool(name: str, major: int | None = None) -> str:
    """Return Debian's pg_dump/pg_restore/psql for the server's major version.

    The server's own version is taken when installed, else the oldest newer one (pg_dump
    must not be older than the server), else the one on PATH.
    """
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major_of)
    fitting = [path for path in found if major is None or _major_of(path) >= major]
    if fitting:
        tool: str | None = fitting[0] if major is not None else fitting[-1]
    else:
        tool = shutil.which(name)  # if it is too old, pg_dump itself says so
    if not tool:
        raise BackupError(
            _("%(tool)s is not installed (Debian package postgresql-client).", tool=name)
        )
    return tool


def server_major(engine: sa.Engine) -> int:
    """Return the PostgreSQL server's major version (15 for 15.4)."""
    with engine.connect() as connection:
        number = connection.exec_driver_sql("SHOW server_version_num").scalar_one()
    return int(number) // 10000


def _libpq(engine: sa.Engine) -> tuple[str, dict[str, str]]:
    """Return a libpq URL without the password, and an environment carrying it."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str, stdin: Any = None) -> None:
    done = subprocess.run(  # noqa: S603 - Debian's own tools, arguments from our config
        command,
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BackupError(_("%(what)s failed: %(detail)s", what=what, detail=" ".join(detail)))


@contextmanager
def _exported_snapshot(engine: sa.Engine) -> Iterator[tuple[sa.Connection, str]]:
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            yield connection, snapshot


def snapshot_postgres(engine: sa.Engine, target: Path) -> tuple[dict[str, int], str | None]:
    """pg_dump in custom format, in the snapshot in which the rows were counted."""
    url, env = _libpq(engine)
    major = server_major(engine)
    with _exported_snapshot(engine) as (connection, snapshot):
        counts, head = count_rows(connection), migration_head(connection)
        _run(
            [
                postgres_tool("pg_dump", major),
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-owner",
                "--no-privileges",
                f"--file={target}",
                f"--dbname={url}",
            ],
            env,
            "pg_dump",
        )
    return counts, head


def restore_postgres(engine: sa.Engine, backup_file: Path) -> None:
    """Replace the database's schema by the dump's, in one transaction (all or nothing).

    ``pg_restore`` turns the dump into SQL; ``psql --single-transaction`` drops the public
    schema, recreates it and runs that SQL: a failure anywhere leaves the database as it was.
    """
    major = server_major(engine)
    engine.dispose()
    url, env = _libpq(engine)
    script = subprocess.Popen(  # noqa: S603 - Debian's own tools, arguments from our config
        [
            postgres_tool("pg_restore", major),
            "--no-owner",
            "--no-privileges",
            "--file=-",
            str(backup_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        _run(
            [
                postgres_tool("psql", major),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "--single-transaction",
                "-c",
                "DROP SCHEMA IF EXISTS public CASCADE",
                "-c",
                "CREATE SCHEMA public",
                "-f",
                "-",
                f"--dbname={url}",
            ],
            env,
            "psql",
            stdin=script.stdout,
        )
    finally:
        if script.stdout is not None:
            script.stdout.close()
        script.wait(timeout=TOOL_TIMEOUT)
        problem = script.stderr.read().decode(errors="replace").strip() if script.stderr else ""
        if script.stderr is not None:
            script.stderr.close()
    if script.returncode != 0:
        raise BackupError(
            _("%(what)s failed: %(detail)s", what="pg_restore", detail=problem[-300:])
        )
