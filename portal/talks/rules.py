"""Pure rules for 谈心日 talks [domain §6]: who is talked with, coverage, follow-ups.

No database, no request: table-tested in tests/mentoring/test_rules.py.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from portal.enums import FollowUpStatus, WorkerStatus

# Who a talk leader talks with and who counts for coverage: on post or seconded, not exited.
TALK_STATUSES = frozenset({WorkerStatus.ACTIVE, WorkerStatus.SECONDED})


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
