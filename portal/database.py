"""Bind SQLAlchemy to the app; SQLite gets WAL, foreign keys and real transactions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from portal import models  # noqa: F401 - registers every table on the metadata
from portal.extensions import db

__all__ = ["db", "init_app"]


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy own transactions (pysqlite's legacy mode breaks SAVEPOINT).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def configure_engine(engine: sa.Engine) -> None:
    """Install the per-connection settings an engine needs."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)


def init_app(app: Flask) -> None:
    """Bind the database to the app and configure its engine."""
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
