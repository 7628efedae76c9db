"""Pure policy rules, table-tested across the national, Jiangsu and Shanghai-Baoshan profiles."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.enums import AppraisalResult, HiringRoute, PostType
from portal.policy.model import ExitRule
from portal.policy.profiles import load_profile
from portal.policy.rules import (
    CertLevel,
    GradeOutOfRange,
    annual_leave_days,
    annual_training_requirement,
    certificate_deadline,
    certificate_state,
    check_grade,
    exit_risks,
    grade_range,
    health_check_due_on,
    shows_certificate_deadline,
    training_progress,
    years_of_service,
)

CODES = ["national", "jiangsu", "shanghai_baoshan"]
STAFF, DEPUTY, HEAD = PostType.STAFF, PostType.DEPUTY, PostType.HEAD
EXC, QUAL, BASIC, UNQ = (
    AppraisalResult.EXCELLENT,
    AppraisalResult.QUALIFIED,
    AppraisalResult.BASIC,
    AppraisalResult.UNQUALIFIED,
)
ELECTED, RECRUITED = HiringRoute.ELECTED, HiringRoute.RECRUITED


# -- grades [003 §2] ------------------------------------------------------------------

GRADE_EDGES = [
    (STAFF, 0, False),
    (STAFF, 1, True),
    (STAFF, 12, True),
    (STAFF, 13, False),
    (DEPUTY, 3, False),
    (DEPUTY, 4, True),
    (DEPUTY, 15, True),
    (DEPUTY, 16, False),
    (HEAD, 6, False),
    (HEAD, 7, True),
    (HEAD, 18, True),
    (HEAD, 19, False),
]


@pytest.mark.parametrize(
    ("code", "post_type", "grade", "ok"),
    [
        pytest.param(
            code, post, grade, ok, id=f"003§2 {post.value} {grade} {'ok' if ok else 'out'} [{code}]"
        )
        for code in CODES
        for post, grade, ok in GRADE_EDGES
    ],
)
def test_grade_must_lie_in_post_type_range(code, post_type, grade, ok):
    """A grade is valid only inside its post type's range (staff 1–12, deputy 4–15, head 7–18)."""
    profile = load_profile(code)
    assert grade_range(profile, post_type).contains(grade) is ok
    if ok:
        assert check_grade(profile, post_type, grade) is None
    else:
        with pytest.raises(GradeOutOfRange) as excinfo:
            check_grade(profile, post_type, grade)
        low, high = grade_range(profile, post_type)
        error = excinfo.value
        assert (error.post_type, error.grade, error.low, error.high) == (
            post_type,
            grade,
            low,
            high,
        )
        assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    "grade",
    [
        pytest.param(True, id="003§2 bool refused"),
        pytest.param(5.0, id="003§2 float refused"),
        pytest.param("5", id="003§2 str refused"),
        pytest.param(None, id="003§2 None refused"),
    ],
)
def test_grade_must_be_an_int(grade):
    """Only a real int is a grade; bools, floats and strings are refused."""
    profile = load_profile("jiangsu")
    assert grade_range(profile, STAFF).contains(grade) is False
    with pytest.raises(TypeError, match="grade must be an int"):
        check_grade(profile, STAFF, grade)


def test_grade_range_accepts_post_type_value_strings():
    """A post type given as its stored string value finds the same range."""
    profile = load_profile("national")
    assert grade_range(profile, "deputy") == (4, 15)
    with pytest.raises(ValueError, match="'clerk' is not a valid PostType"):
        grade_range(profile, "clerk")


# -- training requirement [003 §6, 001 二(四), 004 §8] ----------------------------------


@pytest.mark.parametrize(
    ("code", "post_type", "new_entrant", "hours"),
    [
        *[
            pytest.param(code, post, new, hours, id=f"{cite} {post.value} new={new} [{code}]")
            for code, cite in [("jiangsu", "003§6"), ("national", "004§8→003§6")]
            for post, hours in [(HEAD, "40"), (DEPUTY, "24"), (STAFF, "24")]
            for new in (False, True)
        ],
        *[
            pytest.param(
                "shanghai_baoshan", post, new, "40", id=f"001二(四) {post.value} new={new}"
            )
            for post in (HEAD, DEPUTY, STAFF)
            for new in (False, True)
        ],
    ],
)
def test_annual_training_requirement(code, post_type, new_entrant, hours):
    """Jiangsu/national: 5/3/3 days × 8 学时; Baoshan: 40 学时 for everyone."""
    required = annual_training_requirement(load_profile(code), post_type, new_entrant=new_entrant)
    assert required == Decimal(hours)
    assert isinstance(required, Decimal)


def _with_training(code: str, **changes):
    """Return profile ``code`` with some training settings replaced."""
    profile = load_profile(code)
    return dataclasses.replace(profile, training=dataclasses.replace(profile.training, **changes))


@pytest.mark.parametrize(
    ("post_type", "new_entrant", "hours"),
    [
        pytest.param(STAFF, True, "32", id="003§6 induction 4d above staff 3d"),
        pytest.param(STAFF, False, "24", id="003§6 established staff keeps 3d"),
        pytest.param(HEAD, True, "40", id="003§6 head 5d above induction 4d, not summed"),
    ],
)
def test_new_entrant_takes_the_larger_of_post_and_induction_days(post_type, new_entrant, hours):
    """A new entrant needs max(post-type days, induction days), not their sum."""
    profile = _with_training("jiangsu", induction_days=Decimal(4))
    assert annual_training_requirement(profile, post_type, new_entrant=new_entrant) == Decimal(
        hours
    )


def test_hours_per_day_converts_days_to_hours():
    """A day converts to 学时 by the profile's hours_per_day."""
    profile = _with_training("jiangsu", hours_per_day=Decimal("7.5"))
    assert annual_training_requirement(profile, HEAD, new_entrant=False) == Decimal("37.5")


# -- training progress ------------------------------------------------------------------


# fmt: off
PROGRESS = [
    pytest.param("40", "0", date(2025, 1, 1), "40", 0, "0.1", False, False,
                 id="Jan 1 counts as one elapsed day"),
    pytest.param("40", "0.1", date(2025, 1, 1), "39.9", 0, "0.1", True, False,
                 id="Jan 1 on pace"),
    pytest.param("40", "39.9", date(2025, 12, 31), "0.1", 99, "40.0", False, False,
                 id="Dec 31 expects all, 99.75% floors to 99"),
    pytest.param("40", "40", date(2024, 12, 31), "0", 100, "40.0", True, True,
                 id="Dec 31 leap year day 366 of 366"),
    pytest.param("40", "6.6", date(2024, 2, 29), "33.4", 16, "6.6", True, False,
                 id="Feb 29 day 60 of 366"),
    pytest.param("40", "6.5", date(2024, 2, 29), "33.5", 16, "6.6", False, False,
                 id="Feb 29 just behind pace"),
    pytest.param("40", "0", date(2024, 3, 1), "40", 0, "6.7", False, False,
                 id="Mar 1 leap year day 61 of 366"),
    pytest.param("40", "0", date(2025, 3, 1), "40", 0, "6.6", False, False,
                 id="Mar 1 common year day 60 of 365"),
    pytest.param("24", "30", date(2025, 6, 30), "0", 100, "11.9", True, True,
                 id="003§6 over-credit capped at 100%"),
    pytest.param("40", "10", date(2025, 7, 2), "30", 25, "20.1", False, False,
                 id="001二(四) quarter done at mid-year"),
    pytest.param("0", "0", date(2025, 5, 1), "0", 100, "0.0", True, True,
                 id="nothing required is done"),
    pytest.param("18.25", "0", date(2025, 1, 1), "18.25", 0, "0.1", False, False,
                 id="0.05 rounds half up"),
]
# fmt: on


@pytest.mark.parametrize(
    ("required", "credited", "today", "missing", "percent", "expected", "on_pace", "done"),
    PROGRESS,
)
def test_training_progress(required, credited, today, missing, percent, expected, on_pace, done):
    """Progress shows missing hours, a capped percent and the pro-rata pace for today."""
    progress = training_progress(Decimal(required), Decimal(credited), today=today)
    assert progress.required == Decimal(required)
    assert progress.credited == Decimal(credited)
    assert progress.missing == Decimal(missing)
    assert progress.percent == percent
    assert progress.expected_by_now == Decimal(expected)
    assert str(progress.expected_by_now) == expected  # one decimal place
    assert (progress.on_pace, progress.done) == (on_pace, done)


@pytest.mark.parametrize(
    ("required", "credited"),
    [
        pytest.param("-1", "0", id="negative required"),
        pytest.param("1", "-1", id="negative credit"),
    ],
)
def test_training_progress_refuses_negative_hours(required, credited):
    """Negative hours are a bug upstream, not a state to display."""
    with pytest.raises(ValueError, match="must not be negative"):
        training_progress(Decimal(required), Decimal(credited), today=date(2025, 1, 1))


# -- years of service ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("started_on", "today", "years"),
    [
        pytest.param(date(2020, 3, 1), date(2020, 3, 1), 0, id="first day"),
        pytest.param(date(2020, 3, 1), date(2021, 2, 28), 0, id="day before anniversary"),
        pytest.param(date(2020, 3, 1), date(2021, 3, 1), 1, id="anniversary"),
        pytest.param(date(2015, 9, 1), date(2025, 8, 31), 9, id="条例§3 one day short of 10"),
        pytest.param(date(2015, 9, 1), date(2025, 9, 1), 10, id="条例§3 10 years"),
        pytest.param(date(2020, 2, 29), date(2021, 2, 27), 0, id="Feb 29 start before Feb 28"),
        pytest.param(date(2020, 2, 29), date(2021, 2, 28), 1, id="Feb 29 start: Feb 28 counts"),
        pytest.param(date(2020, 2, 29), date(2024, 2, 28), 3, id="Feb 29 start leap year waits"),
        pytest.param(date(2020, 2, 29), date(2024, 2, 29), 4, id="Feb 29 start leap anniversary"),
    ],
)
def test_years_of_service_counts_full_years(started_on, today, years):
    """Full years count like birthdays; a Feb 29 start has its anniversary on Feb 28."""
    assert years_of_service(started_on, today) == years


def test_years_of_service_refuses_future_start():
    """A start date after today is an input error."""
    with pytest.raises(ValueError, match="after today"):
        years_of_service(date(2025, 6, 2), date(2025, 6, 1))


# -- certificate deadline [003 §4(4)] --------------------------------------------------


@pytest.mark.parametrize(
    ("code", "eligible_on", "deadline"),
    [
        *[
            pytest.param(
                code, date(2024, 3, 15), date(2027, 3, 15), id=f"003§4(4) 3 years [{code}]"
            )
            for code in CODES
        ],
        *[
            pytest.param(code, date(2024, 2, 29), date(2027, 2, 28), id=f"003§4(4) Feb 29 [{code}]")
            for code in CODES
        ],
        *[
            pytest.param(code, None, None, id=f"003§4(4) not yet eligible [{code}]")
            for code in CODES
        ],
    ],
)
def test_certificate_deadline_is_three_years_after_eligibility(code, eligible_on, deadline):
    """The certificate is due 3 years after exam eligibility; Feb 29 falls to Feb 28."""
    assert certificate_deadline(load_profile(code), eligible_on) == deadline


def test_certificate_deadline_keeps_feb_29_in_a_leap_target_year():
    """With a 4-year deadline, Feb 29 lands on Feb 29 again."""
    profile = load_profile("jiangsu")
    profile = dataclasses.replace(
        profile, certificate=dataclasses.replace(profile.certificate, deadline_years=4)
    )
    assert certificate_deadline(profile, date(2024, 2, 29)) == date(2028, 2, 29)


DEADLINE = date(2027, 3, 15)
CERT_BOUNDARIES = [
    (False, DEADLINE, 181, CertLevel.OK, 181),
    (False, DEADLINE, 180, CertLevel.AMBER, 180),
    (False, DEADLINE, 91, CertLevel.AMBER, 91),
    (False, DEADLINE, 90, CertLevel.RED, 90),
    (False, DEADLINE, 0, CertLevel.RED, 0),
    (False, DEADLINE, -1, CertLevel.OVERDUE, -1),
    (False, None, 0, CertLevel.NOT_ELIGIBLE, None),
    (True, DEADLINE, -400, CertLevel.CERTIFIED, None),
    (True, None, 0, CertLevel.CERTIFIED, None),
]


@pytest.mark.parametrize(
    ("code", "certified", "deadline", "days_before", "level", "days_left"),
    [
        pytest.param(
            code,
            certified,
            deadline,
            before,
            level,
            left,
            id=f"003§4(4)+product {level.value} at {before}d [{code}]",
        )
        for code in CODES
        for certified, deadline, before, level, left in CERT_BOUNDARIES
    ],
)
def test_certificate_state_levels_at_boundaries(
    code, certified, deadline, days_before, level, days_left
):
    """Amber from 180 days left, red from 90, overdue the day after the deadline."""
    today = DEADLINE - timedelta(days=days_before)
    state = certificate_state(load_profile(code), deadline, today, certified=certified)
    assert (state.level, state.days_left) == (level, days_left)


@pytest.mark.parametrize(
    ("code", "certified", "deadline", "days_before", "shown"),
    [
        pytest.param(code, certified, deadline, before, shown, id=f"003§4(4) {label} [{code}]")
        for code in CODES
        for label, certified, deadline, before, shown in [
            ("uncertified, deadline ahead", False, DEADLINE, 400, True),
            ("uncertified, red", False, DEADLINE, 10, True),
            ("uncertified, overdue", False, DEADLINE, -30, True),
            ("not yet eligible", False, None, 0, False),
            ("holder, deadline past", True, DEADLINE, -400, False),
            ("holder, deadline ahead", True, DEADLINE, 400, False),
            ("holder, never eligible", True, None, 0, False),
        ]
    ],
)
def test_certificate_deadline_shown_only_while_owed(code, certified, deadline, days_before, shown):
    """003 §4(4): the deadline is for obtaining the certificate; a holder has none to see."""
    today = DEADLINE - timedelta(days=days_before)
    state = certificate_state(load_profile(code), deadline, today, certified=certified)
    assert shows_certificate_deadline(state) is shown


# -- exit rules [003 §11(2), 002 §5(4), 004 §9–10] ------------------------------------

# fmt: off
EXIT_CASES = [
    # Jiangsu: 2 × 不合格 or 3 × 基本合格, for every hiring route [003 §11(2)]
    ("jiangsu", RECRUITED, {2023: UNQ, 2024: UNQ}, [("unqualified_2y", 2, True, False)],
     "003§11(2) 不合格 不合格 triggered"),
    ("jiangsu", ELECTED, {2023: UNQ, 2024: UNQ}, [("unqualified_2y", 2, True, False)],
     "003§11(2) elected worker covered too"),
    ("jiangsu", RECRUITED, {2023: QUAL, 2024: UNQ}, [("unqualified_2y", 1, False, True)],
     "003§11(2) 合格 不合格 one away"),
    ("jiangsu", RECRUITED, {2023: BASIC, 2024: BASIC}, [("basic_3y", 2, False, True)],
     "003§11(2) 基本合格×2 one away"),
    ("jiangsu", RECRUITED, {2022: BASIC, 2023: BASIC, 2024: BASIC}, [("basic_3y", 3, True, False)],
     "003§11(2) 基本合格×3 triggered"),
    ("jiangsu", RECRUITED, {2024: BASIC}, [], "003§11(2) one 基本合格 is not yet one away"),
    ("jiangsu", RECRUITED, {2022: UNQ, 2024: UNQ}, [("unqualified_2y", 1, False, True)],
     "003§11(2) gap year breaks 不合格 streak"),
    ("jiangsu", RECRUITED, {2021: BASIC, 2022: BASIC, 2024: BASIC}, [],
     "003§11(2) gap year breaks 基本合格 streak"),
    ("jiangsu", RECRUITED, {2023: UNQ, 2024: BASIC}, [],
     "003§11(2) 不合格 then 基本合格 resets"),
    ("jiangsu", RECRUITED, {2022: BASIC, 2023: BASIC, 2024: UNQ},
     [("unqualified_2y", 1, False, True)], "003§11(2) 基本合格 streak ended by 不合格"),
    ("jiangsu", RECRUITED, {2022: UNQ, 2023: UNQ, 2024: QUAL}, [],
     "003§11(2) only the streak ending at the latest year counts"),
    ("jiangsu", RECRUITED, {2024: UNQ, 2023: UNQ, 2022: UNQ}, [("unqualified_2y", 3, True, False)],
     "003§11(2) unordered history, longer streak"),
    ("jiangsu", RECRUITED, {2023: EXC, 2024: QUAL}, [], "003§11(2) good results no risk"),
    ("jiangsu", RECRUITED, {}, [], "003§11(2) no appraisals yet"),
    # Shanghai: 2 × 不合格, recruited (招聘) workers only [002 §5(4)]
    ("shanghai_baoshan", RECRUITED, {2023: UNQ, 2024: UNQ}, [("unqualified_2y", 2, True, False)],
     "002§5(4) recruited 不合格×2 triggered"),
    ("shanghai_baoshan", RECRUITED, {2024: UNQ}, [("unqualified_2y", 1, False, True)],
     "002§5(4) recruited one away"),
    ("shanghai_baoshan", ELECTED, {2023: UNQ, 2024: UNQ}, [],
     "002§5(4) elected worker not covered"),
    ("shanghai_baoshan", RECRUITED, {2022: BASIC, 2023: BASIC, 2024: BASIC}, [],
     "002§5(4) no 基本合格 rule in Shanghai"),
    # National baseline: adopts 2 × 不合格 for everyone [004 §9–10 → 003 §11(2), 002 §5(4)]
    ("national", ELECTED, {2023: UNQ, 2024: UNQ}, [("unqualified_2y", 2, True, False)],
     "004§9-10 baseline 不合格×2 triggered"),
    ("national", RECRUITED, {2023: QUAL, 2024: UNQ}, [("unqualified_2y", 1, False, True)],
     "004§9-10 baseline one away"),
    ("national", RECRUITED, {2022: BASIC, 2023: BASIC, 2024: BASIC}, [],
     "004§9-10 baseline has no 基本合格 rule"),
]
# fmt: on


@pytest.mark.parametrize(
    ("code", "route", "history", "expected"),
    [
        pytest.param(code, route, history, expected, id=cite)
        for code, route, history, expected, cite in EXIT_CASES
    ],
)
def test_exit_risks(code, route, history, expected):
    """The trailing streak of consecutive years with the rule's result triggers or warns."""
    profile = load_profile(code)
    risks = exit_risks(profile, history, hiring_route=route)
    assert [(r.rule_code, r.streak, r.triggered, r.one_away) for r in risks] == expected
    rules = {rule.code: rule for rule in profile.exit_rules}
    for risk in risks:
        rule = rules[risk.rule_code]
        assert (risk.result, risk.threshold, risk.citation) == (
            rule.result,
            rule.consecutive_years,
            rule.citation,
        )


def test_exit_risks_accept_stored_string_values():
    """Results read back as plain strings count the same as enum members."""
    risks = exit_risks(
        load_profile("jiangsu"), {2023: "unqualified", 2024: "unqualified"}, hiring_route="elected"
    )
    assert [(r.rule_code, r.triggered) for r in risks] == [("unqualified_2y", True)]


def test_exit_risks_list_triggered_rules_first():
    """Triggered rules come before one-away warnings whatever the profile order."""
    profile = load_profile("jiangsu")
    three = ExitRule("unqualified_3y", UNQ, 3, frozenset(HiringRoute), "test")
    profile = dataclasses.replace(profile, exit_rules=(three, *profile.exit_rules))
    risks = exit_risks(profile, {2023: UNQ, 2024: UNQ}, hiring_route=RECRUITED)
    assert [(r.rule_code, r.triggered, r.one_away) for r in risks] == [
        ("unqualified_2y", True, False),
        ("unqualified_3y", False, True),
    ]


# -- care [003 §14, 004 §14; 职工带薪年休假条例 第三条] -----------------------------------


@pytest.mark.parametrize(
    ("code", "years", "days"),
    [
        pytest.param(code, years, days, id=f"条例§3 {years}y {days}d [{code}]")
        for code in CODES
        for years, days in [(0, 0), (1, 5), (9, 5), (10, 10), (19, 10), (20, 15), (35, 15)]
    ],
)
def test_annual_leave_days_follow_years_worked(code, years, days):
    """Leave is 0 days under 1 year, 5 from 1, 10 from 10 and 15 from 20 years of work."""
    assert annual_leave_days(load_profile(code), years) == days


@pytest.mark.parametrize(
    ("years", "error"),
    [
        pytest.param(-1, ValueError, id="条例§3 negative years"),
        pytest.param(True, TypeError, id="条例§3 bool years"),
        pytest.param(1.5, TypeError, id="条例§3 fractional years"),
    ],
)
def test_annual_leave_days_refuse_bad_years(years, error):
    """Years worked must be a non-negative int."""
    with pytest.raises(error):
        annual_leave_days(load_profile("national"), years)


@pytest.mark.parametrize(
    ("due_by", "year", "due_on"),
    [
        pytest.param((10, 1), 2025, date(2025, 10, 1), id="003§14+product 10-01"),
        pytest.param((2, 29), 2025, date(2025, 2, 28), id="product 02-29 common year"),
        pytest.param((2, 29), 2024, date(2024, 2, 29), id="product 02-29 leap year"),
    ],
)
def test_health_check_due_on(due_by, year, due_on):
    """This year's health check is due by the profile's MM-DD, Feb 29 falling to Feb 28."""
    profile = load_profile("jiangsu")
    profile = dataclasses.replace(
        profile, care=dataclasses.replace(profile.care, health_check_due_by=due_by)
    )
    assert health_check_due_on(profile, year) == due_on


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param({2024: QUAL}, [], id="product 1-year rule: no streak is not one away"),
        pytest.param({2024: UNQ}, [("unqualified_1y", 1, True, False)], id="product 1-year hit"),
    ],
)
def test_single_year_rule_is_never_one_away(history, expected):
    """With a one-year rule, a worker without that result is not warned (streak 0)."""
    one = ExitRule("unqualified_1y", UNQ, 1, frozenset(HiringRoute), "test")
    profile = dataclasses.replace(load_profile("national"), exit_rules=(one,))
    risks = exit_risks(profile, history, hiring_route=RECRUITED)
    assert [(r.rule_code, r.streak, r.triggered, r.one_away) for r in risks] == expected
