"""Build the worker's cards from loaded records and the policy rules.

The mentoring card reads 传帮带, the growth plan and 谈心 follow-ups in one statement
(a second for mentors): it spans two domains, so it is read here, not in either.

Everything here is computed once per request from a handful of queries; the
templates only display what these dataclasses hold. The home page reads plain columns
(the small ``*Line`` tuples below) rather than whole records: it shows a few fields of
each, and rows are much cheaper to build than ORM objects. The detail pages behind the
cards show every field, so they read the records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import EllipsisType
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import aliased

from portal.appraisal import queries as appraisal_queries
from portal.appraisal.models import Appraisal
from portal.care import queries as care_queries
from portal.care.models import CareEntitlement, CareRecord
from portal.certificates import queries as certificate_queries
from portal.certificates.models import Certificate
from portal.enums import (
    AppraisalResult,
    CareKind,
    CareStatus,
    CertificateKind,
    FollowUpStatus,
    GrowthKind,
    Role,
)
from portal.extensions import db
from portal.mentoring import rules as mentoring_rules
from portal.mentoring.models import GrowthItem, MentorPairing, MentorSession
from portal.outside import queries as outside_queries
from portal.people import queries as people_queries
from portal.people.models import GradeChange, User, WorkerProfile
from portal.policy import rules
from portal.policy.profiles import PolicyProfile, TrainingMode, load_profile
from portal.talks.models import Talk, TalkFollowUp
from portal.timeutil import year_bounds
from portal.training import queries as training_queries
from portal.training.models import Training


@dataclass(frozen=True)
class GradeCard:
    """岗位等级: post, grade, the post type's range, years of service, recent history."""

    post_type: str
    grade: int
    range: rules.GradeRange
    years_of_service: int
    at_top: bool
    history: Sequence[GradeChange] | Sequence[GradeLine]


@dataclass(frozen=True)
class TrainingCard:
    """培训学时: this year's credited hours against the profile's minimum."""

    year: int
    progress: rules.TrainingProgress
    mode: TrainingMode
    required_days: Decimal | None  # days mode: the days behind the hours
    hours_per_day: Decimal
    next_training: Training | TrainingLine | None


@dataclass(frozen=True)
class CertificateCard:
    """证书: certificates held and, if uncertified, the deadline."""

    certificates: Sequence[Certificate] | Sequence[CertificateLine]
    deadline: date | None
    state: rules.CertificateState

    @property
    def counting_down(self) -> bool:
        """Return whether the worker still owes the social-work certificate."""
        return self.deadline is not None and rules.shows_certificate_deadline(self.state)

    @property
    def overdue(self) -> bool:
        """Return whether the deadline has passed without the certificate."""
        return self.state.level == rules.CertLevel.OVERDUE

    @property
    def overdue_days(self) -> int:
        """Return how many days the deadline is past (0 if not overdue)."""
        return -self.state.days_left if self.overdue and self.state.days_left else 0


@dataclass(frozen=True)
class AppraisalCard:
    """年度考核: results year by year, latest first."""

    appraisals: Sequence[Appraisal] | Sequence[AppraisalLine]


@dataclass(frozen=True)
class CareCard:
    """关爱福利: this year's entitlements, what was used, what is due."""

    year: int
    leave_entitled: Decimal
    leave_taken: Decimal
    health_check: CareRecord | CareLine | None
    health_check_due_on: date
    health_check_overdue: bool
    recuperation: Sequence[Any] = field(default_factory=tuple)  # CareRecord or CareLine
    festival_visits: Sequence[Any] = field(default_factory=tuple)
    care_fund: Sequence[Any] = field(default_factory=tuple)
    allowances: Sequence[Any] = field(default_factory=tuple)

    @property
    def leave_left(self) -> Decimal:
        """Return the annual-leave days still to take this year."""
        return max(self.leave_entitled - self.leave_taken, Decimal(0))


@dataclass(frozen=True)
class MenteeLink:
    """A current mentee on the mentor's home card."""

    mentee_id: int
    name: str
    last_session_on: date | None
    needs_session: bool


@dataclass(frozen=True)
class MentoringSummary:
    """What the worker's home shows about growth plan, mentoring and talks."""

    worker_id: int
    in_first_three_years: bool
    growth_done: int
    mentor_name: str | None
    unconfirmed_sessions: int
    last_talk_on: date | None
    open_follow_ups: int
    overdue_follow_ups: int
    mentees: Sequence[MenteeLink] = ()

    @property
    def visible(self) -> bool:
        """Return whether the card has anything to show."""
        return bool(
            self.in_first_three_years
            or self.mentor_name
            or self.unconfirmed_sessions
            or self.last_talk_on
            or self.open_follow_ups
            or self.mentees
        )

    @property
    def growth_total(self) -> int:
        """Return the number of "四个一" items."""
        return len(GrowthKind)


# -- the home page's plain rows ---------------------------------------------------------


class GradeLine(NamedTuple):
    """A grade change as the home card shows it."""

    changed_on: date
    reason: str


class TrainingLine(NamedTuple):
    """The next training as the home card shows it."""

    title: str
    starts_at: datetime


class CertificateLine(NamedTuple):
    """A certificate as the home card shows it."""

    kind: CertificateKind


class AppraisalLine(NamedTuple):
    """A published appraisal as the home card shows it."""

    year: int
    result: AppraisalResult


class CareLine(NamedTuple):
    """A care record as the home card counts it."""

    kind: CareKind
    status: CareStatus
    quantity: Decimal | None
    occurred_on: date


# Plain table columns (no ORM entity): the statements run as Core and give tuples.
_GC = GradeChange.__table__.c
HOME_GRADE_LINES = (
    sa.select(_GC.changed_on, _GC.reason)
    .where(_GC.worker_id == sa.bindparam("worker_id"))
    .order_by(_GC.changed_on.desc(), _GC.id.desc())
    .limit(3)
)
_CE = Certificate.__table__.c
HOME_CERTIFICATES = (
    sa.select(_CE.kind)
    .where(_CE.worker_id == sa.bindparam("worker_id"))
    .order_by(_CE.issued_on.desc(), _CE.id.desc())
)
_AP = Appraisal.__table__.c
HOME_APPRAISAL_LINES = (
    sa.select(_AP.year, _AP.result)
    .where(_AP.worker_id == sa.bindparam("worker_id"), _AP.published_at.is_not(None))
    .order_by(_AP.year.desc())
    .limit(sa.bindparam("latest"))
)
_CR = CareRecord.__table__.c
HOME_CARE_LINES = (
    sa.select(_CR.kind, _CR.status, _CR.quantity, _CR.occurred_on)
    .where(_CR.worker_id == sa.bindparam("worker_id"), _CR.year == sa.bindparam("year"))
    .order_by(_CR.occurred_on.desc(), _CR.id.desc())
)


def _lines(conn: sa.Connection, line: Any, statement: sa.Select, params: dict[str, Any]) -> list:
    return [line._make(row) for row in conn.execute(statement, params)]


Mentee = aliased(User, name="mentee")
_W: sa.BindParameter[int] = sa.bindparam("worker_id")
HOME_SUMMARY = sa.select(
    sa.select(User.name)
    .join(MentorPairing, MentorPairing.mentor_id == User.id)
    .where(MentorPairing.mentee_id == _W, MentorPairing.ends_on.is_(None))
    .limit(1)
    .scalar_subquery(),
    sa.select(sa.func.count(MentorSession.id))
    .where(MentorSession.mentee_id == _W, MentorSession.confirmed_at.is_(None))
    .scalar_subquery(),
    sa.select(sa.func.count(GrowthItem.id))
    .where(GrowthItem.worker_id == _W, GrowthItem.done_on.is_not(None))
    .scalar_subquery(),
    sa.select(sa.func.max(Talk.held_on)).where(Talk.worker_id == _W).scalar_subquery(),
    sa.select(sa.func.count(TalkFollowUp.id))
    .where(TalkFollowUp.worker_id == _W, TalkFollowUp.status == FollowUpStatus.OPEN)
    .scalar_subquery(),
    sa.select(sa.func.count(TalkFollowUp.id))
    .where(
        TalkFollowUp.worker_id == _W,
        TalkFollowUp.status == FollowUpStatus.OPEN,
        TalkFollowUp.due_on < sa.bindparam("today"),
    )
    .scalar_subquery(),
)
HOME_MENTEES = (
    sa.select(
        MentorPairing.mentee_id,
        MentorPairing.starts_on,
        Mentee.name,
        sa.func.max(MentorSession.held_on),
    )
    .join(Mentee, Mentee.id == MentorPairing.mentee_id)
    .outerjoin(MentorSession, MentorSession.pairing_id == MentorPairing.id)
    .where(MentorPairing.mentor_id == sa.bindparam("mentor_id"), MentorPairing.ends_on.is_(None))
    .group_by(MentorPairing.id, MentorPairing.mentee_id, MentorPairing.starts_on, Mentee.name)
    .order_by(Mentee.name)
)


# The next training the worker is expected at (bind also now and limit=1), column by column.
_NEXT = training_queries.UPCOMING_EXPECTED
# The summary with this year's credited hours, annual-leave entitlement and the next
# training beside it: the home page's one statement of counts (bind also first_day,
# last_day, year, now and limit=1).
HOME_COUNTS = HOME_SUMMARY.add_columns(
    training_queries.CREDITED_HOURS_COLUMN,
    care_queries.ANNUAL_LEAVE_COLUMN,
    _NEXT.with_only_columns(Training.title).scalar_subquery(),
    _NEXT.with_only_columns(Training.starts_at).scalar_subquery(),
)


def mentoring_summary(
    worker: WorkerProfile, today: date, *, row: Sequence | None = None
) -> MentoringSummary:
    """Build the home card: one query (none given a HOME_SUMMARY row), one more for mentors."""
    if row is None:
        row = db.session.execute(HOME_SUMMARY, {"worker_id": worker.user_id, "today": today}).one()
    mentor_name, unconfirmed, growth_done, last_talk_on, open_count, overdue_count = row[:6]
    mentees: list[MenteeLink] = []
    if worker.user.has_role(Role.MENTOR):
        for mentee_id, starts_on, name, last_on in db.session.execute(
            HOME_MENTEES, {"mentor_id": worker.user_id}
        ):
            quiet = mentoring_rules.needs_session(last_on, starts_on, today)
            mentees.append(MenteeLink(mentee_id, name, last_on, quiet))
    return MentoringSummary(
        worker_id=worker.user_id,
        in_first_three_years=mentoring_rules.in_first_three_years(
            worker.community_work_started_on, today
        ),
        growth_done=growth_done or 0,
        mentor_name=mentor_name,
        unconfirmed_sessions=unconfirmed or 0,
        last_talk_on=last_talk_on,
        open_follow_ups=open_count or 0,
        overdue_follow_ups=overdue_count or 0,
        mentees=tuple(mentees),
    )


@dataclass(frozen=True)
class WorkerHome:
    """Everything the worker's home page shows."""

    worker: WorkerProfile
    profile: PolicyProfile
    today: date
    grade: GradeCard
    training: TrainingCard
    certificate: CertificateCard
    appraisal: AppraisalCard
    care: CareCard
    mentoring: MentoringSummary | None = None


def load_worker(user_id: int) -> WorkerProfile | None:
    """Return a worker with the organisation above them; the session user's costs no query."""
    if current_user.is_authenticated and current_user.id == user_id:
        return current_user.worker  # loaded with the user by the session loader
    return people_queries.worker_with_org(user_id)


def profile_of(worker: WorkerProfile) -> PolicyProfile:
    """Return the policy profile of the worker's district."""
    return load_profile(worker.community.street.district.policy_code)


def grade_card(
    worker: WorkerProfile,
    profile: PolicyProfile,
    today: date,
    *,
    recent_only: bool = True,
    history: Sequence[GradeChange] | Sequence[GradeLine] | None = None,
) -> GradeCard:
    """Build the grade card (one query for the history, unless it is given)."""
    grade_range = rules.grade_range(profile, worker.post_type)
    if history is None:
        statement = (
            people_queries.RECENT_GRADE_CHANGES if recent_only else people_queries.GRADE_HISTORY
        )
        history = db.session.scalars(statement, {"worker_id": worker.user_id}).all()
    return GradeCard(
        post_type=worker.post_type,
        grade=worker.grade,
        range=grade_range,
        years_of_service=rules.years_of_service(worker.community_work_started_on, today),
        at_top=worker.grade >= grade_range.high,
        history=history,
    )


def training_card(
    worker: WorkerProfile,
    profile: PolicyProfile,
    today: date,
    now: datetime,
    *,
    credited: Decimal | None = None,
    next_training: Training | TrainingLine | None | EllipsisType = ...,
) -> TrainingCard:
    """Build the training card (two queries: this year's hours, the next one; unless given)."""
    new_entrant = worker.community_work_started_on.year == today.year
    required = rules.annual_training_requirement(profile, worker.post_type, new_entrant=new_entrant)
    if credited is None:
        first, last = year_bounds(today.year)
        credited = training_queries.credited_hours(worker.user_id, first, last)
    if next_training is ...:
        next_training = training_queries.next_training(worker.user_id, now)
    policy = profile.training
    required_days = None
    if policy.mode == TrainingMode.DAYS:
        required_days = (required / policy.hours_per_day).quantize(Decimal("0.1"))
    return TrainingCard(
        year=today.year,
        progress=rules.training_progress(required, credited, today=today),
        mode=policy.mode,
        required_days=required_days,
        hours_per_day=policy.hours_per_day,
        next_training=next_training,
    )


def certificate_card(
    worker: WorkerProfile,
    profile: PolicyProfile,
    today: date,
    *,
    certificates: Sequence[Certificate] | Sequence[CertificateLine] | None = None,
) -> CertificateCard:
    """Build the certificate card (one query, unless the certificates are given)."""
    if certificates is None:
        certificates = certificate_queries.certificates_of(worker.user_id)
    certified = any(c.kind.is_social_work_qualification for c in certificates)
    deadline = rules.certificate_deadline(profile, worker.exam_eligible_on)
    state = rules.certificate_state(profile, deadline, today, certified=certified)
    return CertificateCard(certificates=certificates, deadline=deadline, state=state)


def appraisal_card(worker: WorkerProfile, *, latest: int | None = None) -> AppraisalCard:
    """Build the appraisal card (one query): every published year, or the latest few."""
    return AppraisalCard(
        appraisals=appraisal_queries.published_appraisals(worker.user_id, latest=latest)
    )


_COUNTS = {CareStatus.DONE, CareStatus.APPROVED}


def care_card(
    worker: WorkerProfile,
    profile: PolicyProfile,
    today: date,
    *,
    leave_entitlement: Decimal | None | EllipsisType = ...,
    records: Sequence[CareRecord] | Sequence[CareLine] | None = None,
) -> CareCard:
    """Build the care card (two queries: entitlements, records; none for what is given).

    ``leave_entitlement``: this year's annual-leave entitlement as read (None: none entered).
    """
    year = today.year
    if leave_entitlement is ...:
        entitlements: dict[CareKind, CareEntitlement] = {
            e.kind: e for e in care_queries.entitlements_for_year(worker.user_id, year)
        }
        leave = entitlements.get(CareKind.ANNUAL_LEAVE)
        leave_entitlement = leave.quantity if leave is not None else None
    if records is None:
        records = care_queries.records_for_year(worker.user_id, year)
    by_kind: dict[CareKind, list[Any]] = {}
    for record in records:
        by_kind.setdefault(record.kind, []).append(record)

    if leave_entitlement is not None:
        leave_entitled = leave_entitlement
    else:  # no entitlement entered: the profile's statutory default
        years = rules.years_of_service(worker.community_work_started_on, today)
        leave_entitled = Decimal(rules.annual_leave_days(profile, years))
    leave_taken = sum(
        (r.quantity or Decimal(0))
        for r in by_kind.get(CareKind.ANNUAL_LEAVE, [])
        if r.status in _COUNTS
    )
    checks = [r for r in by_kind.get(CareKind.HEALTH_CHECK, []) if r.status in _COUNTS]
    due_on = rules.health_check_due_on(profile, year)
    return CareCard(
        year=year,
        leave_entitled=leave_entitled,
        leave_taken=Decimal(leave_taken),
        health_check=checks[0] if checks else None,
        health_check_due_on=due_on,
        health_check_overdue=not checks and today > due_on,
        recuperation=tuple(by_kind.get(CareKind.RECUPERATION, [])),
        festival_visits=tuple(by_kind.get(CareKind.FESTIVAL_VISIT, [])),
        care_fund=tuple(by_kind.get(CareKind.CARE_FUND, [])),
        allowances=tuple(
            by_kind.get(CareKind.CERTIFICATE_ALLOWANCE, []) + by_kind.get(CareKind.SUBSIDY, [])
        ),
    )


def attended_this_year(worker: WorkerProfile, today: date) -> list:
    """Return (attendance, training) pairs credited this year, newest first (one query)."""
    first, last = year_bounds(today.year)
    return training_queries.attended(worker.user_id, first, last)


def outside_this_year(worker: WorkerProfile, today: date) -> list:
    """Return approved outside training completed this year (counted in the hours)."""
    first, last = year_bounds(today.year)
    return outside_queries.approved_in_period(worker.user_id, first, last)


def upcoming_trainings(worker: WorkerProfile, now: datetime) -> list[Training]:
    """Return the next trainings the worker is expected at (one query)."""
    return training_queries.upcoming(worker.user_id, now)


HOME_APPRAISALS = 3  # the home card shows the latest three years (home/index.html)


def worker_home(worker: WorkerProfile, today: date, now: datetime) -> WorkerHome:
    """Build all five cards for one worker (counts of three of them in one statement).

    The reads go straight to the session's connection (same transaction): they return
    rows, not records, so the session's ORM bookkeeping has nothing to do for them. No
    autoflush either: the home page reads, it has nothing pending.
    """
    profile = profile_of(worker)
    conn = db.session.connection()
    first, last = year_bounds(today.year)
    params = {
        "worker_id": worker.user_id,
        "today": today,
        "first_day": first,
        "last_day": last,
        "year": today.year,
        "now": now,
        "limit": 1,
    }
    counts = conn.execute(HOME_COUNTS, params).one()
    credited = training_queries.as_hours(counts[6])
    worker_id = {"worker_id": worker.user_id}
    title, starts_at = counts[8:10]
    appraisals = _lines(
        conn, AppraisalLine, HOME_APPRAISAL_LINES, {**worker_id, "latest": HOME_APPRAISALS}
    )
    care_lines = _lines(conn, CareLine, HOME_CARE_LINES, {**worker_id, "year": today.year})
    return WorkerHome(
        worker=worker,
        profile=profile,
        today=today,
        grade=grade_card(
            worker, profile, today, history=_lines(conn, GradeLine, HOME_GRADE_LINES, worker_id)
        ),
        training=training_card(
            worker,
            profile,
            today,
            now,
            credited=credited,
            next_training=None if title is None else TrainingLine(title, starts_at),
        ),
        certificate=certificate_card(
            worker,
            profile,
            today,
            certificates=_lines(conn, CertificateLine, HOME_CERTIFICATES, worker_id),
        ),
        appraisal=AppraisalCard(appraisals=appraisals),
        care=care_card(worker, profile, today, leave_entitlement=counts[7], records=care_lines),
        mentoring=mentoring_summary(worker, today, row=counts),
    )
