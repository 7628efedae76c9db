"""Pure rules of mentoring and talks, table by table (periods per 民法典 §202)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from portal import timeutil
from portal.enums import FollowUpStatus, WorkerStatus
from portal.mentoring import rules
from portal.talks import rules as talks_rules

OPEN, DONE, DROPPED = FollowUpStatus.OPEN, FollowUpStatus.DONE, FollowUpStatus.DROPPED


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # no 31 February: the month's last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day, common year after
        (date(2024, 2, 29), 48, date(2028, 2, 29)),  # leap day, leap year after
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # over the year end
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2025, 8, 31), 36, date(2028, 8, 31)),
    ],
)
def test_add_months_clamps_to_the_month_end(day, months, expected):
    """Adding months keeps the day of the month, or the month's last day when it has none."""
    assert rules.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("started", "today", "expected"),
    [
        (date(2025, 3, 15), date(2025, 3, 15), True),  # first day
        (date(2025, 3, 15), date(2026, 3, 15), True),  # anniversary: last day of the year
        (date(2025, 3, 15), date(2026, 3, 16), False),
        (date(2025, 1, 31), date(2026, 1, 31), True),
        (date(2025, 1, 31), date(2026, 2, 1), False),
        (date(2024, 2, 29), date(2025, 2, 28), True),  # leap-day start ends on 28 February
        (date(2024, 2, 29), date(2025, 3, 1), False),
        (date(2023, 2, 28), date(2024, 2, 28), True),
        (date(2023, 2, 28), date(2024, 2, 29), False),  # leap day after the anniversary
        (date(2025, 12, 31), date(2026, 12, 31), True),  # month end and year end
        (date(2026, 6, 1), date(2026, 5, 31), False),  # not started yet
    ],
)
def test_new_entrant_is_within_twelve_months_of_starting(started, today, expected):
    """A new entrant started community work within the last 12 months, anniversary included."""
    assert rules.is_new_entrant(started, today) is expected


@pytest.mark.parametrize(
    ("started", "today", "expected"),
    [
        (date(2023, 9, 1), date(2026, 9, 1), True),
        (date(2023, 9, 1), date(2026, 9, 2), False),
        (date(2024, 2, 29), date(2027, 2, 28), True),  # 2027 has no 29 February
        (date(2024, 2, 29), date(2027, 3, 1), False),
        (date(2023, 3, 31), date(2026, 3, 31), True),
        (date(2023, 4, 30), date(2026, 4, 30), True),
        (date(2023, 4, 30), date(2026, 5, 1), False),
        (date(2020, 1, 1), date(2026, 1, 1), False),
    ],
)
def test_first_three_years(started, today, expected):
    """The "四个一" growth plan runs for the first 36 months of community work [002 §2(1)]."""
    assert rules.in_first_three_years(started, today) is expected


@pytest.mark.parametrize(
    ("started", "today", "paired", "expected"),
    [
        (date(2026, 3, 1), date(2026, 11, 1), False, True),
        (date(2026, 3, 1), date(2026, 11, 1), True, False),
        (date(2024, 3, 1), date(2026, 11, 1), False, False),  # no longer a new entrant
    ],
)
def test_needs_mentor(started, today, paired, expected):
    """A new entrant without a current pairing is 待配导师."""
    assert rules.needs_mentor(started, today, has_current_pairing=paired) is expected


CREATED = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "locked"),
    [
        (CREATED, False),
        (CREATED + timedelta(days=6, hours=23, minutes=59, seconds=59), False),
        (CREATED + timedelta(days=7) - timedelta(microseconds=1), False),
        (CREATED + timedelta(days=7), True),  # exactly 7 × 24 h: locked
        (CREATED + timedelta(days=7, microseconds=1), True),
        (CREATED + timedelta(days=30), True),
    ],
)
def test_seven_day_lock(now, locked):
    """A session is editable for exactly 7 × 24 hours after it was logged."""
    assert rules.is_locked(CREATED, now) is locked


def test_the_lock_counts_hours_not_calendar_days_across_a_month_end():
    """Logged at 23:59 on 31 January, the session locks at 23:59 on 7 February."""
    created = datetime(2026, 1, 31, 23, 59, tzinfo=UTC)
    assert rules.editable_until(created) == datetime(2026, 2, 7, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last", "paired", "today", "quiet", "days"),
    [
        (date(2026, 10, 2), date(2026, 1, 1), date(2026, 11, 1), False, 30),  # 30 days: fine
        (date(2026, 10, 1), date(2026, 1, 1), date(2026, 11, 1), True, 31),
        (None, date(2026, 10, 5), date(2026, 11, 1), False, 27),  # a new pair has 30 days
        (None, date(2026, 10, 1), date(2026, 11, 1), True, 31),
        (date(2024, 2, 29), date(2024, 1, 1), date(2024, 3, 30), False, 30),  # over leap day
        (date(2024, 2, 29), date(2024, 1, 1), date(2024, 3, 31), True, 31),
        (date(2026, 11, 1), date(2026, 1, 1), date(2026, 11, 1), False, 0),
    ],
)
def test_no_session_in_30_days(last, paired, today, quiet, days):
    """A mentee is flagged when the last session (or the pairing) is more than 30 days old."""
    assert rules.needs_session(last, paired, today) is quiet
    assert rules.days_quiet(last, paired, today) == days


@pytest.mark.parametrize(
    ("team", "talked", "counts", "percent"),
    [
        ([], [], (0, 0), None),  # no team: no percentage, not 0 %
        ([1, 2, 3], [], (0, 3), 0),
        ([1, 2, 3], [1, 2, 3], (3, 3), 100),
        ([1, 2, 3], [1, 1, 1], (1, 3), 33),  # several talks with one worker count once
        ([1, 2, 3], [1, 2], (2, 3), 66),  # rounded down
        (list(range(200)), list(range(199)), (199, 200), 99),  # never 100 % with one missing
        ([1, 2], [1, 2, 9], (2, 2), 100),  # a talk with someone off the team does not count
        ([1, 2, 3, 4], [9], (0, 4), 0),
    ],
)
def test_coverage(team, talked, counts, percent):
    """Coverage is workers with at least one talk this month out of the team, rounded down."""
    result = talks_rules.coverage(team, talked)
    assert (result.talked, result.total) == counts
    assert result.percent == percent
    assert result.missing == counts[1] - counts[0]


@pytest.mark.parametrize(
    ("status", "counted"),
    [(WorkerStatus.ACTIVE, True), (WorkerStatus.SECONDED, True), (WorkerStatus.EXITED, False)],
)
def test_talk_population(status, counted):
    """Workers on post and seconded are talked with and counted; those who exited are not."""
    assert talks_rules.in_talk_population(status) is counted


@dataclass
class Item:
    """A follow-up as the rules see it."""

    name: str
    status: FollowUpStatus
    due_on: date


AS_OF = date(2026, 11, 10)


@pytest.mark.parametrize(
    ("status", "due_on", "is_open", "overdue", "days"),
    [
        (OPEN, date(2026, 11, 9), True, True, 1),
        (OPEN, date(2026, 11, 10), True, False, 0),  # due today: not overdue yet
        (OPEN, date(2026, 12, 1), True, False, 0),
        (OPEN, date(2026, 10, 31), True, True, 10),
        (DONE, date(2026, 10, 1), False, False, 0),
        (DROPPED, date(2026, 10, 1), False, False, 0),
    ],
)
def test_open_and_overdue_follow_ups(status, due_on, is_open, overdue, days):
    """An open follow-up is overdue once its due date has passed; done or dropped never are."""
    item = Item("x", status, due_on)
    assert talks_rules.is_open(item) is is_open
    assert talks_rules.is_overdue(item, AS_OF) is overdue
    assert talks_rules.days_overdue(item, AS_OF) == days


def test_carry_over_keeps_open_follow_ups_overdue_first():
    """Open follow-ups carry over to the next talk, overdue ones first, each by due date."""
    items = [
        Item("later", OPEN, date(2026, 12, 1)),
        Item("done", DONE, date(2026, 10, 1)),
        Item("soon", OPEN, date(2026, 11, 12)),
        Item("long overdue", OPEN, date(2026, 10, 1)),
        Item("dropped", DROPPED, date(2026, 11, 1)),
        Item("overdue", OPEN, date(2026, 11, 9)),
        Item("today", OPEN, date(2026, 11, 10)),
    ]
    carried = [i.name for i in talks_rules.carried_over(items, AS_OF)]
    assert carried == ["long overdue", "overdue", "today", "soon", "later"]


def test_nothing_carries_over_when_all_follow_ups_are_closed():
    """Done and dropped follow-ups do not carry over."""
    items = [Item("a", DONE, date(2026, 1, 1)), Item("b", DROPPED, date(2026, 1, 1))]
    assert talks_rules.carried_over(items, AS_OF) == []


@pytest.mark.parametrize(
    ("item", "owner", "due_on", "talk_on", "problem"),
    [
        ("", "", None, date(2026, 11, 1), None),  # a blank row is ignored
        ("  ", " ", None, date(2026, 11, 1), None),
        ("协调调班", "王建国", date(2026, 11, 8), date(2026, 11, 1), None),
        ("协调调班", "王建国", date(2026, 11, 1), date(2026, 11, 1), None),  # due the same day
        ("协调调班", "", date(2026, 11, 8), date(2026, 11, 1), "incomplete"),
        ("协调调班", "王建国", None, date(2026, 11, 1), "incomplete"),
        ("", "王建国", date(2026, 11, 8), date(2026, 11, 1), "incomplete"),
        ("协调调班", "王建国", date(2026, 10, 31), date(2026, 11, 1), "due_before_talk"),
    ],
)
def test_follow_up_rows(item, owner, due_on, talk_on, problem):
    """A follow-up row is blank (ignored) or complete, and not due before the talk."""
    assert talks_rules.follow_up_row_problem(item, owner, due_on, talk_on) == problem


@pytest.mark.parametrize(
    ("held_on", "paired_on", "problem"),
    [
        (date(2026, 11, 10), date(2026, 9, 1), None),
        (date(2026, 11, 11), date(2026, 9, 1), "future"),
        (date(2026, 9, 1), date(2026, 9, 1), None),
        (date(2026, 8, 31), date(2026, 9, 1), "before_pairing"),
    ],
)
def test_session_dates(held_on, paired_on, problem):
    """A session is dated from the pairing's start up to today."""
    assert rules.session_date_problem(held_on, date(2026, 11, 10), paired_on) == problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, date(2026, 11, 1)),
        ("2026-10", date(2026, 10, 1)),
        ("2024-02", date(2024, 2, 1)),
        ("2026-12", date(2026, 11, 1)),  # a future month falls back to this month
        ("2026-13", date(2026, 11, 1)),
        ("26-10", date(2026, 11, 1)),
        ("abc", date(2026, 11, 1)),
    ],
)
def test_month_parameter(text, expected):
    """A "YYYY-MM" month up to this one is taken; anything else means this month."""
    assert timeutil.parse_month(text, date(2026, 11, 21)) == expected


@pytest.mark.parametrize(
    ("day", "bounds"),
    [
        (date(2024, 2, 10), (date(2024, 2, 1), date(2024, 2, 29))),
        (date(2025, 2, 28), (date(2025, 2, 1), date(2025, 2, 28))),
        (date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
    ],
)
def test_month_bounds(day, bounds):
    """A month runs from its first to its last day (leap February included)."""
    assert timeutil.month_bounds(day) == bounds
