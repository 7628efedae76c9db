"""Check-in forms."""

from __future__ import annotations

from flask_wtf import FlaskForm


class JoinRequestForm(FlaskForm):
    """Ask to be added to a training's list: nothing to fill in, only the CSRF token."""
