"""Command-line tools: every `flask --app portal …` command is registered here."""

from __future__ import annotations

import secrets

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from notifications import cli as notification_cli
from portal import demo
from portal.admin import cli as import_cli
from portal.auth.passwords import password_problem
from portal.extensions import db
from portal.people.models import User


@click.command("seed-demo")
@click.option("--password", help="Password for every demo login (generated if omitted).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def seed_demo_command(password: str | None, if_empty: bool) -> None:
    """Build a realistic demo street and print the demo logins."""
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


def init_app(app: Flask) -> None:
    """Register every CLI command, all at the top level (`flask seed-demo`, `flask import`, …)."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(import_cli.import_command)
    notification_cli.register(app.cli)
