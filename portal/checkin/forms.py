"""Check-in forms."""

from __future__ import annotations

from portal.web.forms import PortalForm


class JoinRequestForm(PortalForm):
    """Ask to be added to a training's list: nothing to fill in, only the CSRF token."""
