"""The team dashboard's figures: "底数清、情况明" [004 §16 统计制度, 003 §1].

Every figure counts the current team: workers on post or seconded (退出 not counted),
the same population as the roster's default filter, the exports and the 谈心 coverage of
the mentoring pages. A page is a handful of queries whatever the number of workers:

1. the team, one row per worker, with "certified", "talked with this month" and "has a
   current mentor" as EXISTS columns (headcount, grades, rates, coverage);
2. the communities with their population (staffing);
3. this year's training hours (``admin.team_queries.training_compliance``);
4. certificate deadlines (``admin.team_queries.certificate_deadlines``);
5. and 6. exit risks (``admin.team_queries.exit_risk_rows``).

The policy rules then run in Python over those rows, so the dashboard, the exports and
the worker's own home agree by construction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from portal.admin import queries as admin_queries
from portal.admin import team_queries
from portal.enums import Education, PostType, WorkerStatus
from portal.extensions import db
from portal.mentoring import rules as mentoring_rules
from portal.mentoring.models import MentorPairing
from portal.org.models import Community, District, Street
from portal.people.models import WorkerProfile
from portal.people.scope import AdminScope
from portal.policy.profiles import MAX_GRADE, MIN_GRADE, PolicyProfile, load_profile
from portal.talks import rules as talks_rules
from portal.talks.models import Talk
from portal.timeutil import month_bounds

# Targets within five years [003 §1]: 持证社工占比60%以上、党员占比70%以上、大专以上学历90%以上.
CERTIFIED_TARGET = 60
PARTY_TARGET = 70
COLLEGE_TARGET = 90
# 每万城镇常住人口拥有社区工作者18人 [003 §1, 004 §3].
WORKERS_PER_10000 = 18
COLLEGE_OR_ABOVE = frozenset({Education.COLLEGE, Education.BACHELOR, Education.MASTER})
SHOWN_ROWS = 50  # lists on the page stop here; the exports hold every row

_TENTH = Decimal("0.1")


# -- the scope of one street inside a district ----------------------------------------------


@dataclass(frozen=True)
class StreetView:
    """One street of a district admin's district, read-only (the street selector)."""

    district: District
    street_id: int
    can_write = False
    whole_district = False

    @property
    def profile(self) -> PolicyProfile:
        """Return the district's policy profile."""
        return load_profile(self.district.policy_code)

    def street_condition(self, street_column: sa.ColumnElement) -> sa.ColumnElement[bool]:
        """Return the SQL condition 'this street column is the chosen street'."""
        return street_column == self.street_id


def narrowed(scope: AdminScope, street_id: int | None, streets: Iterable[Street]):
    """Return the scope the dashboard reads: one chosen street of the district, or all.

    Only an admin who reads the whole district chooses; a street id outside the
    district is ignored (the whole district is shown).
    """
    if not scope.whole_district or street_id is None:
        return scope
    if street_id not in {street.id for street in streets}:
        return scope
    return StreetView(scope.district, street_id)


# -- figures ----------------------------------------------------------------------------------


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
    behind_rows: Sequence[team_queries.TrainingRow]

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
    overdue: Sequence[team_queries.DeadlineRow]
    due_soon: Sequence[team_queries.DeadlineRow]  # within DEADLINE_WINDOW_DAYS, not overdue
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


@dataclass(frozen=True)
class _Member:
    """One worker of the team, as the first query returns it."""

    worker_id: int
    street_id: int
    community_id: int
    post_type: PostType
    grade: int
    education: Education
    party_member: bool
    started_on: date
    certified: bool
    talked: bool
    mentored: bool


def _team(scope, today: date) -> list[_Member]:
    """Return the current team in scope with the per-worker flags (one query)."""
    first, last = month_bounds(today)
    talked = (
        sa.exists()
        .where(Talk.worker_id == WorkerProfile.user_id, Talk.held_on.between(first, last))
        .correlate(WorkerProfile)
    )
    mentored = (
        sa.exists()
        .where(MentorPairing.mentee_id == WorkerProfile.user_id, MentorPairing.ends_on.is_(None))
        .correlate(WorkerProfile)
    )
    statement = (
        sa.select(
            WorkerProfile.user_id,
            Community.street_id,
            WorkerProfile.community_id,
            WorkerProfile.post_type,
            WorkerProfile.grade,
            WorkerProfile.education,
            WorkerProfile.party_member,
            WorkerProfile.community_work_started_on,
            admin_queries.CERTIFIED.label("certified"),
            talked.label("talked"),
            mentored.label("mentored"),
        )
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(
            scope.street_condition(Community.street_id),
            WorkerProfile.status != WorkerStatus.EXITED,
        )
    )
    return [
        _Member(
            worker_id=row[0],
            street_id=row[1],
            community_id=row[2],
            post_type=row[3],
            grade=row[4],
            education=row[5],
            party_member=bool(row[6]),
            started_on=row[7],
            certified=bool(row[8]),
            talked=bool(row[9]),
            mentored=bool(row[10]),
        )
        for row in db.session.execute(statement)
    ]


def _rates(members: Sequence[_Member]) -> tuple[Rate, Rate, Rate]:
    total = len(members)
    return (
        Rate(sum(m.certified for m in members), total, CERTIFIED_TARGET),
        Rate(sum(m.party_member for m in members), total, PARTY_TARGET),
        Rate(sum(m.education in COLLEGE_OR_ABOVE for m in members), total, COLLEGE_TARGET),
    )


def _talk_coverage(members: Sequence[_Member]) -> talks_rules.Coverage:
    return talks_rules.coverage(
        [m.worker_id for m in members], [m.worker_id for m in members if m.talked]
    )


def _mentoring(members: Sequence[_Member], today: date) -> MentoringFigures:
    entrants = [m for m in members if mentoring_rules.is_new_entrant(m.started_on, today)]
    return MentoringFigures(
        talks=_talk_coverage(members),
        new_entrants=len(entrants),
        with_mentor=sum(m.mentored for m in entrants),
    )


def _training(rows: Sequence[team_queries.TrainingRow]) -> TrainingFigures:
    done = [r for r in rows if r.progress.done]
    on_pace = [r for r in rows if not r.progress.done and r.progress.on_pace]
    behind = [r for r in rows if not r.progress.done and not r.progress.on_pace]
    behind.sort(key=lambda r: (-r.progress.missing, r.community, r.name))
    return TrainingFigures(len(done), len(on_pace), len(behind), behind)


def _community_rows(scope) -> list:
    """Return (community, street) of every community in scope (one query)."""
    return admin_queries.scope_communities(scope)


def team_figures(scope, today: date, *, streets: Sequence[Street] = ()) -> TeamFigures:
    """Compute every figure of the dashboard for a scope (six queries).

    ``streets`` are the streets of a whole-district scope: given, the figures also carry
    one summary row per street.
    """
    members = _team(scope, today)
    communities = _community_rows(scope)
    training_rows = team_queries.training_compliance(scope, today)
    deadlines = team_queries.certificate_deadlines(scope, today)
    exit_rows = team_queries.exit_risk_rows(scope)

    by_community: dict[int, Counter] = {}
    for m in members:
        by_community.setdefault(m.community_id, Counter())[m.post_type] += 1
    community_rows = [
        CommunityHeadcount(
            community_id=community.id,
            community=community.name,
            street=street_name,
            by_post={post: by_community.get(community.id, Counter())[post] for post in PostType},
        )
        for community, street_name in communities
    ]
    grades = {grade: dict.fromkeys(PostType, 0) for grade in range(MIN_GRADE, MAX_GRADE + 1)}
    for m in members:
        grades[m.grade][m.post_type] += 1
    staffing = [
        StaffingRow(
            community=community.name,
            street=street_name,
            population=community.population,
            headcount=sum(by_community.get(community.id, Counter()).values()),
        )
        for community, street_name in communities
        if community.population  # entered and not zero
    ]
    certified, party, college = _rates(members)
    overdue = [r for r in deadlines if r.state.days_left is not None and r.state.days_left < 0]
    due_soon = [r for r in deadlines if r.state.days_left is not None and r.state.days_left >= 0]
    summaries = _street_summaries(
        streets, members, communities, training_rows, deadlines, exit_rows
    )
    return TeamFigures(
        today=today,
        headcount=len(members),
        communities=community_rows,
        by_post={post: sum(1 for m in members if m.post_type is post) for post in PostType},
        grades=grades,
        certified=certified,
        party=party,
        college=college,
        training=_training(training_rows),
        overdue=overdue,
        due_soon=due_soon,
        exit_risks=exit_rows,
        mentoring=_mentoring(members, today),
        staffing=staffing,
        streets=summaries,
    )


def _street_summaries(
    streets: Sequence[Street], members, communities, training_rows, deadlines, exit_rows
) -> list[StreetSummary]:
    """Return one summary per street, from rows already loaded (no further queries)."""
    if not streets:
        return []
    street_of = {community.id: community.street_id for community, _name in communities}

    def of_street(rows, street_id):
        return [r for r in rows if street_of.get(r.worker.community_id) == street_id]

    summaries = []
    for street in streets:
        team = [m for m in members if m.street_id == street.id]
        certified, party, college = _rates(team)
        summaries.append(
            StreetSummary(
                street=street,
                headcount=len(team),
                certified=certified,
                party=party,
                college=college,
                training_behind=_training(of_street(training_rows, street.id)).behind,
                certificates_overdue=sum(
                    1
                    for r in of_street(deadlines, street.id)
                    if r.state.days_left is not None and r.state.days_left < 0
                ),
                exit_risks=len(of_street(exit_rows, street.id)),
                talks=_talk_coverage(team),
            )
        )
    return summaries
