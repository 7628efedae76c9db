"""Placeholder: being built (issue 3)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("training", __name__)


@bp.get("/trainings")
@login_required
def index(**_kwargs):
    """Trainings a trainer organises or runs."""
    abort(404)
