"""`flask --app portal import FILE.xlsx --kind roster|appraisals|certificates|care --street ID`.

The command-line twin of the import page: the same checks, the same report, the same
all-or-nothing commit. It exits with status 1 when the file has errors or the database
stays busy (SQLite's write lock, see portal.cli), and changes nothing with --dry-run.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from portal.database import writing
from portal.extensions import db
from portal.imports.commit import load_street, run_import
from portal.imports.reader import Limits
from portal.imports.report import lines
from portal.imports.templates import Kind
from portal.timeutil import local_today


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    required=True,
    type=click.Choice([kind.value for kind in Kind]),
    help="What the file holds.",
)
@click.option("--street", "street_id", required=True, type=int, help="Id of the street.")
@click.option("--dry-run", is_flag=True, help="Check and report only; change nothing.")
@with_appcontext
def import_command(file: Path, kind: str, street_id: int, dry_run: bool) -> None:
    """Import an .xlsx made from the template into one street (all rows or none)."""
    street = load_street(street_id)
    if street is None:
        raise click.ClickException(f"No street with id {street_id}.")
    limits = Limits.from_config(current_app.config)
    limit = limits.file_bytes
    if file.stat().st_size > limit:
        raise click.ClickException(f"The file is larger than {limit / 2**20:g} MB.")
    # End this read. The import is checked, planned and written in one transaction that,
    # on SQLite, holds the write lock from its first query: it waits its turn behind the
    # portal's writes (a bounded wait) instead of failing to turn a read into a write.
    # run_import reads the workbook before that first query (the street reloads), so the
    # portal is not kept waiting while the file is parsed. A dry run only reads.
    db.session.commit()
    # No request, no user: report in the portal's default language.
    with (
        force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]),
        nullcontext() if dry_run else writing(),
    ):
        try:
            report = run_import(
                file.read_bytes(),
                Kind(kind),
                street=street,
                actor=None,
                today=local_today(),
                filename=file.name,
                commit=not dry_run,
                limits=limits,
                via="cli",
            )
            if report.committed:
                db.session.commit()  # otherwise nothing was written: planning only reads
        except IntegrityError as error:
            db.session.rollback()
            raise click.ClickException(
                f"Nothing imported: the database refused it ({error.orig})."
            ) from None
        for line in lines(report):
            click.echo(line)
        if dry_run and report.ok:
            click.echo("--dry-run: nothing was changed.")
    if not report.ok:
        raise SystemExit(1)
