"""Static files: hashed URLs from the build's manifest, served by WhiteNoise.

Every URL a page uses names a file whose name carries its content hash
(portal/web/asset_build.py), so WhiteNoise sends it with a year's ``immutable`` cache and
its precompressed .br/.gz copy (``Content-Encoding``, ``Vary: Accept-Encoding``). In
production nginx serves the same folder itself (deploy/nginx/portal.conf).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, request, url_for
from whitenoise import WhiteNoise

from portal.web import asset_build

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
YEAR = 365 * 24 * 3600


def manifest() -> asset_build.Manifest:
    """Return the current app's static build manifest."""
    return current_app.extensions["assets"]


def asset_url(filename: str) -> str:
    """Return the URL of a static file (logical name, e.g. ``js/app.js``) by its hashed name.

    Inside a request the URL is built once per app, mount prefix and file: the manifest
    does not change while the app runs (a new build is a new process).
    """
    if not has_request_context():
        return url_for("static", filename=manifest().hashed(filename))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache: dict[tuple[str, str], str] = app.extensions["asset_urls"]
    key = (request.script_root, filename)
    url = cache.get(key)
    if url is None:
        url = cache[key] = url_for("static", filename=manifest().hashed(filename))
    return url


def _headers(headers, path: str, url: str) -> None:
    # The same protection as every page (portal/web/security.py): no type sniffing.
    headers["X-Content-Type-Options"] = "nosniff"


def init_app(app: Flask) -> None:
    """Build static/ if needed, serve it with WhiteNoise, expose asset_url() to templates."""
    source = Path(app.config.get("STATIC_SOURCE") or PROJECT_ROOT / "static")
    app.extensions["assets"] = asset_build.current(source)
    app.extensions["asset_urls"] = {}
    public = asset_build.public_dir(source)
    app.static_folder = str(public)
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(public),
        prefix="static/",
        max_age=YEAR,
        allow_all_origins=False,  # nothing on another site needs them
        immutable_file_test=lambda _path, _url: True,  # every published name is hashed
        add_headers_function=_headers,
    )
    app.jinja_env.globals["asset_url"] = asset_url
