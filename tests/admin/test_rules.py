"""The admin side's pure rules (portal/admin/rules.py), driven by tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from portal.admin.rules import (
    SuggestedAction,
    latest_eligibility_for_deadline,
    secondment_too_long,
    suggested_actions,
)
from portal.enums import AppraisalResult, HiringRoute
from portal.policy import load_profile, rules
from portal.policy.profiles import SecondmentPolicy

QUAL, BASIC, UNQ = AppraisalResult.QUALIFIED, AppraisalResult.BASIC, AppraisalResult.UNQUALIFIED
JIANGSU = load_profile("jiangsu")


@pytest.mark.parametrize(
    ("since", "until", "too_long"),
    [
        (date(2026, 1, 10), date(2026, 7, 10), False),  # exactly 6 months is allowed
        (date(2026, 1, 10), date(2026, 7, 11), True),  # one day past
        (date(2026, 1, 10), date(2026, 3, 1), False),
        (date(2025, 8, 31), date(2026, 2, 28), False),  # 31 Aug + 6 months → 28 Feb
        (date(2025, 8, 31), date(2026, 3, 1), True),
        (date(2023, 8, 31), date(2024, 2, 29), False),  # leap year: 29 Feb is the last day
        (date(2023, 8, 31), date(2024, 3, 1), True),
        (date(2025, 12, 1), date(2026, 6, 1), False),  # across the year's end
        (None, date(2026, 7, 11), False),  # no start: nothing to warn about
        (date(2026, 1, 10), None, False),  # open-ended: nothing to warn about
    ],
)
def test_secondment_longer_than_six_months_is_too_long(since, until, too_long):
    """Jiangsu allows a secondment of at most 6 months [003 §9]; a day more is too long."""
    assert secondment_too_long(JIANGSU, since, until) is too_long


@pytest.mark.parametrize(
    ("max_months", "until", "too_long"),
    [(3, date(2026, 4, 10), False), (3, date(2026, 4, 11), True), (12, date(2026, 12, 31), False)],
)
def test_secondment_limit_comes_from_the_profile(max_months, until, too_long):
    """A profile with another limit moves the line: the number is policy data, not code."""
    profile = replace(JIANGSU, secondment=SecondmentPolicy(max_months=max_months))
    assert secondment_too_long(profile, date(2026, 1, 10), until) is too_long


@pytest.mark.parametrize("code", ["national", "jiangsu", "shanghai_baoshan"])
def test_every_profile_limits_secondments_to_six_months(code):
    """Each stored profile carries the 6-month secondment limit (003 §9, adopted elsewhere)."""
    assert load_profile(code).secondment.max_months == 6


@pytest.mark.parametrize(
    "target",
    [
        date(2026, 6, 15),
        date(2026, 2, 28),
        date(2028, 2, 29),  # a leap target whose source year is not a leap year
        date(2027, 3, 1),
        date(2026, 1, 1),
    ],
)
def test_latest_eligibility_is_the_boundary_of_the_deadline(target):
    """The date found is the last eligibility whose deadline falls on or before the target."""
    found = latest_eligibility_for_deadline(JIANGSU, target)
    assert rules.certificate_deadline(JIANGSU, found) <= target
    assert rules.certificate_deadline(JIANGSU, date.fromordinal(found.toordinal() + 1)) > target


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (date(2026, 6, 15), date(2023, 6, 15)),  # 3 years [003 §4(4)]
        (date(2027, 2, 28), date(2024, 2, 29)),  # eligible 29 Feb 2024 → due 28 Feb 2027
    ],
)
def test_latest_eligibility_three_years_before(target, expected):
    """With a 3-year deadline the boundary is three years back (29 Feb counts to 28 Feb)."""
    assert latest_eligibility_for_deadline(JIANGSU, target) == expected


@pytest.mark.parametrize(
    ("history", "route", "expected"),
    [
        (
            {2023: QUAL, 2024: UNQ},
            HiringRoute.RECRUITED,
            [SuggestedAction.TALK, SuggestedAction.MENTOR],
        ),
        ({2023: UNQ, 2024: UNQ}, HiringRoute.RECRUITED, [SuggestedAction.TALK]),
        (
            {2023: BASIC, 2024: BASIC},
            HiringRoute.ELECTED,
            [SuggestedAction.TRAINING, SuggestedAction.MENTOR],
        ),
        (
            {2022: BASIC, 2023: BASIC, 2024: BASIC},
            HiringRoute.RECRUITED,
            [SuggestedAction.TALK, SuggestedAction.TRAINING],
        ),
        ({2023: UNQ, 2024: QUAL}, HiringRoute.RECRUITED, []),
        ({2022: BASIC, 2024: BASIC}, HiringRoute.RECRUITED, []),  # a gap ends the streak
    ],
)
def test_suggested_actions_follow_the_exit_rules(history, route, expected):
    """Help is suggested from the profile's exit rules: talk, training, mentor."""
    risks = rules.exit_risks(JIANGSU, history, hiring_route=route)
    assert suggested_actions(risks) == expected
