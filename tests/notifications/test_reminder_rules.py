"""Each reminder kind's pure rule, table-tested with frozen time (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from notifications import rules as reminder_rules
from portal.policy import rules
from tests.notifications.helpers import at


@pytest.mark.parametrize(
    ("now", "starts", "period"),
    [
        ("2026-11-22 17:59", "2026-11-23 09:00", None),  # too early in the evening
        ("2026-11-22 18:00", "2026-11-23 09:00", "2026-11-23"),
        ("2026-11-22 23:30", "2026-11-23 09:00", "2026-11-23"),
        ("2026-11-22 18:00", "2026-11-24 09:00", None),  # the day after tomorrow
        ("2026-11-23 07:00", "2026-11-23 09:00", None),  # today: the one-hour rule's job
        ("2028-02-28 18:00", "2028-02-29 09:00", "2028-02-29"),  # leap day training
        ("2028-02-29 18:00", "2028-03-01 09:00", "2028-03-01"),  # the evening of a leap day
        ("2026-12-31 18:00", "2027-01-01 09:00", "2027-01-01"),  # across the year
        ("2026-11-30 19:00", "2026-12-01 00:30", "2026-12-01"),  # just after midnight
    ],
)
def test_training_tomorrow_is_due_from_18_00_the_day_before(now, starts, period):
    """The evening before (from 18:00 Shanghai), a training on the next calendar day is due."""
    assert reminder_rules.training_tomorrow_period(at(starts), at(now)) == period


@pytest.mark.parametrize(
    ("minutes_to_start", "due"),
    [(61, False), (60, True), (30, True), (1, True), (0, False), (-5, False)],
)
def test_training_soon_is_due_within_the_hour_before_the_start(minutes_to_start, due):
    """From one hour before the start until it starts, the training is due."""
    starts = at("2026-11-23 09:00")
    period = reminder_rules.training_soon_period(
        starts, starts - timedelta(minutes=minutes_to_start)
    )
    assert (period == "2026-11-23T09:00") is due
    assert (period is None) is not due


@pytest.mark.parametrize(
    ("days_left", "period"),
    [
        (None, None),  # certified or not yet eligible
        (400, None),
        (181, None),
        (180, "d-180"),
        (120, "d-180"),  # joined late in the count-down: only the milestone reached
        (90, "d-90"),
        (31, "d-90"),
        (30, "d-30"),
        (8, "d-30"),
        (7, "d-7"),
        (0, "d-7"),
        (-1, "overdue"),
        (-400, "overdue"),
    ],
)
def test_certificate_reminders_at_180_90_30_7_days_and_overdue(days_left, period):
    """Each milestone reminds once; between milestones the last one reached is the key."""
    assert reminder_rules.certificate_period(days_left) == period


def _progress(required: str, credited: str, today: date) -> rules.TrainingProgress:
    return rules.training_progress(Decimal(required), Decimal(credited), today=today)


@pytest.mark.parametrize(
    ("today", "credited", "period"),
    [
        (date(2026, 1, 31), "0", None),  # January: too early to judge the pace
        (date(2026, 2, 1), "0", "2026-02"),
        (date(2026, 7, 1), "10", "2026-07"),  # 10 of 40 by July is behind
        (date(2026, 7, 1), "20", None),  # on pace
        (date(2026, 12, 31), "40", None),  # done
        (date(2028, 2, 29), "0", "2028-02"),  # leap day
    ],
)
def test_training_pace_is_checked_monthly(today, credited, period):
    """A worker behind the pro-rata pace of the minimum is reminded once per month."""
    assert reminder_rules.pace_period(_progress("40", credited, today), today) == period


@pytest.mark.parametrize(
    ("published", "period"),
    [
        (None, None),  # not published: nothing to tell
        ("2026-11-20 10:00", "2025"),
        ("2026-10-23 10:00", "2025"),  # 29 days ago
        ("2026-10-21 10:00", None),  # 31 days ago: old news
        ("2026-11-23 10:00", None),  # published in the future (scheduled)
    ],
)
def test_appraisal_published_is_news_for_30_days(published, period):
    """A result published in the last 30 days is due, keyed by its year."""
    moment = at(published) if published else None
    assert reminder_rules.appraisal_period(2025, moment, at("2026-11-21 12:00")) == period


@pytest.mark.parametrize(
    ("today", "done", "period"),
    [
        (date(2026, 9, 30), False, None),
        (date(2026, 10, 1), False, "2026"),
        (date(2026, 12, 31), False, "2026"),
        (date(2026, 10, 1), True, None),
    ],
)
def test_health_check_reminder_from_1_october(today, done, period):
    """Without this year's check, the reminder is due from the profile's date (1 October)."""
    due_on = date(today.year, 10, 1)
    assert reminder_rules.health_check_period(today, due_on, done=done) == period
