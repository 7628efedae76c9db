"""Pure rules for 传帮带 mentoring and the growth plan [domain §6]: no database, no request.

Periods follow the civil code's counting (民法典 第二百零二条): a period of N months ends on
the same day of the month N months later, or on that month's last day when it has no
such day (a start on 29 February ends on 28 February in a common year). The end day is
still inside the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from portal.timeutil import is_future

NEW_ENTRANT_MONTHS = 12  # "new entrant": community work started within the last year
GROWTH_PLAN_MONTHS = 36  # the "四个一" of the first three years [002 §2(1)]
EDIT_WINDOW = timedelta(days=7)  # a mentor may correct a session for 7 × 24 h
QUIET_DAYS = 30  # a mentee without a session for longer than this is flagged


def add_months(day: date, months: int) -> date:
    """Return the same day ``months`` later (or earlier), clamped to the month's last day."""
    return day + relativedelta(months=months)


def period_end(start: date, months: int) -> date:
    """Return the last day of a period of ``months`` starting on ``start`` (民法典 §202)."""
    return add_months(start, months)


def within_months(start: date, today: date, months: int) -> bool:
    """Return whether ``today`` falls in the ``months``-long period that began on ``start``."""
    return start <= today <= period_end(start, months)


def is_new_entrant(started_on: date, today: date) -> bool:
    """Return whether a worker started community work within the last 12 months."""
    return within_months(started_on, today, NEW_ENTRANT_MONTHS)


def in_first_three_years(started_on: date, today: date) -> bool:
    """Return whether a worker is in the first three years of community work [002 §2(1)]."""
    return within_months(started_on, today, GROWTH_PLAN_MONTHS)


def needs_mentor(started_on: date, today: date, *, has_current_pairing: bool) -> bool:
    """Return whether a worker is a new entrant still waiting for a mentor (待配导师)."""
    return is_new_entrant(started_on, today) and not has_current_pairing


# -- the 7-day lock -------------------------------------------------------------------------


def editable_until(created_at: datetime) -> datetime:
    """Return the moment a session stops being editable: exactly 7 × 24 h after creation."""
    return created_at + EDIT_WINDOW


def is_locked(created_at: datetime, now: datetime) -> bool:
    """Return whether a session can no longer be edited (at exactly 7 × 24 h it is locked)."""
    return now >= editable_until(created_at)


# -- mentees without a session -----------------------------------------------------------------


def days_quiet(last_session_on: date | None, paired_on: date, today: date) -> int:
    """Return the days since the last session, or since pairing when there was none."""
    return (today - (last_session_on or paired_on)).days


def needs_session(last_session_on: date | None, paired_on: date, today: date) -> bool:
    """Return whether a mentee has had no session in the last 30 days (a new pair has 30 days)."""
    return days_quiet(last_session_on, paired_on, today) > QUIET_DAYS


# -- pairings -----------------------------------------------------------------------------------


def session_date_problem(held_on: date, today: date, paired_on: date) -> str | None:
    """Return why a session date is refused ("future", "before_pairing"), or None if fine."""
    if is_future(held_on, today):
        return "future"
    if held_on < paired_on:
        return "before_pairing"
    return None


def growth_progress(done: Sequence[date | None]) -> int:
    """Return how many of the "四个一" items have a date."""
    return sum(1 for day in done if day is not None)
