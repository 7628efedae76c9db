"""``flask --app portal backup DIR`` and ``flask --app portal restore DIR [--force]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask.globals import app_ctx
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.backup import operations
from portal.backup.errors import BackupError


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(folder: Path) -> None:
    """Back up the database, secrets and uploads into a new FOLDER (safe while serving)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            manifest = operations.backup(app_ctx.app, folder)
        except BackupError as error:
            raise click.ClickException(error.message) from None
        rows = sum(manifest.row_counts.values())
        click.echo(
            _(
                "Backup written to %(folder)s: %(kind)s database at migration %(head)s, "
                "%(rows)s rows in %(tables)s tables, %(files)s files.",
                folder=folder,
                kind=manifest.database,
                head=manifest.migration_head,
                rows=rows,
                tables=len(manifest.row_counts),
                files=len(manifest.files),
            )
        )
        for name, source in manifest.secrets.items():
            if source == "environment":
                click.echo(
                    _("Not in the backup: %(name)s (it is set in the environment).", name=name)
                )


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data of a non-empty instance.")
@with_appcontext
def restore_command(folder: Path, force: bool) -> None:
    """Restore a backup FOLDER into this instance (stop the web servers and scheduler first)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            report = operations.restore(app_ctx.app, folder, force=force)
        except BackupError as error:
            raise click.ClickException(error.message) from None
        click.echo(
            _(
                "Restored the backup of %(created)s: %(rows)s rows, checksums verified; "
                "schema at migration %(head)s (the backup was at %(old)s).",
                created=report.manifest.created_at,
                rows=sum(report.manifest.row_counts.values()),
                head=report.migrated_to,
                old=report.migrated_from,
            )
        )
        for note in report.notes:
            click.echo(note)
