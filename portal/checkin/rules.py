"""Rules of a worker's personal code at the door, besides its MAC.

The step a personal code (30 s steps) was made for must lie inside the training's
check-in window, and one step of one worker's code counts at one training only — shown
at one door, it opens no other. The window itself is an attendance rule
(``portal.training.rules``).
"""

from __future__ import annotations

from datetime import datetime

from portal.training.rules import WindowProblem, window


def code_step_problem(
    step_starts: datetime, step_ends: datetime, starts_at: datetime, ends_at: datetime
) -> WindowProblem | None:
    """Return why a personal code shown from `step_starts` until `step_ends` is outside the window.

    The code's step must overlap the check-in window: a code that rotated away before the
    door opened, or appeared only after it closed, was not shown during check-in.
    """
    opens, closes = window(starts_at, ends_at)
    if step_ends <= opens:
        return WindowProblem.NOT_OPEN
    if step_starts > closes:
        return WindowProblem.CLOSED
    return None


def code_used_elsewhere(used_at_training_id: int | None, training_id: int) -> bool:
    """Return whether a personal-code step was already used at another training's door.

    `used_at_training_id` is the training the step was first used for (None: never used).
    The same training again is a replay of the same scan, answered "already", not refused.
    """
    return used_at_training_id is not None and used_at_training_id != training_id
