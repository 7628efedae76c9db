"""Placeholder: being built (issue 4)."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("pwa", __name__)


@bp.get("/manifest.webmanifest")
def manifest():
    """Serve the web app manifest."""
    abort(404)


@bp.get("/sw.js")
def service_worker():
    """Serve the service worker from the root scope."""
    abort(404)
