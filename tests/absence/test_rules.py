"""The absence exit rule, table-driven: runs of working days, the yearly count, risk, warning.

003 §11(5): 连续旷工超过10个工作日，或者1年内累计旷工超过20个工作日 → exit. Working days
are Monday to Friday (no holiday calendar); the warning margin is a product setting.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.absence import rules
from portal.policy.profiles import load_profile

JIANGSU = load_profile("jiangsu").absence
D = date
MON = D(2025, 3, 3)  # a Monday


def W(first: date, n: int) -> list[date]:  # noqa: N802 - short, for the tables
    """Return ``n`` consecutive working days from ``first`` (a working day)."""
    days = [first]
    while len(days) < n:
        days.append(rules.next_working_day(days[-1]))
    return days


def test_jiangsu_profile_holds_003_11_5():
    """Jiangsu: over 10 working days running or 20 in a year; warn 2 days before [003 §11(5)]."""
    assert JIANGSU is not None
    assert (JIANGSU.consecutive_days, JIANGSU.days_per_year) == (10, 20)
    assert JIANGSU.citation == "003 §11(5)"
    assert (JIANGSU.warn_days, JIANGSU.warn_citation) == (2, "product")


@pytest.mark.parametrize("code", ["national", "shanghai_baoshan"])
def test_profiles_without_a_seed_leave_the_rule_out(code):
    """No Shanghai or national seed sets a number of days: no absence rule [002 §5(4), 004 §9]."""
    assert load_profile(code).absence is None


# fmt: off
RUNS = [
    # (article, days, year, longest run)
    ("003 §11(5) nothing recorded", [], None, 0),
    ("003 §11(5) one day", [MON], None, 1),
    ("003 §11(5) Mon–Fri is 5 running", W(MON, 5), None, 5),
    ("003 §11(5) a weekend does not break a run", W(MON, 10), None, 10),
    ("003 §11(5) a missing working day breaks it", [*W(MON, 3), *W(D(2025, 3, 7), 2)], None, 3),
    ("003 §11(5) 11 working days over three weeks", W(MON, 11), None, 11),
    ("003 §11(5) Friday then Monday run", [D(2025, 3, 7), D(2025, 3, 10)], None, 2),
    ("003 §11(5) a run across New Year counts whole", W(D(2024, 12, 23), 12), 2025, 12),
    ("003 §11(5) a run of last year only: none this year", W(D(2024, 3, 4), 12), 2025, 0),
    ("003 §11(5) the longest of two runs", [*W(MON, 4), *W(D(2025, 5, 5), 7)], 2025, 7),
]
# fmt: on


@pytest.mark.parametrize(("article", "days", "year", "expected"), RUNS, ids=[r[0] for r in RUNS])
def test_longest_run_of_working_days(article, days, year, expected):
    """The longest run counts consecutive working days, Monday to Friday."""
    assert rules.longest_run(days, year) == expected


DEC_JUN = [*W(D(2024, 12, 30), 2), *W(D(2025, 6, 2), 3)]  # 2 days in 2024, 3 in 2025

# fmt: off
YEARLY = [
    ("003 §11(5) 1年内 is the calendar year", DEC_JUN, 2025, 3),
    ("003 §11(5) last year's days", DEC_JUN, 2024, 2),
    ("003 §11(5) scattered days add up", [MON + timedelta(weeks=w) for w in range(21)], 2025, 21),
    ("003 §11(5) a day counts once", [MON, MON], 2025, 1),
]
# fmt: on


@pytest.mark.parametrize(
    ("article", "days", "year", "expected"), YEARLY, ids=[r[0] for r in YEARLY]
)
def test_days_in_a_calendar_year(article, days, year, expected):
    """The yearly count is the distinct days of the calendar year."""
    assert rules.days_in_year(days, year) == expected


def _weekly(n: int) -> list[date]:
    """Return ``n`` Mondays of 2025: as many days in the year, none running."""
    return [MON + timedelta(weeks=w) for w in range(n)]


# fmt: off
STANDING = [
    # (article, days, triggered, warning, days to exit)
    ("003 §11(5) 8 running: no warning yet", W(MON, 8), False, False, 3),
    ("003 §11(5) 9 running: warn, 2 days to exit (product)", W(MON, 9), False, True, 2),
    ("003 §11(5) 10 running: warn, 1 day to exit", W(MON, 10), False, True, 1),
    ("003 §11(5) 11 running: more than 10, exit", W(MON, 11), True, False, 0),
    ("003 §11(5) 18 in the year: no warning yet", _weekly(18), False, False, 3),
    ("003 §11(5) 19 in the year: warn", _weekly(19), False, True, 2),
    ("003 §11(5) 20 in the year: warn, not yet more than 20", _weekly(20), False, True, 1),
    ("003 §11(5) 21 in the year: exit", _weekly(21), True, False, 0),
    ("003 §11(5) 10 running, 20 in the year", [*W(MON, 10), *_weekly(30)[20:]], False, True, 1),
    ("003 §11(5) nothing recorded", [], False, False, 11),
]
# fmt: on


@pytest.mark.parametrize(
    ("article", "days", "triggered", "warning", "to_exit"), STANDING, ids=[r[0] for r in STANDING]
)
def test_exit_risk_and_warning(article, days, triggered, warning, to_exit):
    """Exit when a count is above its limit; warn 1 or 2 days before (Jiangsu's margin)."""
    standing = rules.standing(JIANGSU, days, 2025)
    assert standing.triggered is triggered
    assert standing.warning is warning
    assert standing.at_risk is (triggered or warning)
    assert standing.days_to_exit == to_exit


def test_weekend_days_are_not_working_days():
    """Saturday and Sunday are not working days; a period lists only Monday to Friday."""
    assert [rules.is_working_day(MON + timedelta(days=i)) for i in range(7)] == [
        True, True, True, True, True, False, False,
    ]  # fmt: skip
    assert rules.working_days_between(D(2025, 3, 7), D(2025, 3, 11)) == [
        D(2025, 3, 7),
        D(2025, 3, 10),
        D(2025, 3, 11),
    ]
