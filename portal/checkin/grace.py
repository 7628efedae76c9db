"""A short grace for a worker who scans the projector code before logging in.

The code is checked at the scan; if it holds, the scan itself (training, step, moment)
is kept in the Flask session — a cookie signed with the app's secret key, so it is
tied to this browser and cannot be forged. After login the worker is checked in as
of the scan, even if the 15 s code expired while they typed. The grace lasts ten
minutes and is used once: taking it removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import session

GRACE_PERIOD = timedelta(minutes=10)
_KEY = "checkin_grace"


@dataclass(frozen=True)
class Grace:
    """A valid scan waiting for its login."""

    training_id: int
    step: int
    scanned_at: datetime

    @property
    def expires_at(self) -> datetime:
        """Return when the grace runs out."""
        return self.scanned_at + GRACE_PERIOD


def keep(training_id: int, step: int, scanned_at: datetime) -> None:
    """Keep a valid scan in this browser's session until the worker has logged in."""
    session[_KEY] = {"training": training_id, "step": step, "at": scanned_at.timestamp()}


def is_pending() -> bool:
    """Return whether this browser holds a scan waiting for login (expired or not)."""
    return _KEY in session


def take(now: datetime) -> tuple[Grace | None, bool]:
    """Remove the grace from the session; return it and whether it had expired.

    Returns (None, False) when there was none, (grace, True) when it ran out.
    """
    raw = session.pop(_KEY, None)
    if not isinstance(raw, dict):
        return None, False
    try:
        grace = Grace(
            training_id=int(raw["training"]),
            step=int(raw["step"]),
            scanned_at=datetime.fromtimestamp(float(raw["at"]), UTC),
        )
    except (KeyError, TypeError, ValueError):
        return None, False
    # A scan "from the future" cannot come from this server: treat it as spent.
    expired = now >= grace.expires_at or grace.scanned_at > now + timedelta(minutes=1)
    return grace, expired
