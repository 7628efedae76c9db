"""The installable app: manifest, service worker and offline page.

All three are public on purpose (no login): the browser fetches the manifest without
cookies, the service worker must load before anyone logs in, and the offline page is
shown when the server cannot be reached. None of them carries anything personal.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request, url_for

from portal.pwa import shell
from portal.web import assets

bp = Blueprint("pwa", __name__)


def _revalidated(body: str, mimetype: str) -> Response:
    # no-cache: browsers keep a copy but ask first (a cheap 304), so a deploy shows at once;
    # the year-long max-age of static files must never apply here.
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    response.make_conditional(request)  # in place: a 304 without the body if the ETag matches
    return response


@bp.app_context_processor
def _install_names() -> dict:
    return {
        "pwa_short_name": shell.SHORT_NAME,
        "pwa_theme_color": shell.THEME_COLOR,
        "pwa_apple_touch_icon": shell.APPLE_TOUCH_ICON,
    }


@bp.get("/manifest.webmanifest")
def manifest():
    """Serve the web app manifest (public)."""
    body = json.dumps(shell.manifest(), ensure_ascii=False, indent=1)
    return _revalidated(body, "application/manifest+json")


@bp.get("/sw.js")
def service_worker():
    """Serve the service worker from the root scope (public), rendered with the asset hashes."""
    app_shell = shell.app_shell(render_template("pwa/offline.html"))
    body = render_template(
        "pwa/sw.js",
        version=app_shell.version,
        precache=app_shell.urls,
        imports=shell.worker_imports(assets.manifest().files),
        offline_url=url_for("pwa.offline"),
        login_url=url_for("auth.login"),
        static_prefix=url_for("static", filename=""),
    )
    response = _revalidated(body, "application/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    """Show the page served when the network is gone (public; the same for everyone)."""
    return _revalidated(render_template("pwa/offline.html"), "text/html")
