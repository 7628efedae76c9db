"""Time: stored in UTC, shown and reasoned about in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
