"""Pure rules of unexcused absence (旷工) against a profile's exit rule [003 §11(5)].

003 §11(5): a worker leaves the team after 连续旷工超过10个工作日，或者1年内累计旷工超过20个
工作日. The numbers come from the profile (``PolicyProfile.absence``); a profile without
the rule shows no limit.

Working days are Monday to Friday. The portal has no calendar of public holidays or of
调休 working weekends, so a holiday between two absent days does not break a run here
while a weekend never does; the admin records only Monday-to-Friday days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from portal.policy.model import AbsenceRule

_ONE_DAY = timedelta(days=1)
SATURDAY = 5


def is_working_day(day: date) -> bool:
    """Return whether a day is a working day (Monday to Friday; no holiday calendar)."""
    return day.weekday() < SATURDAY


def next_working_day(day: date) -> date:
    """Return the first working day after ``day``."""
    day += _ONE_DAY
    while not is_working_day(day):
        day += _ONE_DAY
    return day


def working_days_between(first: date, last: date) -> list[date]:
    """Return the working days from ``first`` to ``last``, both included."""
    days = []
    day = first
    while day <= last:
        if is_working_day(day):
            days.append(day)
        day += _ONE_DAY
    return days


def runs(days: Iterable[date]) -> list[tuple[date, date, int]]:
    """Return the runs of consecutive working days: (first, last, number of days)."""
    found: list[tuple[date, date, int]] = []
    for day in sorted(set(days)):
        if found and next_working_day(found[-1][1]) == day:
            first, _last, length = found[-1]
            found[-1] = (first, day, length + 1)
        else:
            found.append((day, day, 1))
    return found


def longest_run(days: Iterable[date], year: int | None = None) -> int:
    """Return the longest run of consecutive working days (touching ``year``, if given).

    A run across New Year counts whole in both years: 连续 does not stop on 1 January.
    """
    lengths = [
        length
        for first, last, length in runs(days)
        if year is None or first.year <= year <= last.year
    ]
    return max(lengths, default=0)


def days_in_year(days: Iterable[date], year: int) -> int:
    """Return the number of distinct absent days in a calendar year (1年内 read as the year)."""
    return len({day for day in days if day.year == year})


@dataclass(frozen=True, slots=True)
class Limit:
    """One count against one limit of the rule: exit when the count is above the limit."""

    count: int
    limit: int
    warn_days: int

    @property
    def triggered(self) -> bool:
        """Return whether the count is above the limit (超过): the exit procedure applies."""
        return self.count > self.limit

    @property
    def days_to_exit(self) -> int:
        """Return how many more days of absence reach the exit (0 once triggered)."""
        return max(self.limit + 1 - self.count, 0)

    @property
    def warning(self) -> bool:
        """Return whether the exit is one to ``warn_days`` days away (not yet reached)."""
        return self.count > 0 and 1 <= self.days_to_exit <= self.warn_days


@dataclass(frozen=True, slots=True)
class AbsenceStanding:
    """A worker's unexcused absence in a year against the profile's rule."""

    year: int
    consecutive: Limit
    yearly: Limit
    citation: str

    @property
    def triggered(self) -> bool:
        """Return whether either limit has been passed."""
        return self.consecutive.triggered or self.yearly.triggered

    @property
    def warning(self) -> bool:
        """Return whether a limit is near and none passed."""
        return not self.triggered and (self.consecutive.warning or self.yearly.warning)

    @property
    def at_risk(self) -> bool:
        """Return whether the exit-risk list shows the worker."""
        return self.triggered or self.warning

    @property
    def days_to_exit(self) -> int:
        """Return the fewest further days of absence that reach an exit (0 once reached)."""
        return min(self.consecutive.days_to_exit, self.yearly.days_to_exit)


def standing(rule: AbsenceRule, days: Iterable[date], year: int) -> AbsenceStanding:
    """Return a worker's longest run and yearly count in ``year`` against the rule."""
    days = list(days)
    return AbsenceStanding(
        year=year,
        consecutive=Limit(longest_run(days, year), rule.consecutive_days, rule.warn_days),
        yearly=Limit(days_in_year(days, year), rule.days_per_year, rule.warn_days),
        citation=rule.citation,
    )


def window_start(year: int) -> date:
    """Return the first day whose record is read for ``year``'s standing: 1 January before.

    A run reaching into the year from December counts whole; a run begun more than a
    year earlier would be counted from this day only (such a worker has long left).
    """
    return date(year - 1, 1, 1)
