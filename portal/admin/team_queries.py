"""Reads of the team's standing, behind the exports and the dashboard.

Training hours against the minimum, the appraisal grid, certificate deadlines and exit
risks: each a handful of queries whatever the street's size, with the policy rules run in
Python over one query's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.absence import queries as absence_queries
from portal.absence import rules as absence_rules
from portal.admin.queries import CERTIFIED, ROSTER_ORDER, ReadScope, cert_state_of, from_workers
from portal.admin.rules import SuggestedAction, latest_eligibility_for_deadline, suggested_actions
from portal.appraisal.models import Appraisal
from portal.enums import AppraisalResult, HiringRoute, RequestStatus, WorkerStatus
from portal.extensions import db
from portal.org.models import Community
from portal.outside.models import OutsideTraining
from portal.people.models import User, WorkerProfile
from portal.policy import rules
from portal.timeutil import local_today, year_bounds
from portal.training.models import Attendance

DEADLINE_WINDOW_DAYS = (
    180  # product setting: exports and dashboard show deadlines within half a year
)


def _credited_hours(first_day: date, last_day: date):
    """Return a correlated 'hours credited to this worker in the period' expression."""
    attended = (
        sa.select(sa.func.coalesce(sa.func.sum(Attendance.credited_hours), 0))
        .where(
            Attendance.worker_id == WorkerProfile.user_id,
            Attendance.credited_on.between(first_day, last_day),
        )
        .correlate(WorkerProfile)
        .scalar_subquery()
    )
    outside = (
        sa.select(sa.func.coalesce(sa.func.sum(OutsideTraining.hours), 0))
        .where(
            OutsideTraining.worker_id == WorkerProfile.user_id,
            OutsideTraining.status == RequestStatus.APPROVED,
            OutsideTraining.completed_on.between(first_day, last_day),
        )
        .correlate(WorkerProfile)
        .scalar_subquery()
    )
    return attended + outside


@dataclass(frozen=True)
class TrainingRow:
    """One worker's training hours this year against their minimum."""

    worker: WorkerProfile
    name: str
    staff_no: str | None
    community: str
    progress: rules.TrainingProgress


def _on_post_with_hours(scope: ReadScope, today: date, *worker_columns) -> sa.Select:
    """Select `worker_columns`, name, staff number, community and this year's credited hours.

    One row per worker on post in scope, in roster order.
    """
    first, last = year_bounds(today.year)
    return (
        from_workers(
            sa.select(
                *worker_columns,
                User.name,
                User.staff_no,
                Community.name.label("community"),
                _credited_hours(first, last).label("credited"),
            )
        )
        .where(
            scope.street_condition(Community.street_id),
            WorkerProfile.status != WorkerStatus.EXITED,
        )
        .order_by(*ROSTER_ORDER)
    )


def training_compliance(scope: ReadScope, today: date) -> list[TrainingRow]:
    """Return this year's hours of every worker on post, with the rules' verdict (one query)."""
    statement = _on_post_with_hours(scope, today, WorkerProfile)
    profile = scope.profile
    rows = []
    for row in db.session.execute(statement):
        worker = row.WorkerProfile
        new_entrant = worker.community_work_started_on.year == today.year
        required = rules.annual_training_requirement(
            profile, worker.post_type, new_entrant=new_entrant
        )
        credited = Decimal(row.credited).quantize(Decimal("0.1"))
        progress = rules.training_progress(required, credited, today=today)
        rows.append(TrainingRow(worker, row.name, row.staff_no, row.community, progress))
    return rows


@dataclass(frozen=True)
class TrainingStanding:
    """One worker's training hours this year against their minimum, as plain columns."""

    worker_id: int
    community_id: int
    name: str
    staff_no: str | None
    community: str
    progress: rules.TrainingProgress


def training_standing(scope: ReadScope, today: date) -> list[TrainingStanding]:
    """Return what ``training_compliance`` does, from plain columns (one query).

    The dashboard counts every worker but shows only a few: no ORM object per worker, and
    the rules run once per distinct (minimum, hours credited).
    """
    statement = _on_post_with_hours(
        scope,
        today,
        WorkerProfile.user_id,
        WorkerProfile.community_id,
        WorkerProfile.post_type,
        WorkerProfile.community_work_started_on,
    )
    profile = scope.profile
    required_of: dict[tuple, Decimal] = {}
    progress_of: dict[tuple[Decimal, object], rules.TrainingProgress] = {}
    tenth = Decimal("0.1")
    rows = []
    for (
        worker_id,
        community_id,
        post_type,
        started,
        name,
        staff_no,
        community,
        credited,
    ) in db.session.execute(statement):
        new_entrant = started.year == today.year
        required = required_of.get((post_type, new_entrant))
        if required is None:
            required = rules.annual_training_requirement(
                profile, post_type, new_entrant=new_entrant
            )
            required_of[post_type, new_entrant] = required
        progress = progress_of.get((required, credited))
        if progress is None:
            hours = Decimal(credited).quantize(tenth)
            progress = rules.training_progress(required, hours, today=today)
            progress_of[required, credited] = progress
        rows.append(TrainingStanding(worker_id, community_id, name, staff_no, community, progress))
    return rows


@dataclass(frozen=True)
class AppraisalGrid:
    """Every worker's results, one column per year."""

    years: Sequence[int]
    rows: Sequence[tuple]  # (worker, name, staff_no, community, {year: Appraisal})


def appraisal_grid(scope: ReadScope) -> AppraisalGrid:
    """Return the appraisal results of the workers in scope by year (two queries)."""
    workers = db.session.execute(
        from_workers(
            sa.select(WorkerProfile, User.name, User.staff_no, Community.name.label("community"))
        )
        .where(scope.street_condition(Community.street_id))
        .order_by(*ROSTER_ORDER)
    ).all()
    appraisals = db.session.scalars(
        sa.select(Appraisal)
        .join(WorkerProfile, WorkerProfile.user_id == Appraisal.worker_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(scope.street_condition(Community.street_id))
    ).all()
    by_worker: dict[int, dict[int, Appraisal]] = {}
    for appraisal in appraisals:
        by_worker.setdefault(appraisal.worker_id, {})[appraisal.year] = appraisal
    years = sorted({appraisal.year for appraisal in appraisals})
    rows = [
        (
            row.WorkerProfile,
            row.name,
            row.staff_no,
            row.community,
            by_worker.get(row[0].user_id, {}),
        )
        for row in workers
    ]
    return AppraisalGrid(years=years, rows=rows)


@dataclass(frozen=True)
class DeadlineRow:
    """An uncertified worker whose certificate deadline is near or past."""

    worker: WorkerProfile
    name: str
    staff_no: str | None
    community: str
    deadline: date
    state: rules.CertificateState


def certificate_deadlines(
    scope: ReadScope, today: date, *, within_days: int = DEADLINE_WINDOW_DAYS
) -> list[DeadlineRow]:
    """Return uncertified workers on post whose deadline is within the window or past."""
    profile = scope.profile
    bound = latest_eligibility_for_deadline(profile, today + timedelta(days=within_days))
    statement = (
        from_workers(
            sa.select(WorkerProfile, User.name, User.staff_no, Community.name.label("community"))
        )
        .where(
            scope.street_condition(Community.street_id),
            WorkerProfile.status != WorkerStatus.EXITED,
            WorkerProfile.exam_eligible_on.is_not(None),
            WorkerProfile.exam_eligible_on <= bound,
            ~CERTIFIED,
        )
        .order_by(WorkerProfile.exam_eligible_on, User.name, WorkerProfile.user_id)
    )
    rows = []
    for row in db.session.execute(statement):
        deadline, state = cert_state_of(profile, row.WorkerProfile, False, today)
        rows.append(
            DeadlineRow(row.WorkerProfile, row.name, row.staff_no, row.community, deadline, state)
        )
    return rows


@dataclass(frozen=True)
class DeadlineStanding:
    """What ``DeadlineRow`` holds, as plain columns: the dashboard's deadline rows."""

    worker_id: int
    community_id: int
    name: str
    staff_no: str | None
    community: str
    deadline: date | None  # never None: every row has an eligibility date
    state: rules.CertificateState


def deadline_standing(
    scope: ReadScope, today: date, *, within_days: int = DEADLINE_WINDOW_DAYS
) -> list[DeadlineStanding]:
    """Return what ``certificate_deadlines`` does, from plain columns (one query).

    The rules need the exam-eligibility date only; they run once per distinct date.
    """
    profile = scope.profile
    bound = latest_eligibility_for_deadline(profile, today + timedelta(days=within_days))
    statement = (
        from_workers(
            sa.select(
                WorkerProfile.user_id,
                WorkerProfile.community_id,
                User.name,
                User.staff_no,
                Community.name.label("community"),
                WorkerProfile.exam_eligible_on,
            )
        )
        .where(
            scope.street_condition(Community.street_id),
            WorkerProfile.status != WorkerStatus.EXITED,
            WorkerProfile.exam_eligible_on.is_not(None),
            WorkerProfile.exam_eligible_on <= bound,
            ~CERTIFIED,
        )
        .order_by(WorkerProfile.exam_eligible_on, User.name, WorkerProfile.user_id)
    )
    state_of: dict[date, tuple[date | None, rules.CertificateState]] = {}
    rows = []
    for worker_id, community_id, name, staff_no, community, eligible in db.session.execute(
        statement
    ):
        if eligible not in state_of:
            deadline = rules.certificate_deadline(profile, eligible)
            state = rules.certificate_state(profile, deadline, today, certified=False)
            state_of[eligible] = (deadline, state)
        deadline, state = state_of[eligible]
        rows.append(
            DeadlineStanding(worker_id, community_id, name, staff_no, community, deadline, state)
        )
    return rows


ACTION_LABELS = {
    SuggestedAction.TALK: _l("Heart-to-heart talk"),
    SuggestedAction.TRAINING: _l("Training"),
    SuggestedAction.MENTOR: _l("Mentor support"),
}


@dataclass(frozen=True)
class ExitRiskRow:
    """A worker who has triggered an exit rule or is one result away from one."""

    worker: WorkerProfile
    name: str
    staff_no: str | None
    community: str
    history: dict[int, AppraisalResult]
    risks: Sequence[rules.ExitRisk]
    actions: Sequence[SuggestedAction]
    # Unexcused absence this year against the profile's rule [003 §11(5)]; None when the
    # worker is not near it or the profile has no such rule.
    absence: absence_rules.AbsenceStanding | None = None

    @property
    def triggered(self) -> bool:
        """Return whether any exit rule has been reached."""
        return any(risk.triggered for risk in self.risks) or bool(
            self.absence and self.absence.triggered
        )


def _absence_at_risk(scope: ReadScope, today: date) -> dict[int, absence_rules.AbsenceStanding]:
    """Return the workers near or past the absence exit rule (one query; none without a rule)."""
    rule = scope.profile.absence
    if rule is None:
        return {}
    days = absence_queries.days_by_worker(
        scope.street_condition, absence_rules.window_start(today.year)
    )
    standings = {
        worker_id: absence_rules.standing(rule, worker_days, today.year)
        for worker_id, worker_days in days.items()
    }
    return {worker_id: s for worker_id, s in standings.items() if s.at_risk}


def exit_risk_rows(scope: ReadScope, today: date | None = None) -> list[ExitRiskRow]:
    """Return the workers on post at risk under their profile's exit rules (three queries).

    The appraisal rules need only each worker's hiring route and published results, so
    those come first (one query), then the absence rule's recorded days (one query, none
    without the rule); the full rows are loaded for the few workers at risk only.
    """
    today = today or local_today()
    profile = scope.profile
    on_post = (
        scope.street_condition(Community.street_id),
        WorkerProfile.status != WorkerStatus.EXITED,
    )
    # A rule's streak ends at the latest published result: only workers whose latest
    # result is one a rule counts can be at risk, so only theirs are read.
    latest = (
        sa.select(Appraisal.result)
        .where(
            Appraisal.worker_id == WorkerProfile.user_id,
            Appraisal.published_at.is_not(None),  # only results the worker has been told
        )
        .order_by(Appraisal.year.desc())
        .limit(1)
        .correlate(WorkerProfile)
        .scalar_subquery()
    )
    rule_results = sorted({rule.result for rule in profile.exit_rules})
    candidates = (
        sa.select(WorkerProfile.user_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(*on_post, latest.in_(rule_results))
    )
    # One read: the candidates' published results with their hiring route (aliased, so
    # the candidates subquery keeps its own WorkerProfile instead of correlating).
    holder = aliased(WorkerProfile)
    results = db.session.execute(
        sa.select(Appraisal.worker_id, holder.hiring_route, Appraisal.year, Appraisal.result)
        .join(holder, holder.user_id == Appraisal.worker_id)
        .where(
            Appraisal.worker_id.in_(candidates.scalar_subquery()),
            Appraisal.published_at.is_not(None),
        )
    ).all()
    histories: dict[int, dict[int, AppraisalResult]] = {}
    routes: dict[int, HiringRoute] = {}
    for worker_id, hiring_route, year, result in results:
        histories.setdefault(worker_id, {})[year] = result
        routes[worker_id] = hiring_route
    at_risk: dict[int, Sequence[rules.ExitRisk]] = {}
    for worker_id, hiring_route in routes.items():
        risks = rules.exit_risks(profile, histories[worker_id], hiring_route=hiring_route)
        if risks:
            at_risk[worker_id] = risks
    absent = _absence_at_risk(scope, today)
    if not at_risk and not absent:
        return []
    workers = db.session.execute(
        from_workers(
            sa.select(WorkerProfile, User.name, User.staff_no, Community.name.label("community"))
        )
        .where(*on_post, WorkerProfile.user_id.in_(sorted(at_risk.keys() | absent.keys())))
        .order_by(*ROSTER_ORDER)
    ).all()
    rows = []
    for row in workers:
        worker = row.WorkerProfile
        worker_risks = at_risk.get(worker.user_id, [])
        absence = absent.get(worker.user_id)
        rows.append(
            ExitRiskRow(
                worker=worker,
                name=row.name,
                staff_no=row.staff_no,
                community=row.community,
                history=histories.get(worker.user_id, {}),
                risks=worker_risks,
                actions=suggested_actions(worker_risks, absent=absence is not None),
                absence=absence,
            )
        )
    rows.sort(key=lambda r: (not r.triggered, r.community, r.name))
    return rows
