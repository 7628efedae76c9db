"""Files on disk under <instance>/uploads/<random key>: never in static/, never the user's name."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import current_app

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_KEY = re.compile(r"[A-Za-z0-9_-]{32}")


def max_bytes() -> int:
    """Return the largest file accepted (config UPLOAD_MAX_BYTES, default 5 MB)."""
    return int(current_app.config.get("UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_megabytes() -> str:
    """Return the size limit in MB for messages, e.g. "5"."""
    return f"{max_bytes() / (1024 * 1024):g}"


def folder() -> Path:
    """Return the folder holding uploads (config UPLOAD_FOLDER, default <instance>/uploads)."""
    configured = current_app.config.get("UPLOAD_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def new_key() -> str:
    """Return a fresh random storage key (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def path_of(key: str) -> Path:
    """Return the path of a stored file; the key can never point outside the folder."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return folder() / key


def write(key: str, data: bytes) -> Path:
    """Store bytes under a new key; readers never see a half-written file."""
    target = path_of(key)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(key + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    written = _written.get()
    if written is not None:
        written.append(key)
    return target


# Keys written inside ``removed_if_block_fails``: deleted together if its block fails.
_written: ContextVar[list[str] | None] = ContextVar("portal_uploads_written", default=None)


def remove(key: str) -> None:
    """Delete a stored file if it is there."""
    path_of(key).unlink(missing_ok=True)


@contextmanager
def removed_on_error(key: str) -> Iterator[None]:
    """Delete the stored file if the block fails, so no file outlives a rolled-back row."""
    try:
        yield
    except BaseException:
        remove(key)
        raise


@contextmanager
def removed_if_block_fails() -> Iterator[None]:
    """Delete every file stored inside the block if it fails (e.g. the commit after it)."""
    keys: list[str] = []
    token = _written.set(keys)
    try:
        yield
    except BaseException:
        for key in keys:
            remove(key)
        raise
    finally:
        _written.reset(token)
