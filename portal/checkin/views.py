"""Placeholder: being built (issue 3)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("checkin", __name__)


@bp.get("/trainings/<int:training_id>/projector")
@login_required
def projector(training_id: int):
    """The projector check-in screen."""
    abort(404)
