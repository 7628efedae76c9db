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
from portal.admin.rotation import RotationFigures
from portal.enums import Education, PostType
from portal.org.models import Street
from portal.policy.model import GeneralistPolicy, StaffingNorm, TeamTargets, TitleMix
from portal.policy.rules import TitleLevel
from portal.talks import rules as talks_rules

# The targets, the staffing norm, the 全科社工 minimum, the rotation and the title mix
# come from the district's policy profile; a profile without one shows the figure alone.
COLLEGE_OR_ABOVE = frozenset({Education.COLLEGE, Education.BACHELOR, Education.MASTER})

_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Rate:
    """A share of the team against a policy target (percent); no target, no verdict."""

    count: int
    total: int
    target: int | None

    @property
    def percent(self) -> int | None:
        """Return the share rounded down (59.9 % never shows as 60 %), None for no team."""
        if self.total == 0:
            return None
        return self.count * 100 // self.total

    @property
    def met(self) -> bool:
        """Return whether the share reaches the target (exactly, not after rounding)."""
        if self.target is None:
            return False
        return self.total > 0 and self.count * 100 >= self.target * self.total

    @property
    def missing(self) -> int:
        """Return how many more workers the target needs (0 when met or without a target)."""
        if self.target is None:
            return 0
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
    """A community's headcount against the profile's workers per 10,000 residents."""

    community: str
    street: str
    population: int
    headcount: int
    norm: int | None = None  # workers per 10,000 residents; None: the profile sets none

    @property
    def quota(self) -> Decimal | None:
        """Return the workers the population calls for, to one decimal (None without a norm)."""
        if self.norm is None:
            return None
        return (Decimal(self.population) * self.norm / 10000).quantize(
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
        """Return whether the community has fewer workers than the norm calls for."""
        return self.norm is not None and self.headcount * 10000 < self.norm * self.population


@dataclass(frozen=True)
class GeneralistRow:
    """A community's 全科社工 (holders of a current certificate) against the minimum."""

    community_id: int
    community: str
    street: str
    count: int
    minimum: int | None  # None: the profile sets no minimum

    @property
    def short(self) -> bool:
        """Return whether the community has fewer than the minimum."""
        return self.minimum is not None and self.count < self.minimum

    @property
    def missing(self) -> int:
        """Return how many more the minimum needs (0 when met or without one)."""
        return max((self.minimum or 0) - self.count, 0)


@dataclass(frozen=True)
class TitleShare:
    """One professional title level: its workers, their share, the profile's share."""

    level: TitleLevel
    count: int
    percent: int | None  # of the titled workers, rounded down; None when nobody has a title
    target: int | None  # None: the profile sets no mix


@dataclass(frozen=True)
class TitleMixFigures:
    """Junior / middle / senior titles on the team, against the profile's mix if it has one."""

    shares: Sequence[TitleShare]
    untitled: int  # workers holding no social-work qualification
    mix: TitleMix | None

    @property
    def titled(self) -> int:
        """Return the workers with a title."""
        return sum(share.count for share in self.shares)


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
    targets: TeamTargets | None = None  # the profile's; None: no target shown
    staffing_norm: StaffingNorm | None = None
    generalists: Sequence[GeneralistRow] = field(default_factory=tuple)
    generalist_policy: GeneralistPolicy | None = None
    rotation: RotationFigures | None = None
    titles: TitleMixFigures | None = None

    @property
    def generalists_short(self) -> int:
        """Return the communities below the 全科社工 minimum."""
        return sum(row.short for row in self.generalists)

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
            norm=self.staffing[0].norm,
        )

    @property
    def post_types(self) -> list[PostType]:
        """Return the post types, head first (the order of 三岗)."""
        return [PostType.HEAD, PostType.DEPUTY, PostType.STAFF]
