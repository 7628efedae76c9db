"""Time: stored in UTC, shown and reasoned about in Asia/Shanghai."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_now() -> datetime:
    """Return the current time in Asia/Shanghai."""
    return datetime.now(LOCAL_TZ)


def local_today() -> date:
    """Return today's date in Asia/Shanghai (what "today" and "this year" mean)."""
    return local_now().date()


def to_local(moment: datetime) -> datetime:
    """Convert an aware UTC timestamp to Asia/Shanghai for display."""
    return moment.astimezone(LOCAL_TZ)


def local_date_of(moment: datetime) -> date:
    """Return the Asia/Shanghai calendar date of an aware timestamp."""
    return moment.astimezone(LOCAL_TZ).date()


def year_bounds(year: int) -> tuple[date, date]:
    """Return the first and last calendar day of a year."""
    return date(year, 1, 1), date(year, 12, 31)


def month_bounds(day: date) -> tuple[date, date]:
    """Return the first and last day of the calendar month of ``day``."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def parse_month(text: str | None, today: date) -> date:
    """Return the first day of a "YYYY-MM" month, or of this month when absent or bad."""
    if text:
        year, _, month = text.partition("-")
        if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12 and len(year) == 4:
            first = date(int(year), int(month), 1)
            if first <= today:
                return first
    return today.replace(day=1)


def is_future(day: date, today: date) -> bool:
    """Return whether a date lies after today (what is logged is logged afterwards)."""
    return day > today


def month_nav(month: date, today: date) -> dict:
    """Return a month page's month with the previous and next ("YYYY-MM"; no next in future)."""
    first = month.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return {
        "month": month,
        "previous": previous.strftime("%Y-%m"),
        "next": following.strftime("%Y-%m") if following <= today else None,
    }
