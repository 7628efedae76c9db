"""Placeholder: being built (issue 3)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("scan", __name__)


@bp.get("/me/code")
@login_required
def my_code(**_kwargs):
    """The worker's personal check-in code."""
    abort(404)
