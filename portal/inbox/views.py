"""Placeholder: being built (issue 4)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@login_required
def index():
    """Show the notification inbox."""
    abort(404)


@bp.get("/inbox/bell")
@login_required
def bell():
    """Render the bell with the unread count (htmx fragment)."""
    return ""
