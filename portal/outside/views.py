"""Placeholder: being built (issue 3)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("outside", __name__)


@bp.get("/me/outside-training")
@login_required
def index(**_kwargs):
    """The worker's outside-training submissions."""
    abort(404)
