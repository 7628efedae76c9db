"""Command-line tools: every `flask --app portal …` command is registered here.

Commands that write do it inside ``portal.database.writing()``: on SQLite each
transaction waits a bounded time for the write lock. When the wait runs out, every
command stops the same way (``refuse_when_busy``): a message, status 1, nothing changed.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from notifications import cli as notification_cli
from portal import demo
from portal.admin import cli as import_cli
from portal.auth.passwords import password_problem
from portal.backup import cli as backup_cli
from portal.database import WriteLockBusy, writing
from portal.extensions import db
from portal.people.models import User
from portal.platform import cli as org_cli


@click.command("seed-demo")
@click.option("--password", help="Password for every demo login (generated if omitted).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def seed_demo_command(password: str | None, if_empty: bool) -> None:
    """Build a realistic demo street and print the demo logins."""
    with writing():
        _seed_demo(password, if_empty)


def _seed_demo(password: str | None, if_empty: bool) -> None:
    if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        if if_empty:
            click.echo("Database already has users; demo data not loaded again.")
            logins = demo.existing_logins()
            if logins and password:
                click.echo(demo.format_logins(logins, password=password, generated=False))
            return
        raise click.ClickException(
            "The database already has users. Demo data goes into an empty database only "
            "(delete instance/portal.db or point DATABASE_URL at a new database)."
        )
    problem = password and password_problem(password, phone=None, staff_no=None, name=None)
    if problem:
        raise click.BadParameter(str(problem), param_hint="--password")
    generated = password is None
    password = password or secrets.token_urlsafe(9)
    logins = demo.build_demo(password=password)
    db.session.commit()
    click.echo(demo.format_logins(logins, password=password, generated=generated))


def busy_message(busy: WriteLockBusy) -> str:
    """Say what was busy, that nothing changed and what to do (in the portal's language)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _(
            "The database is busy: another program kept its write lock for %(seconds)s s "
            "(%(database)s). Nothing was changed. Try again in a moment, or set "
            "PORTAL_WRITE_LOCK_TIMEOUT to wait longer.",
            seconds=f"{busy.seconds:g}",
            database=busy.database,
        )


_REFUSES = "_portal_refuses_when_busy"  # commands are module objects: wrap each once


def refuse_when_busy(command: click.Command) -> None:
    """Make ``command`` (and a group's subcommands) exit 1 with busy_message, not a traceback."""
    callback: Callable[..., Any] | None = command.callback
    if callback is not None and not getattr(callback, _REFUSES, False):

        @functools.wraps(callback)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return callback(*args, **kwargs)
            except WriteLockBusy as busy:  # raised in the command's app context
                db.session.rollback()
                raise click.ClickException(busy_message(busy)) from None

        setattr(run, _REFUSES, True)
        command.callback = run
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            refuse_when_busy(subcommand)


def init_app(app: Flask) -> None:
    """Register every CLI command, all at the top level (`flask seed-demo`, `flask import`, …)."""
    others = set(app.cli.commands)  # e.g. Flask-Migrate's `db`
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(import_cli.import_command)
    app.cli.add_command(backup_cli.backup_command)
    app.cli.add_command(backup_cli.restore_command)
    app.cli.add_command(org_cli.org_command)
    notification_cli.register(app.cli)
    for name, command in app.cli.commands.items():
        if name not in others:
            refuse_when_busy(command)
