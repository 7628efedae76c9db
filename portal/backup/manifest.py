"""The manifest of a backup folder: what is in it, and the checks a restore makes first."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from portal.backup.errors import BackupError

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1024 * 1024


@dataclass
class Manifest:
    """What a backup holds; ``files`` maps a relative path to its size and SHA-256."""

    app_version: str
    created_at: str
    database: str  # "sqlite" or "postgresql"
    database_file: str
    migration_head: str | None
    row_counts: dict[str, int]
    secrets: dict[str, str]  # name -> "file", "environment" or "none"
    files: dict[str, dict[str, int | str]] = field(default_factory=dict)
    format: int = FORMAT

    def write(self, folder: Path) -> None:
        """Write manifest.json into ``folder`` (the last file of a backup)."""
        text = json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)
        (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_files(folder: Path) -> dict[str, dict[str, int | str]]:
    """Return size and SHA-256 of every file under ``folder``, by relative POSIX path."""
    return {
        path.relative_to(folder).as_posix(): {
            "bytes": path.stat().st_size,
            "sha256": sha256_of(path),
        }
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def read_manifest(folder: Path) -> Manifest:
    """Read and check a backup's manifest; BackupError when it is missing or not ours."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(
            _("%(folder)s is not a complete backup: it has no manifest.json.", folder=folder)
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        return Manifest(**data)
    except (ValueError, TypeError) as error:
        raise BackupError(
            _("The manifest of %(folder)s cannot be read (%(error)s).", folder=folder, error=error)
        ) from error


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Check every file the manifest lists: present, same size, same SHA-256."""
    if manifest.database_file not in manifest.files:
        raise BackupError(_("The manifest lists no database file."))
    for name, expected in sorted(manifest.files.items()):
        path = folder / name
        if not path.is_file():
            raise BackupError(_("The backup is incomplete: %(file)s is missing.", file=name))
        if path.stat().st_size != expected["bytes"] or sha256_of(path) != expected["sha256"]:
            raise BackupError(
                _(
                    "%(file)s does not match its checksum: the backup was changed or damaged.",
                    file=name,
                )
            )
