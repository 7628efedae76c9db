"""The VAPID key pair that signs web pushes (RFC 8292).

It is generated once by ``flask --app portal push init`` into the instance folder, or
given in the environment (``VAPID_PRIVATE_KEY``/``VAPID_PUBLIC_KEY``), and read once
per app.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask.globals import app_ctx
from py_vapid import Vapid

PRIVATE_KEY_FILE = "vapid_private.pem"


class PushKeyError(RuntimeError):
    """The VAPID key pair is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class VapidKeys:
    """The server's VAPID signing key and its public half as browsers want it."""

    vapid: Vapid
    public_key: str  # base64url of the uncompressed P-256 point (applicationServerKey)
    source: str  # "environment" or the key file's path


def b64url(data: bytes) -> str:
    """Encode bytes as unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; ValueError when it is not."""
    if not isinstance(text, str) or not text or any(c in text for c in "+/ \n"):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


def public_key_of(vapid: Vapid) -> str:
    """Return the applicationServerKey of a VAPID key pair."""
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def _vapid_from_text(text: str) -> Vapid:
    text = text.strip()
    try:
        if "-----BEGIN" in text:
            key = serialization.load_pem_private_key(text.encode(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise PushKeyError("VAPID private key is not an EC key")
            return Vapid(key)
        return Vapid.from_string(text)
    except PushKeyError:
        raise
    except Exception as error:  # noqa: BLE001 - any parse failure means the same to the admin
        raise PushKeyError(f"cannot read the VAPID private key: {error}") from error


def key_file(app: Flask) -> Path:
    """Return where ``push init`` keeps the private key."""
    return Path(app.instance_path) / PRIVATE_KEY_FILE


def load_keys(app: Flask) -> VapidKeys | None:
    """Read the VAPID keys from the config (environment) or the instance folder."""
    private = app.config.get("VAPID_PRIVATE_KEY")
    if private:
        vapid = _vapid_from_text(private)
        public = public_key_of(vapid)
        expected = app.config.get("VAPID_PUBLIC_KEY")
        if expected and expected.strip() != public:
            raise PushKeyError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY")
        return VapidKeys(vapid, public, "environment")
    path = key_file(app)
    if not path.exists():
        return None
    return read_key_file(path)


def read_key_file(path: Path) -> VapidKeys:
    """Read the key pair ``push init`` wrote."""
    vapid = _vapid_from_text(path.read_text())
    return VapidKeys(vapid, public_key_of(vapid), str(path))


def vapid_keys(app: Flask | None = None) -> VapidKeys | None:
    """Return the app's VAPID keys (read once per app), or None when push is not set up."""
    app = app or app_ctx.app
    cache = app.extensions.setdefault("portal_push", {})
    if "keys" not in cache:
        cache["keys"] = load_keys(app)
    return cache["keys"]


def forget_keys(app: Flask) -> None:
    """Drop the cached keys (after ``push init --force``)."""
    app.extensions.get("portal_push", {}).pop("keys", None)


def generate_keys(app: Flask, *, force: bool = False) -> VapidKeys:
    """Write a new VAPID key pair into the instance folder; refuse to overwrite unless forced."""
    path = key_file(app)
    if path.exists() and not force:
        raise FileExistsError(str(path))
    vapid = Vapid()
    vapid.generate_keys()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(vapid.private_pem())
    os.replace(tmp, path)
    forget_keys(app)
    return VapidKeys(vapid, public_key_of(vapid), str(path))
