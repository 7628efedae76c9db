"""Check-in rules: when the door is open, who is late, who left early, hours by time present."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from portal.checkin.rules import code_step_problem, code_used_elsewhere
from portal.training.rules import (
    LATE_AFTER_START,
    OPENS_BEFORE_START,
    WindowProblem,
    hours_for_time,
    is_late,
    left_early,
    window,
    window_problem,
)

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
END = START + timedelta(hours=3)
TICK = timedelta(microseconds=1)
MIN = timedelta(minutes=1)


def test_window_opens_half_an_hour_early_and_closes_at_the_end():
    """Check-in opens 30 minutes before the start and closes at the end."""
    assert OPENS_BEFORE_START == timedelta(minutes=30)
    assert window(START, END) == (START - timedelta(minutes=30), END)


@pytest.mark.parametrize(
    ("at", "problem"),
    [
        (START - timedelta(hours=5), WindowProblem.NOT_OPEN),
        (START - OPENS_BEFORE_START - TICK, WindowProblem.NOT_OPEN),
        (START - OPENS_BEFORE_START, None),  # the door opens on the dot
        (START, None),
        (START + timedelta(hours=1), None),
        (END, None),  # the last moment still counts
        (END + TICK, WindowProblem.CLOSED),
        (END + timedelta(days=1), WindowProblem.CLOSED),
    ],
    ids=["hours-early", "just-before-open", "opens", "start", "during", "end", "after", "next-day"],
)
def test_window_edges(at, problem):
    """A check-in is refused before the door opens and after the end, accepted on both edges."""
    assert window_problem(at, START, END) is problem


STEP = timedelta(seconds=30)
OPENS = START - OPENS_BEFORE_START


@pytest.mark.parametrize(
    ("shown_from", "problem"),
    [
        (OPENS - timedelta(hours=1), WindowProblem.NOT_OPEN),  # an old screenshot
        (OPENS - STEP, WindowProblem.NOT_OPEN),  # rotated away the moment the door opened
        (OPENS - STEP + TICK, None),  # still on the phone when the door opened
        (OPENS, None),
        (START, None),
        (END - STEP, None),
        (END, None),  # appeared at the last moment of check-in
        (END + TICK, WindowProblem.CLOSED),  # appeared after the end
        (END + timedelta(hours=5), WindowProblem.CLOSED),
    ],
    ids=[
        "hour-before",
        "ended-at-open",
        "overlaps-open",
        "at-open",
        "start",
        "last-full-step",
        "at-end",
        "after-end",
        "hours-after",
    ],
)
def test_personal_code_step_must_overlap_the_check_in_window(shown_from, problem):
    """A personal code counts only if its 30 s step was on screen while the door was open."""
    assert code_step_problem(shown_from, shown_from + STEP, START, END) is problem


@pytest.mark.parametrize(
    ("used_at_training", "training", "elsewhere"),
    [
        (None, 7, False),  # never used: this scan claims it
        (7, 7, False),  # used at this training: a replay, answered "already"
        (8, 7, True),  # shown at another door: refused
    ],
    ids=["unused", "same-training", "other-training"],
)
def test_a_personal_code_step_counts_at_one_training_only(used_at_training, training, elsewhere):
    """One step of a worker's code opens one training's door; another training is refused."""
    assert code_used_elsewhere(used_at_training, training) is elsewhere


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (START - timedelta(minutes=20), False),
        (START, False),
        (START + LATE_AFTER_START, False),  # 15 minutes is still on time
        (START + LATE_AFTER_START + TICK, True),
        (START + timedelta(hours=2), True),
    ],
    ids=["early", "on-the-dot", "15-min", "just-after-15-min", "two-hours"],
)
def test_late_after_a_quarter_of_an_hour(at, late):
    """Arriving more than 15 minutes after the start counts as late."""
    assert is_late(at, START) is late


@pytest.mark.parametrize(
    ("out", "early"),
    [
        (END - timedelta(hours=1), True),
        (END - 5 * MIN - TICK, True),
        (END - 5 * MIN, False),  # five minutes' grace
        (END, False),
        (END + timedelta(hours=1), False),
    ],
    ids=["an-hour-early", "just-over-5-min", "5-min", "end", "after"],
)
def test_left_early_with_five_minutes_grace(out, early):
    """Leaving more than five minutes before the end counts as leaving early."""
    assert left_early(out, END) is early


FULL = Decimal("3.0")


@pytest.mark.parametrize(
    ("checked_in", "checked_out", "hours"),
    [
        (START, END, "3.0"),  # the whole training
        (START - timedelta(minutes=30), END + timedelta(hours=1), "3.0"),  # capped at the hours
        (START, START + 89 * MIN, "1.0"),  # 1 h 29 min → whole halves only
        (START, START + 90 * MIN, "1.5"),
        (START, START + 29 * MIN, "0.0"),  # under half an hour earns nothing
        (START, START + 30 * MIN, "0.5"),
        (START + timedelta(minutes=40), END, "2.0"),  # 2 h 20 min present
        (START - timedelta(hours=2), START - timedelta(hours=1), "0.0"),  # before the start
        (END, END + timedelta(hours=1), "0.0"),  # after the end
        (START + timedelta(hours=2), START + timedelta(hours=1), "0.0"),  # out before in
    ],
    ids=[
        "whole",
        "capped",
        "1h29",
        "1h30",
        "29min",
        "30min",
        "came-late",
        "before",
        "after",
        "reversed",
    ],
)
def test_hours_for_time_present_in_half_hours_capped(checked_in, checked_out, hours):
    """Time present inside the training earns whole half hours, at most the training's hours."""
    earned = hours_for_time(checked_in, checked_out, START, END, FULL)
    assert earned == Decimal(hours)
    assert str(earned) == hours  # one decimal, as shown on the training card


def test_hours_for_time_cap_is_the_training_hours_not_the_duration():
    """A 3-hour training that credits 2 hours credits at most 2 for staying all along."""
    assert hours_for_time(START, END, START, END, Decimal("2")) == Decimal("2.0")
