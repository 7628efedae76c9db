"""Placeholder: being built (issue 4)."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("pwa", __name__)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest."""
    abort(404)


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root scope."""
    abort(404)
