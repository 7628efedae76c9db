"""Placeholder: being built (issue 6)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("admin", __name__)


@bp.get("/street")
@login_required
def dashboard():
    """Show the street's team dashboard."""
    abort(404)


@bp.get("/street/workers")
@login_required
def roster():
    """Show the street's roster."""
    abort(404)
