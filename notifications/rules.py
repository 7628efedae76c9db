"""When a reminder is due: pure functions of the moment and a few values.

Each returns the period key of the reminder's exactly-once key (``d-30``, ``2026-11``)
when it is due, else None. Table-tested with frozen time in
``tests/notifications/test_reminder_rules.py``; the collectors in
``notifications.reminders`` load the rows and apply them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from notifications import timing
from portal.policy.rules import TrainingProgress
from portal.timeutil import LOCAL_TZ

TOMORROW_FROM = "18:00"  # the evening before a training
SOON_LEAD = timedelta(hours=1)
CERTIFICATE_MILESTONES = (180, 90, 30, 7)  # days before the deadline
APPRAISAL_FRESH = timedelta(days=30)  # older publications are not news any more


def training_tomorrow_period(starts_at: datetime, now: datetime) -> str | None:
    """Return the period key when it is the evening before the training's day, else None."""
    today = timing.local_day(now)
    if timing.local_day(starts_at) != today + timedelta(days=1):
        return None
    if now.astimezone(LOCAL_TZ).time() < timing.parse_hhmm(TOMORROW_FROM):
        return None
    return timing.day_key(today + timedelta(days=1))


def training_soon_period(starts_at: datetime, now: datetime) -> str | None:
    """Return the period key when the training starts within the hour, else None."""
    if not now < starts_at <= now + SOON_LEAD:
        return None
    return timing.minute_key(starts_at)


def certificate_period(days_left: int | None) -> str | None:
    """Return "overdue", or the nearest milestone reached ("d-30"), or None."""
    if days_left is None:
        return None
    if days_left < 0:
        return "overdue"
    reached = [m for m in CERTIFICATE_MILESTONES if days_left <= m]
    return f"d-{min(reached)}" if reached else None


def pace_period(progress: TrainingProgress, today: date) -> str | None:
    """Return the month's key when the worker is behind pace (checked monthly, not in January)."""
    if today.month == 1 or progress.done or progress.on_pace:
        return None
    return timing.month_key(today)


def appraisal_key(year: int) -> str:
    """Return the period key of a year's appraisal notice (scheduler and publishing share it)."""
    return f"{year:04d}"


def appraisal_period(year: int, published_at: datetime | None, now: datetime) -> str | None:
    """Return the year's key for a result published in the last 30 days, else None."""
    if published_at is None or published_at > now or now - published_at > APPRAISAL_FRESH:
        return None
    return appraisal_key(year)


def health_check_period(today: date, due_on: date, *, done: bool) -> str | None:
    """Return the year's key once the due date is reached without a check this year."""
    if done or today < due_on:
        return None
    return timing.year_key(today)
