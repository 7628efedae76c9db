"""Static asset URLs that change when the file changes, so browsers may cache them for a year."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for


@cache
def _digest(folder: str, filename: str) -> str:
    return hashlib.sha256((Path(folder) / filename).read_bytes()).hexdigest()[:12]


def static_folder() -> str:
    """Return the app's static folder (create_app always sets one)."""
    folder = current_app.static_folder
    if folder is None:
        raise RuntimeError("the app has no static folder")
    return folder


def asset_url(filename: str) -> str:
    """Return the URL of a static file with its content hash as a cache-busting version."""
    return url_for("static", filename=filename, v=_digest(static_folder(), filename))


def init_app(app: Flask) -> None:
    """Expose asset_url() to templates."""
    app.jinja_env.globals["asset_url"] = asset_url
