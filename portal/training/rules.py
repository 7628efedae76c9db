"""Attendance rules: when the door is open, who is late, how many hours time present earns.

Every way of recording attendance follows them: the worker's scan, the trainer's scan of
a personal code (portal.checkin), and the trainer's marks by hand on the roster.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

# Product settings, not policy: the door opens half an hour early; 15 minutes counts as late.
OPENS_BEFORE_START = timedelta(minutes=30)
LATE_AFTER_START = timedelta(minutes=15)
# Leaving within five minutes of the end is not leaving early.
LEFT_EARLY_GRACE = timedelta(minutes=5)
# A trainer may still mark or sync scans made at the door up to a day after the end.
LATE_SYNC_ALLOWANCE = timedelta(hours=24)
_HALF_HOUR = Decimal("0.5")


class WindowProblem(enum.StrEnum):
    """Why a check-in at a given moment is outside the training's window."""

    NOT_OPEN = "not_open"
    CLOSED = "closed"


def window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """Return when check-in opens and closes for a training."""
    return starts_at - OPENS_BEFORE_START, ends_at


def window_problem(at: datetime, starts_at: datetime, ends_at: datetime) -> WindowProblem | None:
    """Return why a check-in at `at` is refused, or None if the door is open."""
    opens, closes = window(starts_at, ends_at)
    if at < opens:
        return WindowProblem.NOT_OPEN
    if at > closes:
        return WindowProblem.CLOSED
    return None


def is_late(at: datetime, starts_at: datetime) -> bool:
    """Return whether arriving at `at` counts as late."""
    return at > starts_at + LATE_AFTER_START


def left_early(checked_out_at: datetime, ends_at: datetime) -> bool:
    """Return whether checking out at a moment leaves before the end (5 minutes' grace)."""
    return checked_out_at < ends_at - LEFT_EARLY_GRACE


def hours_for_time(
    checked_in_at: datetime,
    checked_out_at: datetime,
    starts_at: datetime,
    ends_at: datetime,
    full_hours: Decimal,
) -> Decimal:
    """Return the hours earned by time present inside the training, in half hours, capped."""
    start = max(checked_in_at, starts_at)
    end = min(checked_out_at, ends_at)
    if end <= start:
        return Decimal("0.0")
    present = Decimal((end - start).total_seconds()) / Decimal(3600)
    halves = (present / _HALF_HOUR).to_integral_value(rounding=ROUND_FLOOR) * _HALF_HOUR
    return min(halves, full_hours).quantize(Decimal("0.1"))
