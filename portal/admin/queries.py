"""Reads for the admin side: the roster, a worker's file, and the rows behind each export.

Every page and export is a handful of queries whatever the street's size: per-worker
figures (certified or not, credited hours) are correlated subqueries answered by an
index, and the policy rules then run in Python over one query's rows.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.appraisal.models import Appraisal
from portal.certificates.models import Certificate
from portal.enums import AppraisalResult, CertificateKind, PostType, RequestStatus, WorkerStatus
from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import GradeChange, User, WorkerProfile
from portal.people.scope import AdminScope
from portal.policy import rules
from portal.policy.profiles import PolicyProfile
from portal.policy.rules import CertLevel
from portal.timeutil import year_bounds
from portal.training.models import Attendance, OutsideTraining

PER_PAGE = 50
SOCIAL_WORK_KINDS = tuple(k for k in CertificateKind if k.is_social_work_qualification)
DEADLINE_WINDOW_DAYS = 180  # exports and dashboard: deadlines within half a year

# Holds a social-work certificate [003 §4(4)]: answered by the certificates' worker index.
CERTIFIED = (
    sa.exists()
    .where(
        Certificate.worker_id == WorkerProfile.user_id,
        Certificate.kind.in_(SOCIAL_WORK_KINDS),
    )
    .correlate(WorkerProfile)
)


class RosterStatus(enum.StrEnum):
    """The status filter of the roster: the current team by default."""

    CURRENT = "current"  # on post or seconded
    ACTIVE = "active"
    SECONDED = "seconded"
    EXITED = "exited"
    ALL = "all"


@dataclass(frozen=True)
class RosterFilter:
    """What the admin typed and chose above the roster."""

    q: str = ""
    street_id: int | None = None
    community_id: int | None = None
    post_type: PostType | None = None
    grade: int | None = None
    status: RosterStatus = RosterStatus.CURRENT
    cert: CertLevel | None = None


@dataclass(frozen=True)
class RosterRow:
    """One worker on the roster, with the certificate state computed by the rules."""

    worker: WorkerProfile
    name: str
    phone: str
    staff_no: str | None
    is_enabled: bool
    community: str
    street: str
    certified: bool
    deadline: date | None
    cert_state: rules.CertificateState


@dataclass(frozen=True)
class RosterPage:
    """One page of the roster and where it sits in the whole list."""

    rows: Sequence[RosterRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))


# -- certificate state in SQL -----------------------------------------------------------


def latest_eligibility_for_deadline(profile: PolicyProfile, target: date) -> date:
    """Return the last exam-eligibility date whose certificate deadline is on or before target.

    The deadline rule (eligibility + N years, Feb 29 → Feb 28) never decreases, so
    "deadline ≤ target" is "eligible ≤ this date": the roster filters in SQL with it.
    """
    years = profile.certificate.deadline_years
    try:
        candidate = target.replace(year=target.year - years)
    except ValueError:  # Feb 29 of a leap target, non-leap source year
        candidate = date(target.year - years, 2, 28)
    one_day = timedelta(days=1)
    while rules.certificate_deadline(profile, candidate + one_day) <= target:
        candidate += one_day
    while rules.certificate_deadline(profile, candidate) > target:
        candidate -= one_day
    return candidate


def _cert_condition(level: CertLevel, profile: PolicyProfile, today: date):
    """Return the SQL condition for workers whose certificate state is ``level`` today."""
    if level is CertLevel.CERTIFIED:
        return CERTIFIED
    eligible = WorkerProfile.exam_eligible_on
    if level is CertLevel.NOT_ELIGIBLE:
        return sa.and_(~CERTIFIED, eligible.is_(None))
    thresholds = profile.certificate
    overdue_until = latest_eligibility_for_deadline(profile, today - timedelta(days=1))
    red_until = latest_eligibility_for_deadline(profile, today + timedelta(thresholds.red_days))
    amber_until = latest_eligibility_for_deadline(
        profile, today + timedelta(days=thresholds.amber_days)
    )
    band = {
        CertLevel.OVERDUE: eligible <= overdue_until,
        CertLevel.RED: sa.and_(eligible > overdue_until, eligible <= red_until),
        CertLevel.AMBER: sa.and_(eligible > red_until, eligible <= amber_until),
        CertLevel.OK: eligible > amber_until,
    }[level]
    return sa.and_(~CERTIFIED, eligible.is_not(None), band)


def cert_state_of(profile: PolicyProfile, worker: WorkerProfile, certified: bool, today: date):
    """Return (deadline, state) of a worker's certificate by the rules."""
    deadline = rules.certificate_deadline(profile, worker.exam_eligible_on)
    return deadline, rules.certificate_state(profile, deadline, today, certified=certified)


# -- the roster --------------------------------------------------------------------------


def _status_condition(status: RosterStatus):
    return {
        RosterStatus.CURRENT: WorkerProfile.status != WorkerStatus.EXITED,
        RosterStatus.ACTIVE: WorkerProfile.status == WorkerStatus.ACTIVE,
        RosterStatus.SECONDED: WorkerProfile.status == WorkerStatus.SECONDED,
        RosterStatus.EXITED: WorkerProfile.status == WorkerStatus.EXITED,
        RosterStatus.ALL: sa.true(),
    }[status]


def _roster_conditions(scope: AdminScope, filters: RosterFilter, today: date) -> list:
    conditions = [
        scope.street_condition(Community.street_id),
        _status_condition(filters.status),
    ]
    if filters.q:
        needle = filters.q
        conditions.append(
            sa.or_(
                User.name.contains(needle, autoescape=True),
                User.phone.contains(needle, autoescape=True),
                User.staff_no.contains(needle, autoescape=True),
            )
        )
    if filters.street_id is not None:
        conditions.append(Community.street_id == filters.street_id)
    if filters.community_id is not None:
        conditions.append(WorkerProfile.community_id == filters.community_id)
    if filters.post_type is not None:
        conditions.append(WorkerProfile.post_type == filters.post_type)
    if filters.grade is not None:
        conditions.append(WorkerProfile.grade == filters.grade)
    if filters.cert is not None:
        conditions.append(_cert_condition(filters.cert, scope.profile, today))
    return conditions


def _from_workers(statement: sa.Select) -> sa.Select:
    return (
        statement.select_from(WorkerProfile)
        .join(User, User.id == WorkerProfile.user_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .join(Street, Street.id == Community.street_id)
    )


_ROSTER_COLUMNS = (
    WorkerProfile,
    User.name,
    User.phone,
    User.staff_no,
    User.is_enabled,
    Community.name.label("community"),
    Street.name.label("street"),
    CERTIFIED.label("certified"),
)
_ROSTER_ORDER = (Street.name, Community.name, User.name, WorkerProfile.user_id)


def _roster_rows(result, profile: PolicyProfile, today: date) -> list[RosterRow]:
    rows = []
    for row in result:
        deadline, state = cert_state_of(profile, row.WorkerProfile, bool(row.certified), today)
        rows.append(
            RosterRow(
                worker=row.WorkerProfile,
                name=row.name,
                phone=row.phone,
                staff_no=row.staff_no,
                is_enabled=row.is_enabled,
                community=row.community,
                street=row.street,
                certified=bool(row.certified),
                deadline=deadline,
                cert_state=state,
            )
        )
    return rows


def roster_page(
    scope: AdminScope, filters: RosterFilter, today: date, *, page: int, per_page: int = PER_PAGE
) -> RosterPage:
    """Return one page of the roster (two queries: the count and the page)."""
    conditions = _roster_conditions(scope, filters, today)
    total = db.session.scalar(_from_workers(sa.select(sa.func.count())).where(*conditions))
    last_page = max(1, -(-total // per_page))
    page = min(max(page, 1), last_page)
    statement = (
        _from_workers(sa.select(*_ROSTER_COLUMNS))
        .where(*conditions)
        .order_by(*_ROSTER_ORDER)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = _roster_rows(db.session.execute(statement), scope.profile, today)
    return RosterPage(rows=rows, total=total, page=page, per_page=per_page)


def roster_all(scope: AdminScope, filters: RosterFilter, today: date) -> list[RosterRow]:
    """Return every roster row matching the filters (one query), for the export."""
    conditions = _roster_conditions(scope, filters, today)
    statement = _from_workers(sa.select(*_ROSTER_COLUMNS)).where(*conditions)
    return _roster_rows(
        db.session.execute(statement.order_by(*_ROSTER_ORDER)), scope.profile, today
    )


def scope_streets(scope: AdminScope) -> list[Street]:
    """Return the streets in scope, by name."""
    statement = sa.select(Street).where(scope.street_condition(Street.id))
    return list(db.session.scalars(statement.order_by(Street.name, Street.id)))


def scope_communities(scope: AdminScope) -> list:
    """Return (community, street name) of every community in scope, by street and name."""
    statement = (
        sa.select(Community, Street.name.label("street"))
        .join(Street, Street.id == Community.street_id)
        .where(scope.street_condition(Community.street_id))
        .order_by(Street.name, Community.name, Community.id)
    )
    return db.session.execute(statement).all()


STREET_COMMUNITIES = (
    sa.select(Community)
    .where(Community.street_id == sa.bindparam("street_id"))
    .order_by(Community.name, Community.id)
)


def street_communities(street_id: int) -> list[Community]:
    """Return a street's communities by name."""
    return list(db.session.scalars(STREET_COMMUNITIES, {"street_id": street_id}))


# -- one worker's file -------------------------------------------------------------------

_RECORDER = aliased(User, name="recorder")

GRADE_HISTORY = (
    sa.select(GradeChange, _RECORDER.name.label("recorded_by"))
    .outerjoin(_RECORDER, _RECORDER.id == GradeChange.recorded_by_id)
    .where(GradeChange.worker_id == sa.bindparam("worker_id"))
    .order_by(GradeChange.changed_on.desc(), GradeChange.id.desc())
)

ALL_APPRAISALS = (
    sa.select(Appraisal)
    .where(Appraisal.worker_id == sa.bindparam("worker_id"))
    .order_by(Appraisal.year.desc())
)


def grade_history(worker_id: int) -> list:
    """Return (GradeChange, recorded_by name) rows of a worker, newest first."""
    return db.session.execute(GRADE_HISTORY, {"worker_id": worker_id}).all()


def all_appraisals(worker_id: int) -> list[Appraisal]:
    """Return every appraisal of a worker, published or not, latest year first."""
    return list(db.session.scalars(ALL_APPRAISALS, {"worker_id": worker_id}))


def phone_owner(phone: str) -> int | None:
    """Return the id of the user with this phone number, if any."""
    return db.session.scalar(sa.select(User.id).where(User.phone == phone))


def staff_no_owner(staff_no: str) -> int | None:
    """Return the id of the user with this staff number, if any."""
    return db.session.scalar(sa.select(User.id).where(User.staff_no == staff_no))


# -- exports -----------------------------------------------------------------------------


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


def training_compliance(scope: AdminScope, today: date) -> list[TrainingRow]:
    """Return this year's hours of every worker on post, with the rules' verdict (one query)."""
    first, last = year_bounds(today.year)
    statement = (
        _from_workers(
            sa.select(
                WorkerProfile,
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
        .order_by(*_ROSTER_ORDER)
    )
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
class AppraisalGrid:
    """Every worker's results, one column per year."""

    years: Sequence[int]
    rows: Sequence[tuple]  # (worker, name, staff_no, community, {year: Appraisal})


def appraisal_grid(scope: AdminScope) -> AppraisalGrid:
    """Return the appraisal results of the workers in scope by year (two queries)."""
    workers = db.session.execute(
        _from_workers(
            sa.select(WorkerProfile, User.name, User.staff_no, Community.name.label("community"))
        )
        .where(scope.street_condition(Community.street_id))
        .order_by(*_ROSTER_ORDER)
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
    scope: AdminScope, today: date, *, within_days: int = DEADLINE_WINDOW_DAYS
) -> list[DeadlineRow]:
    """Return uncertified workers on post whose deadline is within the window or past."""
    profile = scope.profile
    bound = latest_eligibility_for_deadline(profile, today + timedelta(days=within_days))
    statement = (
        _from_workers(
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


class SuggestedAction(enum.StrEnum):
    """Help that comes before an exit rule bites [002 §3(3), 003 §6, 004 §6]."""

    TALK = "talk"  # 谈心谈话 (admonition talk after an unsatisfactory result)
    TRAINING = "training"  # 培训
    MENTOR = "mentor"  # 导师帮带


ACTION_LABELS = {
    SuggestedAction.TALK: _l("Heart-to-heart talk"),
    SuggestedAction.TRAINING: _l("Training"),
    SuggestedAction.MENTOR: _l("Mentor support"),
}


def suggested_actions(risks: Sequence[rules.ExitRisk]) -> list[SuggestedAction]:
    """Return the help to offer for a worker's exit risks, talk first.

    A rule already triggered, or one 不合格 away, calls for a talk (诫勉谈话 after an
    unsatisfactory result [002 §3(3)]) and a mentor; a 基本合格 streak calls for training
    and a mentor, so that the next result improves.
    """
    wanted: set[SuggestedAction] = set()
    for risk in risks:
        if risk.triggered or risk.result is not AppraisalResult.BASIC:
            wanted.add(SuggestedAction.TALK)
        if risk.result is AppraisalResult.BASIC:
            wanted.add(SuggestedAction.TRAINING)
        if risk.one_away:
            wanted.add(SuggestedAction.MENTOR)
    return [action for action in SuggestedAction if action in wanted]


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

    @property
    def triggered(self) -> bool:
        """Return whether any exit rule has been reached."""
        return any(risk.triggered for risk in self.risks)


def exit_risk_rows(scope: AdminScope) -> list[ExitRiskRow]:
    """Return the workers on post at risk under their profile's exit rules (two queries)."""
    profile = scope.profile
    workers = db.session.execute(
        _from_workers(
            sa.select(WorkerProfile, User.name, User.staff_no, Community.name.label("community"))
        )
        .where(
            scope.street_condition(Community.street_id),
            WorkerProfile.status != WorkerStatus.EXITED,
        )
        .order_by(*_ROSTER_ORDER)
    ).all()
    results = db.session.execute(
        sa.select(Appraisal.worker_id, Appraisal.year, Appraisal.result)
        .join(WorkerProfile, WorkerProfile.user_id == Appraisal.worker_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(
            scope.street_condition(Community.street_id),
            WorkerProfile.status != WorkerStatus.EXITED,
            Appraisal.published_at.is_not(None),  # only results the worker has been told
        )
    ).all()
    histories: dict[int, dict[int, AppraisalResult]] = {}
    for worker_id, year, result in results:
        histories.setdefault(worker_id, {})[year] = result
    rows = []
    for row in workers:
        worker = row.WorkerProfile
        history = histories.get(worker.user_id, {})
        risks = rules.exit_risks(profile, history, hiring_route=worker.hiring_route)
        if risks:
            rows.append(
                ExitRiskRow(
                    worker=worker,
                    name=row.name,
                    staff_no=row.staff_no,
                    community=row.community,
                    history=history,
                    risks=risks,
                    actions=suggested_actions(risks),
                )
            )
    rows.sort(key=lambda r: (not r.triggered, r.community, r.name))
    return rows
