"""Pure time rules: quiet hours and period keys, all reasoned about in Asia/Shanghai.

Every function takes the moment as a parameter (an aware datetime): no clock, no
database. A period key names the calendar period a reminder belongs to, so the
reminder log can say "already issued for this month" whatever the time zone of the
server and whenever the scheduler runs.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from portal.timeutil import LOCAL_TZ

DEFAULT_QUIET_HOURS = ("21:00", "08:00")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: str) -> time:
    """Return the time of day written as HH:MM (24-hour); ValueError otherwise."""
    match = _HH_MM.match(value or "")
    if not match:
        raise ValueError(f"expected a time as HH:MM, got {value!r}")
    return time(int(match[1]), int(match[2]))


def parse_quiet_hours(value: str) -> tuple[str, str]:
    """Return (start, end) from a setting written as "HH:MM-HH:MM"."""
    start, sep, end = (value or "").partition("-")
    if not sep:
        raise ValueError(f"expected quiet hours as HH:MM-HH:MM, got {value!r}")
    parse_hhmm(start.strip())
    parse_hhmm(end.strip())
    return start.strip(), end.strip()


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware timestamp")


def in_quiet_hours(moment: datetime, start: str, end: str) -> bool:
    """Return whether a moment falls in the quiet hours [start, end) of Shanghai time.

    The window may wrap midnight (21:00–08:00). Equal start and end mean no quiet hours.
    """
    _require_aware(moment)
    begin, finish = parse_hhmm(start), parse_hhmm(end)
    if begin == finish:
        return False
    now = moment.astimezone(LOCAL_TZ).time().replace(second=0, microsecond=0)
    if begin < finish:
        return begin <= now < finish
    return now >= begin or now < finish


def quiet_until(moment: datetime, start: str, end: str) -> datetime:
    """Return when a message may go out: ``moment`` itself, or the end of the quiet hours.

    The answer is in the time zone of ``moment`` (UTC when given UTC).
    """
    if not in_quiet_hours(moment, start, end):
        return moment
    local = moment.astimezone(LOCAL_TZ)
    finish = parse_hhmm(end)
    wake = datetime.combine(local.date(), finish, tzinfo=LOCAL_TZ)
    if wake <= local:  # before midnight in a window that wraps: the end is tomorrow
        wake = datetime.combine(local.date() + timedelta(days=1), finish, tzinfo=LOCAL_TZ)
    return wake.astimezone(moment.tzinfo)


# -- period keys ------------------------------------------------------------------------


def local_day(moment: datetime) -> date:
    """Return the Shanghai calendar day of an aware moment."""
    _require_aware(moment)
    return moment.astimezone(LOCAL_TZ).date()


def day_key(day: date) -> str:
    """Return the period key of a calendar day: "2028-02-29"."""
    return day.isoformat()


def month_key(day: date) -> str:
    """Return the period key of the month of a day: "2026-11"."""
    return f"{day.year:04d}-{day.month:02d}"


def year_key(day: date) -> str:
    """Return the period key of the year of a day: "2026"."""
    return f"{day.year:04d}"


def minute_key(moment: datetime) -> str:
    """Return the Shanghai minute of a moment as a period key: "2026-11-23T09:00"."""
    _require_aware(moment)
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def local_at(day: date, hhmm: str) -> datetime:
    """Return the aware UTC moment of a Shanghai wall-clock time on a day."""
    return datetime.combine(day, parse_hhmm(hhmm), tzinfo=LOCAL_TZ).astimezone(UTC)
