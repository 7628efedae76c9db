"""Command-line tools: ``scheduler``, ``push init`` and ``reminders run-once``.

flask --app portal scheduler [--wait]         # the reminder process (one per database)
flask --app portal push init [--force]        # VAPID key pair into the instance folder
flask --app portal push key                   # print the public key
flask --app portal reminders run-once         # issue and deliver once (cron, tests)
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask.globals import app_ctx
from flask_babel import force_locale
from flask_babel import gettext as _

from notifications import scheduler, vapid
from notifications.reminders import DAILY, FREQUENT
from portal.database import WriteLockBusy
from portal.timeutil import LOCAL_TZ


@click.command("scheduler")
@click.option(
    "--wait", is_flag=True, help="Wait for a running scheduler to stop instead of exiting."
)
@with_appcontext
def scheduler_command(wait: bool) -> None:
    """Run the reminder scheduler (its own process; one per database)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = app_ctx.app  # the app itself, not the context-local proxy: threads keep it
    try:
        status = scheduler.serve(app, wait=wait, echo=lambda text: click.echo(text))
    except scheduler.AlreadyRunning as error:
        raise click.ClickException(
            f"Another scheduler is already running for this database ({error}). "
            "Stop it first, or start this one with --wait to take over when it stops."
        ) from None
    raise SystemExit(status)


push_group = AppGroup("push", help="Web push (VAPID keys).")


@push_group.command("init")
@click.option("--force", is_flag=True, help="Replace an existing key pair (subscriptions break).")
@click.option("--if-missing", is_flag=True, help="Do nothing (exit 0) when a key pair exists.")
def push_init_command(force: bool, if_missing: bool) -> None:
    """Generate the VAPID key pair once into the instance folder and print the public key."""
    app = app_ctx.app
    from_environment = vapid.vapid_keys(app) if app.config.get("VAPID_PRIVATE_KEY") else None
    if from_environment is not None:
        click.echo("VAPID keys come from the environment (VAPID_PRIVATE_KEY); nothing written.")
        click.echo(f"Public key: {from_environment.public_key}")
        return
    try:
        keys = vapid.generate_keys(app, force=force)
    except FileExistsError:
        existing = vapid.read_key_file(vapid.key_file(app))
        if if_missing:
            click.echo(f"VAPID key pair kept ({vapid.key_file(app)}).")
            click.echo(f"Public key: {existing.public_key}")
            return
        raise click.ClickException(
            f"A VAPID key pair already exists in {vapid.key_file(app)}; not overwritten. "
            "Replacing it breaks every browser's push subscription: use --force if you mean it."
        ) from None
    click.echo(f"VAPID key pair written to {keys.source}.")
    click.echo(f"Public key: {keys.public_key}")


@push_group.command("key")
def push_key_command() -> None:
    """Print the VAPID public key (the applicationServerKey browsers subscribe with)."""
    keys = vapid.vapid_keys(app_ctx.app)
    if keys is None:
        raise click.ClickException("No VAPID key pair: run `flask --app portal push init`.")
    click.echo(keys.public_key)


reminders_group = AppGroup("reminders", help="Reminders (issue and deliver).")


def _parse_at(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:  # a wall-clock time means Shanghai, like everything shown
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC)


@reminders_group.command("run-once")
@click.option("--at", "at", help="Pretend it is this moment (ISO 8601; no zone = Shanghai).")
@click.option("--no-send", is_flag=True, help="Issue into the inbox only; do not deliver.")
@click.option(
    "--cadence",
    type=click.Choice([FREQUENT, DAILY]),
    help="Only the reminders looked for at this cadence (default: all).",
)
def run_once_command(at: str | None, no_send: bool, cadence: str | None) -> None:
    """Issue the reminders due now (exactly once) and deliver what is due."""
    app = app_ctx.app
    report = scheduler.run_once(app, now=_parse_at(at), send=not no_send, cadence=cadence)
    issued = report.issued
    click.echo(
        f"Issued {issued.issued} new reminders ({issued.already} already issued, "
        f"{issued.switched_off} switched off by their users)."
    )
    if report.delivery_busy is not None:
        raise click.ClickException(delivery_busy_message(report.delivery_busy))
    if report.delivered is not None:
        outcomes = ", ".join(f"{n} {k}" for k, n in sorted(report.delivered.outcomes.items()))
        click.echo(f"Deliveries: {outcomes or 'none due'}.")


def delivery_busy_message(busy: WriteLockBusy) -> str:
    """Say that the reminders were issued but delivery stopped at a busy write lock."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _(
            "Delivery stopped: the database is busy (another program kept its write lock for "
            "%(seconds)s s). The reminders above are in the inbox; what was sent is recorded, "
            "and the rest goes out at the next run.",
            seconds=f"{busy.seconds:g}",
        )


def register(cli: click.Group) -> None:
    """Add the commands to a Flask CLI group (the app's; see portal.cli.init_app)."""
    cli.add_command(scheduler_command)
    cli.add_command(push_group)
    cli.add_command(reminders_group)
