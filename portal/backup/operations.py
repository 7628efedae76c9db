"""Taking a backup of this instance, and restoring one into it."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import cast

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from flask import Flask
from flask_babel import gettext as _
from flask_migrate import upgrade

from notifications.vapid import PRIVATE_KEY_FILE
from portal.backup import database
from portal.backup.errors import BackupError
from portal.backup.manifest import Manifest, describe_files, read_manifest, verify_files
from portal.extensions import db, migrate

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
UPLOADS = "uploads"


def app_version() -> str:
    """Return the installed portal's version."""
    try:
        return version("community-worker-portal")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _secret_sources(app: Flask) -> dict[str, Path | str]:
    """Where each secret lives: a file of the instance, "environment" or "none"."""
    instance = Path(app.instance_path)
    vapid_file = instance / PRIVATE_KEY_FILE
    secret_file = instance / SECRET_KEY_FILE
    return {
        SECRET_KEY_FILE: "environment" if os.environ.get("PORTAL_SECRET_KEY") else secret_file,
        PRIVATE_KEY_FILE: "environment"
        if app.config.get("VAPID_PRIVATE_KEY")
        else (vapid_file if vapid_file.exists() else "none"),
    }


def _prepare(folder: Path) -> Path:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(_("%(folder)s is not empty: back up into a new folder.", folder=folder))
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    return partial


def backup(app: Flask, folder: Path) -> Manifest:
    """Write a consistent backup of the instance into the new folder ``folder``.

    The backup is built beside it and renamed into place once its manifest is written:
    a crash leaves a hidden ``.NAME.partial-PID`` folder, never something that looks whole.
    """
    partial = _prepare(folder)
    try:
        engine = db.engine
        kind = database.kind_of(engine)
        target = partial / database.file_for(kind)
        snapshot = database.snapshot_sqlite if kind == "sqlite" else database.snapshot_postgres
        counts, head = snapshot(engine, target)
        secrets: dict[str, str] = {}
        for name, source in _secret_sources(app).items():
            if isinstance(source, Path):
                shutil.copy2(source, partial / name)
                secrets[name] = "file"
            else:
                secrets[name] = source
        uploads = Path(app.config["UPLOAD_FOLDER"])
        if uploads.is_dir():
            shutil.copytree(uploads, partial / UPLOADS)
        manifest = Manifest(
            app_version=app_version(),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            database=kind,
            database_file=target.name,
            migration_head=head,
            row_counts=counts,
            secrets=secrets,
            files=describe_files(partial),
        )
        manifest.write(partial)
        if folder.exists():
            folder.rmdir()  # empty (checked above)
        partial.rename(folder)
    except OSError as error:  # shutil.Error too: a file that cannot be read or copied
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(
            _(
                "The backup failed: %(error)s. Nothing was written to %(folder)s.",
                error=error,
                folder=folder,
            )
        ) from error
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


@dataclass
class RestoreReport:
    """What a restore did."""

    manifest: Manifest
    migrated_from: str | None
    migrated_to: str | None
    notes: list[str]


def _target_holds_data(app: Flask) -> bool:
    with db.engine.connect() as connection:
        if database.holds_data(connection):
            return True
    uploads = Path(app.config["UPLOAD_FOLDER"])
    return uploads.is_dir() and any(path.is_file() for path in uploads.rglob("*"))


def _check_known_revision(head: str | None) -> None:
    """Refuse a backup made by a newer portal: its migration is unknown to this code."""
    if head is None:
        return
    script = ScriptDirectory.from_config(cast("Config", migrate.get_config()))
    try:
        known = script.get_revision(head) is not None
    except (RevisionError, CommandError):
        known = False
    if not known:
        raise BackupError(
            _(
                "This backup is at migration %(head)s, which this version of the portal does "
                "not know: it was made by a newer version. Update the portal first.",
                head=head,
            )
        )


def check_restorable(app: Flask, folder: Path, *, force: bool) -> Manifest:
    """Every check a restore makes before it changes anything."""
    manifest = read_manifest(folder)
    verify_files(folder, manifest)
    _check_known_revision(manifest.migration_head)
    kind = database.kind_of(db.engine)
    if manifest.database != kind:
        raise BackupError(
            _(
                "This backup is of a %(backup)s database; this instance uses %(here)s. "
                "Restore it into an instance on %(backup)s.",
                backup=manifest.database,
                here=kind,
            )
        )
    if not force and _target_holds_data(app):
        raise BackupError(
            _(
                "This instance already holds data. Restore into an empty instance, or add "
                "--force to replace everything in it with the backup."
            )
        )
    return manifest


def _restore_files(app: Flask, folder: Path, manifest: Manifest) -> list[str]:
    instance = Path(app.instance_path)
    notes = []
    for name, source in manifest.secrets.items():
        if source == "file":
            shutil.copy2(folder / name, instance / name)
            (instance / name).chmod(0o600)
        elif source == "environment":
            notes.append(_("%(name)s came from the environment: set it here as before.", name=name))
    uploads = Path(app.config["UPLOAD_FOLDER"])
    fresh = uploads.with_name(uploads.name + ".restoring")
    shutil.rmtree(fresh, ignore_errors=True)
    if (folder / UPLOADS).is_dir():
        shutil.copytree(folder / UPLOADS, fresh)
    else:
        fresh.mkdir(parents=True)
    old = uploads.with_name(uploads.name + ".replaced")
    shutil.rmtree(old, ignore_errors=True)
    if uploads.exists():
        uploads.rename(old)
    fresh.rename(uploads)
    shutil.rmtree(old, ignore_errors=True)
    return notes


def restore(app: Flask, folder: Path, *, force: bool = False) -> RestoreReport:
    """Restore a backup into this instance, check its rows and upgrade its schema."""
    manifest = check_restorable(app, folder, force=force)
    engine = db.engine
    source = folder / manifest.database_file
    if manifest.database == "sqlite":
        database.restore_sqlite(engine, source)
    else:
        database.restore_postgres(engine, source)
    with engine.connect() as connection:
        counts = database.count_rows(connection)
    if counts != manifest.row_counts:
        raise BackupError(
            _("The restored database does not hold the rows the manifest lists; restore again.")
        )
    notes = _restore_files(app, folder, manifest)
    upgrade()
    with engine.connect() as connection:
        head = database.migration_head(connection)
    return RestoreReport(manifest, manifest.migration_head, head, notes)
