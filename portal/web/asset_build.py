"""Build static/: one stylesheet, content-hashed file names, .br/.gz copies, a manifest.

    scripts/build-static            # make install runs it; the app runs it when stale

The sources are the files under static/ (css/, js/, icons/). The build writes, under
static/build/public/ (served at /static/):

* ``css/portal.<hash>.css``: every stylesheet of the portal in one file (BUNDLE, in
  order), so each page loads one stylesheet in <head> and boosted navigation, which
  swaps only the body, never needs another;
* every other source as ``<stem>.<hash><suffix>`` (``js/htmx-2.0.11.min.3f2a9c0d1b4e.js``):
  a name that changes with the bytes, so browsers and proxies keep it a year;
* ``NAME.br`` and ``NAME.gz`` beside each text file, compressed once at build time, which
  WhiteNoise (in the app) and nginx (deploy/nginx/) send as they are;

and static/build/manifest.json (not served): logical name (``css/portal.css``) → hashed
name, with the sources' sizes and mtimes so a stale build is noticed.

Hashed names never collide, so a build never overwrites a file an open page still uses.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli

BUILD_DIR = "build"
PUBLIC_DIR = "public"  # under build/: what is served at /static/
MANIFEST = "manifest.json"  # under build/, beside public/: not served
# The portal's stylesheets, in cascade order: the base first, page parts after it.
BUNDLE_NAME = "css/portal.css"
BUNDLE = (
    "css/app.css",
    "css/pwa.css",
    "css/inbox.css",
    "css/admin.css",
    "css/dashboard.css",
    "css/training.css",
    "css/mentoring.css",
    "css/outside.css",
    "css/checkin.css",
    "css/scan.css",
)
TEXT = {".css", ".js", ".svg", ".json", ".webmanifest", ".txt", ".html", ".map"}
COMPRESSED = {".br", ".gz"}
MIN_BYTES = 256  # below this a compressed copy gains nothing
HASH_CHARS = 12


@dataclass(frozen=True)
class Manifest:
    """What a build produced: logical name → hashed name (relative to the build dir)."""

    files: dict[str, str]
    sources: dict[str, list[int]]

    def hashed(self, name: str) -> str:
        """Return the hashed file name of a logical one, or raise KeyError naming it."""
        try:
            return self.files[name]
        except KeyError:
            raise KeyError(f"static file {name!r} is not in the build (static/{name})") from None


def public_dir(source: Path) -> Path:
    """Return the folder served at /static/ for the sources in ``source``."""
    return source / BUILD_DIR / PUBLIC_DIR


def sources(source: Path) -> Iterator[Path]:
    """Yield the source files under static/: not the build, not dotfiles, not old copies."""
    build = source / BUILD_DIR
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if (
            path.is_file()
            and build not in path.parents
            and path.suffix not in COMPRESSED
            and not any(part.startswith(".") for part in relative.parts)
        ):
            yield path


def _stamp(source: Path) -> dict[str, list[int]]:
    stamps = {}
    for path in sources(source):
        stat = path.stat()
        stamps[path.relative_to(source).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return stamps


def _hashed_name(name: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:HASH_CHARS]
    folder, _, base = name.rpartition("/")
    stem, dot, suffix = base.rpartition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot else f"{base}.{digest}"
    return f"{folder}/{hashed}" if folder else hashed


def _contents(source: Path) -> Iterator[tuple[str, bytes]]:
    """Yield (logical name, bytes) for everything the build publishes."""
    parts = []
    for name in BUNDLE:
        parts.append(f"/* {name} */\n".encode() + (source / name).read_bytes().rstrip() + b"\n")
    yield BUNDLE_NAME, b"".join(parts)
    bundled = set(BUNDLE)
    for path in sources(source):
        name = path.relative_to(source).as_posix()
        if name not in bundled:
            yield name, path.read_bytes()


def _write_once(path: Path, data: bytes) -> None:
    """Write a file unless it is there already (hashed names: same name, same bytes)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, data)


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as file:
        file.write(data)
    os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from nginx's own user
    os.replace(temporary, path)


def build(source: Path) -> Manifest:
    """Build static/build/ from the sources in ``source`` and return its manifest."""
    stamps = _stamp(source)
    out = public_dir(source)
    files = {}
    for name, data in _contents(source):
        hashed = _hashed_name(name, data)
        files[name] = hashed
        target = out / hashed
        _write_once(target, data)
        if target.suffix in TEXT and len(data) >= MIN_BYTES:
            _write_once(target.with_name(target.name + ".br"), brotli.compress(data, quality=11))
            _write_once(
                target.with_name(target.name + ".gz"),
                gzip.compress(data, compresslevel=9, mtime=0),
            )
    manifest = Manifest(files=files, sources=stamps)
    body = json.dumps({"files": files, "sources": stamps}, indent=1, sort_keys=True)
    _atomic_write(source / BUILD_DIR / MANIFEST, body.encode())
    return manifest


def read(source: Path) -> Manifest | None:
    """Return the current build's manifest, or None when there is none or it is stale."""
    try:
        recorded = json.loads((source / BUILD_DIR / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    manifest = Manifest(files=recorded.get("files", {}), sources=recorded.get("sources", {}))
    if manifest.sources != _stamp(source):
        return None
    if not all((public_dir(source) / hashed).is_file() for hashed in manifest.files.values()):
        return None
    return manifest


def current(source: Path) -> Manifest:
    """Return an up-to-date manifest, building first when the build is missing or stale."""
    return read(source) or build(source)
