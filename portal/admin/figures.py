"""The team dashboard's figures, as the page and the district's comparison show them.

Plain values computed from rows already loaded (portal/admin/dashboard.py reads them):
shares against the policy targets, headcounts against the staffing ratio, training and
mentoring coverage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from portal.admin import team_queries
from portal.enums import Education, PostType
from portal.org.models import Street
from portal.talks import rules as talks_rules

# Targets within five years [003 §1]: 持证社工占比60%以上、党员占比70%以上、大专以上学历90%以上.
CERTIFIED_TARGET = 60
PARTY_TARGET = 70
COLLEGE_TARGET = 90
# 每万城镇常住人口拥有社区工作者18人 [003 §1, 004 §3].
WORKERS_PER_10000 = 18
COLLEGE_OR_ABOVE = frozenset({Education.COLLEGE, Education.BACHELOR, Education.MASTER})

_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Rate:
    """A share of the team against a policy target (percent)."""

    count: int
    total: int
    target: int

    @property
    def percent(self) -> int | None:
        """Return the share rounded down (59.9 % never shows as 60 %), None for no team."""
        if self.total == 0:
            return None
        return self.count * 100 // self.total

    @property
    def met(self) -> bool:
        """Return whether the share reaches the target (exactly, not after rounding)."""
        return self.total > 0 and self.count * 100 >= self.target * self.total

    @property
    def missing(self) -> int:
        """Return how many more workers the target needs (0 when met)."""
        needed = -(-self.target * self.total // 100)  # ceiling
        return max(needed - self.count, 0)


@dataclass(frozen=True)
class CommunityHeadcount:
    """Workers of one community by post type."""

    community_id: int
    community: str
    street: str
    by_post: dict[PostType, int]

    @property
    def total(self) -> int:
        """Return the community's headcount."""
        return sum(self.by_post.values())


@dataclass(frozen=True)
class StaffingRow:
    """A community's headcount against 18 workers per 10,000 residents [003 §1, 004 §3]."""

    community: str
    street: str
    population: int
    headcount: int

    @property
    def quota(self) -> Decimal:
        """Return the workers the population calls for, to one decimal."""
        return (Decimal(self.population) * WORKERS_PER_10000 / 10000).quantize(
            _TENTH, rounding=ROUND_HALF_UP
        )

    @property
    def per_10000(self) -> Decimal | None:
        """Return workers per 10,000 residents, to one decimal (None without residents)."""
        if self.population == 0:
            return None
        return (Decimal(self.headcount) * 10000 / self.population).quantize(
            _TENTH, rounding=ROUND_HALF_UP
        )

    @property
    def short(self) -> bool:
        """Return whether the community has fewer workers than the ratio calls for."""
        return self.headcount * 10000 < WORKERS_PER_10000 * self.population


@dataclass(frozen=True)
class TrainingFigures:
    """The team's training hours this year against each worker's minimum."""

    done: int
    on_pace: int  # not done yet, but at or ahead of the pro rata pace
    behind: int
    behind_rows: Sequence[team_queries.TrainingStanding]

    @property
    def total(self) -> int:
        """Return the number of workers counted."""
        return self.done + self.on_pace + self.behind


@dataclass(frozen=True)
class MentoringFigures:
    """The month's 谈心 coverage and the mentors of new entrants."""

    talks: talks_rules.Coverage
    new_entrants: int
    with_mentor: int

    @property
    def awaiting_mentor(self) -> int:
        """Return the new entrants still waiting for a mentor (待配导师)."""
        return self.new_entrants - self.with_mentor

    @property
    def mentor_percent(self) -> int | None:
        """Return the share of new entrants with a mentor, rounded down."""
        if self.new_entrants == 0:
            return None
        return self.with_mentor * 100 // self.new_entrants


@dataclass(frozen=True)
class StreetSummary:
    """One street's key figures, for the district's comparison table."""

    street: Street
    headcount: int
    certified: Rate
    party: Rate
    college: Rate
    training_behind: int
    certificates_overdue: int
    exit_risks: int
    talks: talks_rules.Coverage


@dataclass(frozen=True)
class TeamFigures:
    """Everything the team dashboard shows."""

    today: date
    headcount: int
    communities: Sequence[CommunityHeadcount]
    by_post: dict[PostType, int]
    grades: dict[int, dict[PostType, int]]  # grade → post type → workers
    certified: Rate
    party: Rate
    college: Rate
    training: TrainingFigures
    overdue: Sequence[team_queries.DeadlineStanding]
    due_soon: Sequence[team_queries.DeadlineStanding]  # within DEADLINE_WINDOW_DAYS, not overdue
    exit_risks: Sequence[team_queries.ExitRiskRow]
    mentoring: MentoringFigures
    staffing: Sequence[StaffingRow]
    streets: Sequence[StreetSummary] = field(default_factory=tuple)  # district view only

    @property
    def staffing_total(self) -> StaffingRow | None:
        """Return the communities with a population entered, added up (None if none)."""
        if not self.staffing:
            return None
        return StaffingRow(
            community="",
            street="",
            population=sum(row.population for row in self.staffing),
            headcount=sum(row.headcount for row in self.staffing),
        )

    @property
    def post_types(self) -> list[PostType]:
        """Return the post types, head first (the order of 三岗)."""
        return [PostType.HEAD, PostType.DEPUTY, PostType.STAFF]
