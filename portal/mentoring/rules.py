"""Pure rules for 传帮带 mentoring and 谈心日 talks [domain §6]: no database, no request.

Periods follow the civil code's counting (民法典 第二百零二条): a period of N months ends on
the same day of the month N months later, or on that month's last day when it has no
such day (a start on 29 February ends on 28 February in a common year). The end day is
still inside the period.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from dateutil.relativedelta import relativedelta

from portal.enums import FollowUpStatus, WorkerStatus

NEW_ENTRANT_MONTHS = 12  # "new entrant": community work started within the last year
GROWTH_PLAN_MONTHS = 36  # the "四个一" of the first three years [002 §2(1)]
EDIT_WINDOW = timedelta(days=7)  # a mentor may correct a session for 7 × 24 h
QUIET_DAYS = 30  # a mentee without a session for longer than this is flagged
# Who a talk leader talks with and who counts for coverage: on post or seconded, not exited.
TALK_STATUSES = frozenset({WorkerStatus.ACTIVE, WorkerStatus.SECONDED})


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
    """Return whether a date lies after today (sessions and talks are logged afterwards)."""
    return day > today


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


# -- 谈心 coverage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """A month's 谈心 coverage: workers talked with out of workers on the team."""

    talked: int
    total: int

    @property
    def percent(self) -> int | None:
        """Return the share talked with, rounded down (never shows 100 % with one missing)."""
        if self.total == 0:
            return None
        return self.talked * 100 // self.total

    @property
    def missing(self) -> int:
        """Return how many workers have had no talk yet."""
        return self.total - self.talked


def coverage(team: Collection[int], talked_with: Iterable[int]) -> Coverage:
    """Count the team members with at least one talk; talks with others do not count."""
    members = set(team)
    return Coverage(talked=len(members & set(talked_with)), total=len(members))


def in_talk_population(status: WorkerStatus) -> bool:
    """Return whether a worker of this status is talked with and counted (在岗, 借调)."""
    return status in TALK_STATUSES


# -- follow-ups ----------------------------------------------------------------------------------


class FollowUpLike(Protocol):
    """Anything with a follow-up's status and due date."""

    status: FollowUpStatus
    due_on: date


F = TypeVar("F", bound=FollowUpLike)


def is_open(item: FollowUpLike) -> bool:
    """Return whether a follow-up still needs doing."""
    return item.status == FollowUpStatus.OPEN


def is_overdue(item: FollowUpLike, as_of: date) -> bool:
    """Return whether an open follow-up's due date has passed (due today is not overdue)."""
    return is_open(item) and item.due_on < as_of


def carried_over(items: Iterable[F], as_of: date) -> list[F]:
    """Return the open follow-ups that carry over to the next talk: overdue first, by due date."""
    open_items = [item for item in items if is_open(item)]
    return sorted(open_items, key=lambda item: (not is_overdue(item, as_of), item.due_on))


def days_overdue(item: FollowUpLike, as_of: date) -> int:
    """Return how many days an open follow-up is past due (0 if not overdue)."""
    return (as_of - item.due_on).days if is_overdue(item, as_of) else 0


def follow_up_row_problem(
    item: str, owner: str, due_on: date | None, talk_on: date | None
) -> str | None:
    """Return why a follow-up row is refused ("incomplete", "due_before_talk"), or None."""
    filled = [bool(item.strip()), bool(owner.strip()), due_on is not None]
    if not any(filled):
        return None  # a blank row is simply not used
    if not all(filled):
        return "incomplete"
    if talk_on is not None and due_on is not None and due_on < talk_on:
        return "due_before_talk"
    return None


def growth_progress(done: Sequence[date | None]) -> int:
    """Return how many of the "四个一" items have a date."""
    return sum(1 for day in done if day is not None)
