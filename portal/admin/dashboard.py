"""The team dashboard: its reads and how they add up to the figures [004 §16, 003 §1].

"底数清、情况明": the figures themselves (shares, headcounts, coverage) are in figures.py.

Every figure counts the current team: workers on post or seconded (退出 not counted),
the same population as the roster's default filter, the exports and the 谈心 coverage of
the mentoring pages. A page is a handful of queries whatever the number of workers:

1. the team, one row per worker, with "certified", "talked with this month" and "has a
   current mentor" as EXISTS columns (headcount, grades, rates, coverage);
2. the communities with their population (staffing);
3. this year's training hours (``admin.team_queries.training_standing``);
4. certificate deadlines (``admin.team_queries.deadline_standing``);
5. to 7. exit risks (``admin.team_queries.exit_risk_rows``: appraisals, then absence).

The policy rules then run in Python over those rows, so the dashboard, the exports and
the worker's own home agree by construction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute

from portal.admin import queries as admin_queries
from portal.admin import rotation, team_queries
from portal.admin.figures import (
    COLLEGE_OR_ABOVE,
    CommunityHeadcount,
    GeneralistRow,
    MentoringFigures,
    Rate,
    StaffingRow,
    StreetSummary,
    TeamFigures,
    TitleMixFigures,
    TitleShare,
    TrainingFigures,
)
from portal.admin.queries import ReadScope
from portal.certificates.models import Certificate
from portal.enums import CertificateKind, Education, PostType, WorkerStatus
from portal.extensions import db
from portal.mentoring import rules as mentoring_rules
from portal.mentoring.models import MentorPairing
from portal.org.models import Community, District, Street
from portal.people.models import WorkerProfile
from portal.people.scope import AdminScope
from portal.policy.model import TeamTargets
from portal.policy.profiles import MAX_GRADE, MIN_GRADE, PolicyProfile, load_profile
from portal.policy.rules import TITLE_OF_KIND, TitleLevel
from portal.talks import rules as talks_rules
from portal.talks.models import Talk
from portal.timeutil import month_bounds

SHOWN_ROWS = 50  # lists on the page stop here; the exports hold every row


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

    def street_condition(
        self, street_column: sa.ColumnElement[int] | QueryableAttribute[int]
    ) -> sa.ColumnElement[bool]:
        """Return the SQL condition 'this street column is the chosen street'."""
        return street_column == self.street_id


def narrowed(
    scope: AdminScope, street_id: int | None, streets: Iterable[Street]
) -> AdminScope | StreetView:
    """Return the scope the dashboard reads: one chosen street of the district, or all.

    Only an admin who reads the whole district chooses; a street id outside the
    district is ignored (the whole district is shown).
    """
    if not scope.whole_district or street_id is None:
        return scope
    if street_id not in {street.id for street in streets}:
        return scope
    return StreetView(scope.district, street_id)


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
    title: TitleLevel | None  # highest social-work qualification level
    generalist: bool  # holds a current 全科社工 certificate
    last_rotation: date | None  # last county-level training before this year
    rotated: bool  # a county-level training this year


# The highest title among the worker's certificates, as its level number (NULL: none).
_TITLE = (
    sa.select(
        sa.func.max(
            sa.case(
                *((Certificate.kind == kind, int(level)) for kind, level in TITLE_OF_KIND.items())
            )
        )
    )
    .where(Certificate.worker_id == WorkerProfile.user_id)
    .correlate(WorkerProfile)
    .scalar_subquery()
)


def _generalist(today: date):
    """Return 'holds a 全科社工 certificate not expired on ``today``' (EXISTS)."""
    return (
        sa.exists()
        .where(
            Certificate.worker_id == WorkerProfile.user_id,
            Certificate.kind == CertificateKind.GENERALIST,
            sa.or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today),
        )
        .correlate(WorkerProfile)
    )


def _team(scope: ReadScope, today: date) -> list[_Member]:
    """Return the current team in scope with the per-worker flags (one query)."""
    first, last = month_bounds(today)
    rotation_policy = scope.profile.rotation
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
            _TITLE.label("title"),
            _generalist(today).label("generalist"),
            rotation.last_trained_before(rotation_policy, today.year).label("last_rotation"),
            rotation.trained_in(rotation_policy, today.year).label("rotated"),
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
            title=None if row[11] is None else TitleLevel(row[11]),
            generalist=bool(row[12]),
            last_rotation=row[13],
            rotated=bool(row[14]),
        )
        for row in db.session.execute(statement)
    ]


def _rates(members: Sequence[_Member], targets: TeamTargets | None) -> tuple[Rate, Rate, Rate]:
    total = len(members)
    certified, party, college = (
        (targets.certified_percent, targets.party_percent, targets.college_percent)
        if targets is not None
        else (None, None, None)
    )
    return (
        Rate(sum(m.certified for m in members), total, certified),
        Rate(sum(m.party_member for m in members), total, party),
        Rate(sum(m.education in COLLEGE_OR_ABOVE for m in members), total, college),
    )


def _titles(members: Sequence[_Member], profile: PolicyProfile) -> TitleMixFigures:
    counts = Counter(m.title for m in members if m.title is not None)
    titled = sum(counts.values())
    mix = profile.title_mix
    targets = (
        {
            TitleLevel.JUNIOR: mix.junior_percent,
            TitleLevel.MIDDLE: mix.middle_percent,
            TitleLevel.SENIOR: mix.senior_percent,
        }
        if mix is not None
        else {}
    )
    shares = [
        TitleShare(
            level=level,
            count=counts[level],
            percent=counts[level] * 100 // titled if titled else None,
            target=targets.get(level),
        )
        for level in TitleLevel
    ]
    return TitleMixFigures(shares=shares, untitled=len(members) - titled, mix=mix)


def _talk_coverage(members: Sequence[_Member]) -> talks_rules.Coverage:
    return talks_rules.coverage(
        [m.worker_id for m in members], [m.worker_id for m in members if m.talked]
    )


def _mentoring(members: Sequence[_Member], today: date) -> MentoringFigures:
    # A 12-month period ends within 366 days of its start: older starts are skipped
    # without the (relativedelta) month arithmetic.
    recent = today - timedelta(days=366)
    entrants = [
        m
        for m in members
        if m.started_on >= recent and mentoring_rules.is_new_entrant(m.started_on, today)
    ]
    return MentoringFigures(
        talks=_talk_coverage(members),
        new_entrants=len(entrants),
        with_mentor=sum(m.mentored for m in entrants),
    )


def _training(rows: Sequence[team_queries.TrainingStanding]) -> TrainingFigures:
    done = [r for r in rows if r.progress.done]
    on_pace = [r for r in rows if not r.progress.done and r.progress.on_pace]
    behind = [r for r in rows if not r.progress.done and not r.progress.on_pace]
    behind.sort(key=lambda r: (-r.progress.missing, r.community, r.name))
    return TrainingFigures(len(done), len(on_pace), len(behind), behind)


def team_figures(scope: ReadScope, today: date, *, streets: Sequence[Street] = ()) -> TeamFigures:
    """Compute every figure of the dashboard for a scope (six queries).

    The targets, norms and ratios are the scope's policy profile's; where the profile
    has none the figure has none (``Rate.target`` None, ``TeamFigures.targets`` None).

    ``streets`` are the streets of a whole-district scope: given, the figures also carry
    one summary row per street.
    """
    profile = scope.profile
    members = _team(scope, today)
    communities = admin_queries.scope_communities(scope)
    training_rows = team_queries.training_standing(scope, today)
    deadlines = team_queries.deadline_standing(scope, today)
    exit_rows = team_queries.exit_risk_rows(scope, today)

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
    norm = profile.staffing.workers_per_10000 if profile.staffing is not None else None
    staffing = [
        StaffingRow(
            community=community.name,
            street=street_name,
            population=community.population,
            headcount=sum(by_community.get(community.id, Counter()).values()),
            norm=norm,
        )
        for community, street_name in communities
        if community.population  # entered and not zero
    ]
    generalists_of = Counter(m.community_id for m in members if m.generalist)
    minimum = profile.generalists.min_per_community if profile.generalists is not None else None
    generalists = [
        GeneralistRow(
            community_id=community.id,
            community=community.name,
            street=street_name,
            count=generalists_of[community.id],
            minimum=minimum,
        )
        for community, street_name in communities
    ]
    certified, party, college = _rates(members, profile.team_targets)
    overdue = [r for r in deadlines if r.state.days_left is not None and r.state.days_left < 0]
    due_soon = [r for r in deadlines if r.state.days_left is not None and r.state.days_left >= 0]
    summaries = _street_summaries(
        streets, members, communities, training_rows, deadlines, exit_rows, profile
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
        targets=profile.team_targets,
        staffing_norm=profile.staffing,
        generalists=generalists,
        generalist_policy=profile.generalists,
        rotation=rotation.figures_of(
            profile.rotation,
            ((m.post_type, m.started_on, m.last_rotation, m.rotated) for m in members),
            today.year,
        ),
        titles=_titles(members, profile),
    )


def _street_summaries(
    streets: Sequence[Street], members, communities, training_rows, deadlines, exit_rows, profile
) -> list[StreetSummary]:
    """Return one summary per street, from rows already loaded (no further queries)."""
    if not streets:
        return []
    street_of = {community.id: community.street_id for community, _name in communities}

    def of_street(rows, street_id):
        return [r for r in rows if street_of.get(r.worker.community_id) == street_id]

    def plain_of_street(rows, street_id):  # the plain rows: training, deadlines
        return [r for r in rows if street_of.get(r.community_id) == street_id]

    summaries = []
    for street in streets:
        team = [m for m in members if m.street_id == street.id]
        certified, party, college = _rates(team, profile.team_targets)
        summaries.append(
            StreetSummary(
                street=street,
                headcount=len(team),
                certified=certified,
                party=party,
                college=college,
                training_behind=_training(plain_of_street(training_rows, street.id)).behind,
                certificates_overdue=sum(
                    1
                    for r in plain_of_street(deadlines, street.id)
                    if r.state.days_left is not None and r.state.days_left < 0
                ),
                exit_risks=len(of_street(exit_rows, street.id)),
                talks=_talk_coverage(team),
            )
        )
    return summaries
