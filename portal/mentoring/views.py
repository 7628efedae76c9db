"""Placeholder: being built (issue 5)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("mentoring", __name__)


@bp.get("/mentoring")
@login_required
def mentor_home():
    """Show a mentor's mentees."""
    abort(404)


@bp.get("/talks")
@login_required
def talks_home():
    """Show a talk leader's workers for this month."""
    abort(404)


@bp.get("/street/mentoring")
@login_required
def admin():
    """Show the street admin's pairings and coverage."""
    abort(404)
