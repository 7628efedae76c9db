"""Pure policy rules: grades, training minimum, certificate deadline, exit risks, leave.

Every function takes the policy profile and, where time matters, ``today`` as
parameters: no database, no request, no clock. That keeps the rules table-testable
and lets the scheduler evaluate them for any day.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from portal.enums import AppraisalResult, CertificateKind, HiringRoute, PostType
from portal.policy.model import GradeRange, PolicyProfile, RotationPolicy, TrainingMode

__all__ = [
    "CertLevel",
    "CertificateState",
    "ExitRisk",
    "GradeOutOfRange",
    "GradeRange",
    "RotationReason",
    "TitleLevel",
    "TrainingProgress",
    "annual_leave_days",
    "annual_training_requirement",
    "certificate_deadline",
    "certificate_state",
    "check_grade",
    "exit_risks",
    "grade_range",
    "health_check_due_on",
    "rotation_due",
    "title_level",
    "shows_certificate_deadline",
    "training_progress",
    "years_of_service",
]

_TENTH = Decimal("0.1")


# -- grades [003 §2] ------------------------------------------------------------------


class GradeOutOfRange(ValueError):
    """A grade lies outside the range of the worker's post type."""

    def __init__(self, post_type: PostType, grade: int, low: int, high: int) -> None:
        super().__init__(f"grade {grade} is outside the {post_type.value} range {low}–{high}")
        self.post_type = post_type
        self.grade = grade
        self.low = low
        self.high = high


def grade_range(profile: PolicyProfile, post_type: PostType | str) -> GradeRange:
    """Return the inclusive grade range of ``post_type`` under ``profile``."""
    return profile.grades[PostType(post_type)]


def check_grade(profile: PolicyProfile, post_type: PostType | str, grade: int) -> None:
    """Raise GradeOutOfRange unless ``grade`` fits ``post_type``; TypeError if not an int."""
    if not isinstance(grade, int) or isinstance(grade, bool):
        raise TypeError(f"grade must be an int, got {type(grade).__name__}")
    post_type = PostType(post_type)
    low, high = grade_range(profile, post_type)
    if not low <= grade <= high:
        raise GradeOutOfRange(post_type, grade, low, high)


# -- training [003 §6, 001 二(四), 004 §8] ------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainingProgress:
    """Where a worker stands against this year's training minimum, in 学时."""

    required: Decimal
    credited: Decimal
    missing: Decimal  # never negative
    percent: int  # 0–100, floored so 100 means done
    expected_by_now: Decimal  # pro rata share of ``required`` for the days elapsed
    on_pace: bool
    done: bool


def annual_training_requirement(
    profile: PolicyProfile, post_type: PostType | str, *, new_entrant: bool
) -> Decimal:
    """Return the annual training minimum in 学时 for a post type."""
    training = profile.training
    if training.mode is TrainingMode.HOURS and training.hours_per_year is not None:
        return training.hours_per_year  # hours mode: one number for every post and entrant
    days = training.days[PostType(post_type)]
    if new_entrant:
        # 003 §6: a new entrant's induction (≥3 days) is the floor, not an extra
        days = max(days, training.induction_days)
    return days * training.hours_per_day


def training_progress(required: Decimal, credited: Decimal, *, today: date) -> TrainingProgress:
    """Compare credited 学时 with the annual minimum and with the pace for ``today``."""
    required, credited = Decimal(required), Decimal(credited)
    if required < 0 or credited < 0:
        raise ValueError("required and credited hours must not be negative")
    days_in_year = 366 if calendar.isleap(today.year) else 365
    elapsed = today.timetuple().tm_yday  # today counts as elapsed
    expected = (required * elapsed / days_in_year).quantize(_TENTH, rounding=ROUND_HALF_UP)
    if required == 0:
        percent = 100
    else:
        ratio = (credited * 100 / required).to_integral_value(rounding=ROUND_FLOOR)
        percent = min(int(ratio), 100)
    return TrainingProgress(
        required=required,
        credited=credited,
        missing=max(required - credited, Decimal(0)),
        percent=percent,
        expected_by_now=expected,
        on_pace=credited >= expected,
        done=credited >= required,
    )


# -- dates ------------------------------------------------------------------------------


def _add_years(start: date, years: int) -> date:
    """Return the same calendar day ``years`` later; Feb 29 falls back to Feb 28."""
    return start + relativedelta(years=years)


def years_of_service(started_on: date, today: date) -> int:
    """Return full years from ``started_on`` to ``today``, counted like birthdays."""
    if today < started_on:
        raise ValueError(f"started_on {started_on} is after today {today}")
    years = today.year - started_on.year
    if _add_years(started_on, years) > today:
        years -= 1
    return years


# -- certificate [003 §4(4)] -----------------------------------------------------------


class CertLevel(enum.StrEnum):
    """How urgent an uncertified worker's certificate deadline is."""

    CERTIFIED = "certified"
    NOT_ELIGIBLE = "not_eligible"  # no exam-eligibility date: the clock has not started
    OK = "ok"
    AMBER = "amber"
    RED = "red"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class CertificateState:
    """A worker's certificate deadline as a traffic light."""

    level: CertLevel
    days_left: int | None  # None when certified or not yet eligible; negative when overdue


def certificate_deadline(profile: PolicyProfile, exam_eligible_on: date | None) -> date | None:
    """Return the last day to obtain the certificate, or None without an eligibility date."""
    if exam_eligible_on is None:
        return None
    return _add_years(exam_eligible_on, profile.certificate.deadline_years)


def certificate_state(
    profile: PolicyProfile, deadline: date | None, today: date, *, certified: bool
) -> CertificateState:
    """Classify the deadline: overdue after it, red/amber within the profile's thresholds."""
    if certified:
        return CertificateState(CertLevel.CERTIFIED, None)
    if deadline is None:
        return CertificateState(CertLevel.NOT_ELIGIBLE, None)
    days_left = (deadline - today).days
    thresholds = profile.certificate
    if days_left < 0:
        level = CertLevel.OVERDUE
    elif days_left <= thresholds.red_days:
        level = CertLevel.RED
    elif days_left <= thresholds.amber_days:
        level = CertLevel.AMBER
    else:
        level = CertLevel.OK
    return CertificateState(level, days_left)


def shows_certificate_deadline(state: CertificateState) -> bool:
    """Return whether a worker is shown the certificate deadline [003 §4(4)].

    Only while they owe the certificate: a holder (whatever the date) and a worker not
    yet eligible for the exam have no deadline to see.
    """
    return state.level not in _NO_DEADLINE


_NO_DEADLINE = frozenset({CertLevel.CERTIFIED, CertLevel.NOT_ELIGIBLE})


# -- appraisal exit rules [003 §11(2), 002 §5(4)] ----------------------------------------


@dataclass(frozen=True, slots=True)
class ExitRisk:
    """A worker's current streak against one exit rule."""

    rule_code: str
    result: AppraisalResult
    streak: int
    threshold: int
    triggered: bool  # streak has reached the rule: the exit procedure applies
    one_away: bool  # one more such result triggers the rule: time to help
    citation: str


def exit_risks(
    profile: PolicyProfile,
    history: Mapping[int, AppraisalResult],
    *,
    hiring_route: HiringRoute | str,
) -> list[ExitRisk]:
    """Return the exit rules a worker has triggered or is one result away from."""
    if not history:
        return []
    hiring_route = HiringRoute(hiring_route)
    latest = max(history)
    risks = []
    for rule in profile.exit_rules:
        if not rule.applies_to(hiring_route):
            continue
        # The streak must end at the latest appraised year and run through
        # consecutive calendar years: a missing year or another result ends it.
        streak, year = 0, latest
        while year in history and AppraisalResult(history[year]) is rule.result:
            streak += 1
            year -= 1
        threshold = rule.consecutive_years
        triggered = streak >= threshold
        one_away = 1 <= streak == threshold - 1
        if triggered or one_away:
            risks.append(
                ExitRisk(
                    rule_code=rule.code,
                    result=rule.result,
                    streak=streak,
                    threshold=threshold,
                    triggered=triggered,
                    one_away=one_away,
                    citation=rule.citation,
                )
            )
    risks.sort(key=lambda risk: not risk.triggered)  # stable: profile order within groups
    return risks


# -- care [003 §14, 004 §14; 职工带薪年休假条例 第三条] -----------------------------------


def annual_leave_days(profile: PolicyProfile, years_worked: int) -> int:
    """Return paid annual leave days for ``years_worked`` full years of total work."""
    if not isinstance(years_worked, int) or isinstance(years_worked, bool):
        raise TypeError(f"years_worked must be an int, got {type(years_worked).__name__}")
    if years_worked < 0:
        raise ValueError(f"years_worked must not be negative, got {years_worked}")
    days = 0
    for tier in profile.care.annual_leave:  # ascending min_years, first is 0
        if years_worked >= tier.min_years:
            days = tier.days
    return days


def health_check_due_on(profile: PolicyProfile, year: int) -> date:
    """Return the date by which ``year``'s health check should be done."""
    month, day = profile.care.health_check_due_by
    return date(year, 1, 1) + relativedelta(month=month, day=day)  # 29 Feb → 28 Feb


# -- county rotation [003 §6, 004 §8] ----------------------------------------------------


class RotationReason(enum.StrEnum):
    """Why a worker is due for the county's training this year."""

    YEARLY_POST = "yearly_post"  # secretary or director: every year
    NEW_ENTRANT = "new_entrant"  # joined community work this year
    ROTATION = "rotation"  # the rotation period ends this year (or has passed)


def rotation_due(
    policy: RotationPolicy,
    *,
    post_type: PostType | str,
    started_on: date,
    last_trained_on: date | None,
    year: int,
) -> RotationReason | None:
    """Return why a worker is due for county training in ``year``, None if not yet.

    ``last_trained_on`` is the worker's last county-level training *before* ``year``. The
    rotation period ("每3年轮训1次") runs from the year after that training, or from the
    year community work began, whichever is later: due in its last year, or after.
    A new entrant counts as one only in the calendar year their community work began,
    the definition the training minimum uses.
    """
    if started_on.year > year:
        return None
    if PostType(post_type) in policy.yearly_post_types:
        return RotationReason.YEARLY_POST
    if policy.yearly_new_entrants and started_on.year == year:
        return RotationReason.NEW_ENTRANT
    start = started_on.year if last_trained_on is None else last_trained_on.year + 1
    start = max(start, started_on.year)
    if start + policy.every_years - 1 <= year:
        return RotationReason.ROTATION
    return None


# -- professional titles [002 §3(2), §5(2)] ---------------------------------------------


class TitleLevel(enum.IntEnum):
    """初级 / 中级 / 高级: the national social-work qualification levels, low to high."""

    JUNIOR = 1  # 助理社会工作师
    MIDDLE = 2  # 社会工作师
    SENIOR = 3  # 高级社会工作师


TITLE_OF_KIND = {
    CertificateKind.ASSISTANT_SOCIAL_WORKER: TitleLevel.JUNIOR,
    CertificateKind.SOCIAL_WORKER: TitleLevel.MIDDLE,
    CertificateKind.SENIOR_SOCIAL_WORKER: TitleLevel.SENIOR,
}


def title_level(kinds: Iterable[CertificateKind | str]) -> TitleLevel | None:
    """Return the highest title among a worker's certificates, None without any."""
    levels = [TITLE_OF_KIND[k] for k in map(CertificateKind, kinds) if k in TITLE_OF_KIND]
    return max(levels, default=None)
