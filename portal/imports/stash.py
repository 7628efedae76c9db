"""Keep an uploaded file between its preview and the admin's confirmation.

The file is written under ``<instance>/imports/`` with a random name; the page carries a
signed token that names the file, the admin, the street and the kind, and expires. A
token is useless to anyone else: it is checked against the confirming admin, and the
file name inside it is random and never taken from the user.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.refusals import Refused

MAX_AGE_SECONDS = 60 * 60  # an hour to read the preview and confirm
_SALT = "portal.imports.stash"
_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


EXPIRED = _l("This preview has expired. Please upload the file again.")


class StashError(Refused):
    """The token is invalid, expired, someone else's, or its file is gone."""

    def __init__(self, why: str) -> None:
        super().__init__(EXPIRED, status=409)
        self.why = why  # for logs and tests; the user is told only that it expired


@dataclass(frozen=True)
class Stashed:
    """A stashed upload and what it was uploaded as."""

    data: bytes
    kind: str
    street_id: int
    filename: str
    name: str


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _sweep(folder: Path) -> None:
    """Delete stashed files older than the token lifetime (and a margin)."""
    limit = time.time() - 2 * MAX_AGE_SECONDS
    for path in folder.glob("*.xlsx"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:  # another process swept it first
            pass


def stash(data: bytes, *, user_id: int, street_id: int, kind: str, filename: str) -> str:
    """Store an upload and return the token that lets this admin confirm it."""
    folder = _folder()
    _sweep(folder)
    name = secrets.token_urlsafe(24)
    path = folder / f"{name}.xlsx"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    payload = {"n": name, "u": user_id, "s": street_id, "k": kind, "f": filename[:200]}
    return _serializer().dumps(payload)


def load(token: str, *, user_id: int) -> Stashed:
    """Return the stashed upload of a token issued to this admin, or raise StashError."""
    try:
        payload = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except SignatureExpired:
        raise StashError("expired") from None
    except BadSignature:
        raise StashError("invalid") from None
    name = payload.get("n", "")
    if payload.get("u") != user_id or not _NAME_RE.match(name):
        raise StashError("not yours")
    try:
        data = (_folder() / f"{name}.xlsx").read_bytes()
    except FileNotFoundError:
        raise StashError("gone") from None
    return Stashed(data, payload["k"], payload["s"], payload["f"], name)


def discard(stashed: Stashed) -> None:
    """Delete a stashed file once it has been imported."""
    (_folder() / f"{stashed.name}.xlsx").unlink(missing_ok=True)
