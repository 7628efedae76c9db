"""The database layer: declarative base, column types, and binding SQLAlchemy to the app.

SQLite gets WAL, foreign keys and real transactions. This module imports neither the
models at the top, nor the extensions at all (they import it for Base and the column types).
"""

from __future__ import annotations

import enum
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy.orm import DeclarativeBase, Session

__all__ = [
    "DEFAULT_WRITE_LOCK_TIMEOUT",
    "Base",
    "UTCDateTime",
    "WriteLockBusy",
    "commit_keeping_loaded",
    "configure_engine",
    "enum_type",
    "init_app",
    "render_alembic_item",
    "request_write_lock_timeout",
    "rows_matched",
    "takes_write_lock",
    "write_from_here",
    "write_lock_timeout",
    "write_next",
    "writes",
    "writing",
]

# Stable constraint names so Alembic revisions are reproducible on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC timestamps only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def rows_matched(result: sa.Result[Any]) -> int:
    """Return how many rows the UPDATE or DELETE that gave ``result`` matched."""
    # Session.execute is annotated as returning a Result; for DML it is a CursorResult.
    if not isinstance(result, sa.CursorResult):
        raise TypeError("rows_matched() takes the result of an UPDATE or DELETE")
    return result.rowcount


def commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring the loaded objects, so a page can show them without reloading.

    For a view that renders what it has just written: the rows as this transaction saw
    them are what was committed, and reading them again would only cost a query each.
    """
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def write_from_here(session: Session) -> None:
    """Take SQLite's write lock for the rest of the request, from this point on.

    For a view that reads a good deal (the session user, the rows it checks) before one
    short write: not marked ``@writes``, its reads run in an ordinary transaction that
    waits for no writer; here that transaction ends, keeping what it loaded, and the next
    one begins with the write lock, held only for the write. A no-op on PostgreSQL.
    """
    if session.get_bind().dialect.name == "sqlite":
        commit_keeping_loaded(session)
        write_next()


def enum_type(enum_cls: type[enum.Enum], length: int = 32) -> sa.Enum:
    """Store a StrEnum as its value in a VARCHAR (portable, readable in SQL)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def render_alembic_item(type_: str, obj, autogen_context):
    """Render our column types in Alembic revisions as plain SQLAlchemy types."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, sa.Enum):
        values = ", ".join(repr(v) for v in obj.enums)
        return f"sa.Enum({values}, native_enum=False, length={obj.length})"
    return False


DEFAULT_WRITE_LOCK_TIMEOUT = 30.0  # seconds a job or command waits for SQLite's write lock
REQUEST_BUSY_TIMEOUT_MS = 15000  # what a request waits (a person is looking at a spinner)
SQLITE_BUSY = 5
_BUSY_TIMEOUT = "portal_busy_timeout_ms"  # the connection's current busy_timeout, in its info


class WriteLockBusy(RuntimeError):
    """A job's transaction could not take SQLite's write lock within the bounded wait.

    Raised before the transaction began, so nothing of it was written.
    """

    def __init__(self, database: str, seconds: float) -> None:
        super().__init__(f"the write lock on {database} stayed busy for {seconds:g} s")
        self.database = database
        self.seconds = seconds


def _sqlite_on_connect(dbapi_connection, record) -> None:
    # Let SQLAlchemy own transactions (pysqlite's legacy mode breaks SAVEPOINT).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={REQUEST_BUSY_TIMEOUT_MS}")
    record.info[_BUSY_TIMEOUT] = REQUEST_BUSY_TIMEOUT_MS
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _set_busy_timeout(connection: sa.Connection, milliseconds: int) -> None:
    pooled = connection.connection  # its info lives as long as the SQLite connection
    if pooled.info.get(_BUSY_TIMEOUT) != milliseconds:
        cursor = pooled.cursor()  # the driver's own cursor: no statement events, no counting
        cursor.execute(f"PRAGMA busy_timeout={milliseconds}")
        cursor.close()
        pooled.info[_BUSY_TIMEOUT] = milliseconds


def _is_busy(error: sa.exc.OperationalError) -> bool:
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == SQLITE_BUSY


def request_write_lock_timeout() -> float:
    """Return how long a request waits for SQLite's write lock, in seconds (then a 503)."""
    default = REQUEST_BUSY_TIMEOUT_MS / 1000
    return float(current_app.config.get("REQUEST_WRITE_LOCK_TIMEOUT", default))


def write_lock_timeout() -> float:
    """Return how long a job or command waits for SQLite's write lock, in seconds."""
    return float(current_app.config.get("WRITE_LOCK_TIMEOUT", DEFAULT_WRITE_LOCK_TIMEOUT))


WRITE_LOCK_POLL_SECONDS = 0.0005  # how often the process's waiter retries BEGIN IMMEDIATE


def _write_lock_busy(connection: sa.Connection, seconds: float) -> sa.exc.OperationalError:
    """Return "database is locked" (SQLITE_BUSY) for a wait that ran out: a 503 for a request."""
    database = connection.engine.url.database or ""
    error = sqlite3.OperationalError(
        f"database is locked: the write lock on {database} stayed busy for {seconds:g} s"
    )
    error.sqlite_errorcode = SQLITE_BUSY
    return sa.exc.OperationalError("BEGIN IMMEDIATE", None, error)


class _WriteTurn:
    """The process's turn to wait for SQLite's write lock: its threads queue here first.

    SQLite's busy handler sleeps between its tries, in steps that grow to 100 ms, so
    threads waiting there start late, in no order, and a lock freed in a millisecond
    stays idle for tens. Here the threads of a process queue on a lock of the process;
    the first in line alone waits for SQLite's lock, trying ``BEGIN IMMEDIATE`` (busy
    timeout 0: no sleep inside SQLite) every ``WRITE_LOCK_POLL_SECONDS``, and the others
    wait for it without polling. The turn passes on once ``BEGIN IMMEDIATE`` has the
    lock, not at the commit: the next thread of this process then polls like the other
    processes' waiter, so no process can hand the lock from thread to thread while the
    others starve. After `seconds` in all the wait ends with SQLite's "database is
    locked" (``OperationalError``, SQLITE_BUSY), before anything was written.
    """

    def __init__(self) -> None:  # noqa: D107
        self._lock = threading.Lock()

    def begin_immediate(self, connection: sa.Connection, seconds: float) -> None:
        """Wait for the turn, then for SQLite's write lock: `seconds` at most in all."""
        deadline = time.monotonic() + seconds
        if not self._lock.acquire(timeout=max(seconds, 0.001)):
            raise _write_lock_busy(connection, seconds)
        try:
            _set_busy_timeout(connection, 0)  # SQLite answers BUSY at once; we poll
            cursor = connection.connection.cursor()  # the driver's: no events per try
            try:
                while True:
                    try:
                        cursor.execute("BEGIN IMMEDIATE")
                        return
                    except sqlite3.OperationalError as error:
                        if error.sqlite_errorcode & 0xFF != SQLITE_BUSY:
                            raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, error) from error
                        if time.monotonic() >= deadline:
                            raise _write_lock_busy(connection, seconds) from error
                    time.sleep(WRITE_LOCK_POLL_SECONDS)
            finally:
                cursor.close()
        finally:
            self._lock.release()


def _sqlite_on_begin(connection: sa.Connection, turn: _WriteTurn) -> None:
    # SQLite cannot upgrade a read transaction to a write one under contention (it fails
    # with "database is locked" without waiting), so requests that write take the write
    # lock up front and queue for it instead.
    # Only the request's first transaction (the one that writes): after its commit, the
    # page renders in an ordinary read transaction without holding the write lock.
    job = has_app_context() and g.get(_ALWAYS, False)
    immediate = job or (has_app_context() and g.pop(_WRITES, False))
    if not job:
        if immediate:
            turn.begin_immediate(connection, request_write_lock_timeout())
        else:
            _set_busy_timeout(connection, REQUEST_BUSY_TIMEOUT_MS)
            connection.exec_driver_sql("BEGIN")
        return
    # A job or command waits its bounded turn, then gives up with a clear WriteLockBusy.
    seconds = write_lock_timeout()
    try:
        turn.begin_immediate(connection, seconds)
    except sa.exc.OperationalError as error:
        if not _is_busy(error):
            raise
        raise WriteLockBusy(connection.engine.url.database or "", seconds) from error


_WRITES = "_portal_writes"
_VIEW_WRITES = "_portal_writes"  # the mark @writes leaves on a view function
_ALWAYS = "_portal_writes_always"


@contextmanager
def writing() -> Iterator[None]:
    """Begin every transaction inside the block with the write lock (SQLite; a no-op elsewhere).

    For jobs outside a view (scheduler, CLI) that read and then write in a loop. Each
    transaction waits at most ``WRITE_LOCK_TIMEOUT`` seconds for the lock, then raises
    ``WriteLockBusy`` without having written anything. PostgreSQL locks rows instead:
    there the block changes nothing.
    """
    previous = g.get(_ALWAYS, False)
    setattr(g, _ALWAYS, True)
    try:
        yield
    finally:
        setattr(g, _ALWAYS, previous)


def write_next() -> None:
    """Make the session's next transaction take the write lock at once (SQLite; else a no-op).

    For a small write after the view's own transaction (e.g. in an after_request hook).
    """
    setattr(g, _WRITES, True)


_ViewT = TypeVar("_ViewT", bound=Callable[..., Any])


def writes(view: _ViewT) -> _ViewT:
    """Mark a view as one that writes, so its transaction takes the write lock at once."""
    setattr(view, _VIEW_WRITES, True)  # read by _mark_writing_request before any query runs
    return view


def takes_write_lock(view: Callable[..., Any] | None) -> bool:
    """Whether a registered view function was marked with ``@writes``."""
    return getattr(view, _VIEW_WRITES, False)


def _mark_writing_request() -> None:
    if takes_write_lock(current_app.view_functions.get(request.endpoint or "")):
        setattr(g, _WRITES, True)


def configure_engine(engine: sa.Engine) -> None:
    """Install the per-connection settings an engine needs."""
    if engine.dialect.name == "sqlite":
        turn = _WriteTurn()  # one per engine and process (gunicorn forks before creating it)

        def on_begin(connection: sa.Connection) -> None:
            _sqlite_on_begin(connection, turn)

        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", on_begin)


def init_app(app: Flask, db) -> None:
    """Bind the database (``portal.extensions.db``, passed in) to the app; configure its engine.

    Taking ``db`` as an argument keeps the arrow one way: extensions import this module
    for ``Base``, this module imports no extension.
    """
    from portal import models  # noqa: F401 - registers every table on the metadata

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    # Registered before the blueprints' hooks, which may already query (the session user).
    app.before_request(_mark_writing_request)
