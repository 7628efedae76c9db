"""Quiet hours and period keys, with frozen time, in Asia/Shanghai whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from notifications import timing
from tests.notifications.helpers import at


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        ("2026-11-21 20:59", False),
        ("2026-11-21 21:00", True),
        ("2026-11-21 23:59", True),
        ("2026-11-22 00:00", True),
        ("2026-11-22 07:59", True),
        ("2026-11-22 08:00", False),
        ("2026-11-22 12:00", False),
    ],
)
def test_default_quiet_hours_run_from_21_to_8_shanghai_time(local, quiet):
    """21:00 starts the quiet hours and 08:00 ends them, on the Shanghai clock."""
    assert timing.in_quiet_hours(at(local), "21:00", "08:00") is quiet


@pytest.mark.parametrize(
    ("local", "sent_at"),
    [
        ("2026-11-21 20:59", "2026-11-21 20:59"),  # not quiet: now
        ("2026-11-21 21:00", "2026-11-22 08:00"),  # evening: next morning
        ("2026-11-22 00:30", "2026-11-22 08:00"),  # after midnight: this morning
        ("2026-11-22 07:59", "2026-11-22 08:00"),
        ("2026-11-22 08:00", "2026-11-22 08:00"),
        ("2026-12-31 22:00", "2027-01-01 08:00"),  # over the year boundary
        ("2028-02-28 23:00", "2028-02-29 08:00"),  # into a leap day
    ],
)
def test_messages_in_quiet_hours_wait_for_the_morning(local, sent_at):
    """A push due in quiet hours goes out at 08:00 Shanghai time, the next day if need be."""
    assert timing.quiet_until(at(local), "21:00", "08:00") == at(sent_at)


def test_quiet_until_answers_in_utc_for_utc_input():
    """The scheduler works in UTC: 21:30 Shanghai (13:30 UTC) waits until 00:00 UTC."""
    moment = datetime(2026, 11, 21, 13, 30, tzinfo=UTC)
    assert timing.quiet_until(moment, "21:00", "08:00") == datetime(2026, 11, 22, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "local", "quiet"),
    [
        ("12:00", "14:00", "2026-11-21 11:59", False),  # a window that does not wrap midnight
        ("12:00", "14:00", "2026-11-21 12:00", True),
        ("12:00", "14:00", "2026-11-21 14:00", False),
        ("22:00", "22:00", "2026-11-21 23:00", False),  # same start and end: no quiet hours
    ],
)
def test_quiet_hours_chosen_by_the_user(start, end, local, quiet):
    """Users may move the window; equal start and end switch quiet hours off."""
    assert timing.in_quiet_hours(at(local), start, end) is quiet


@pytest.mark.parametrize("value", ["24:00", "9:00", "21:60", "", "21-00", None])
def test_bad_times_of_day_are_refused(value):
    """Quiet hours must be written HH:MM on a 24-hour clock."""
    with pytest.raises(ValueError):
        timing.parse_hhmm(value)


def test_naive_datetimes_are_refused():
    """A naive moment has no time zone: refusing it avoids silently using the server's."""
    with pytest.raises(ValueError):
        timing.in_quiet_hours(datetime(2026, 11, 21, 22, 0), "21:00", "08:00")


@pytest.mark.parametrize(
    ("moment", "month", "year", "day"),
    [
        # 16:30 UTC on 31 January is already 1 February in Shanghai.
        (datetime(2026, 1, 31, 16, 30, tzinfo=UTC), "2026-02", "2026", "2026-02-01"),
        (datetime(2026, 1, 31, 15, 59, tzinfo=UTC), "2026-01", "2026", "2026-01-31"),
        # New Year arrives in Shanghai at 16:00 UTC on 31 December.
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "2027-01", "2027", "2027-01-01"),
        (datetime(2026, 12, 31, 15, 59, tzinfo=UTC), "2026-12", "2026", "2026-12-31"),
        # Leap day, and the day after it.
        (datetime(2028, 2, 28, 16, 0, tzinfo=UTC), "2028-02", "2028", "2028-02-29"),
        (datetime(2028, 2, 29, 16, 0, tzinfo=UTC), "2028-03", "2028", "2028-03-01"),
        # Month ends of 30 and 31 days.
        (datetime(2026, 4, 30, 15, 59, tzinfo=UTC), "2026-04", "2026", "2026-04-30"),
        (datetime(2026, 4, 30, 16, 0, tzinfo=UTC), "2026-05", "2026", "2026-05-01"),
    ],
)
def test_period_keys_follow_the_shanghai_calendar(moment, month, year, day):
    """Month, year and day keys are those of the Shanghai calendar, not of UTC."""
    today = timing.local_day(moment)
    assert timing.month_key(today) == month
    assert timing.year_key(today) == year
    assert timing.day_key(today) == day


def test_minute_key_is_shanghai_wall_clock():
    """A training at 01:00 UTC is keyed by its Shanghai start, 09:00."""
    assert timing.minute_key(datetime(2026, 11, 23, 1, 0, tzinfo=UTC)) == "2026-11-23T09:00"


def test_local_at_converts_shanghai_wall_clock_to_utc():
    """08:00 in Shanghai is 00:00 UTC."""
    assert timing.local_at(date(2026, 11, 22), "08:00") == datetime(2026, 11, 22, tzinfo=UTC)
