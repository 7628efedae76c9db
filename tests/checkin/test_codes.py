"""Rotating check-in codes: step boundaries, the accepted steps, forgeries and clock offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.checkin.codes import (
    PERSONAL_STEP_SECONDS,
    PROJECTOR_STEP_SECONDS,
    CodeProblem,
    check_personal_code,
    check_projector_code,
    personal_code,
    personal_key,
    projector_mac,
    seconds_left_in_step,
    step_bounds,
    time_step,
)

SECRET = "ab" * 32
OTHER_SECRET = "cd" * 32
TRAINING = 41
# A moment exactly on a step boundary (for both 15 s and 30 s steps).
BOUNDARY = datetime(2026, 3, 2, 1, 0, 0, tzinfo=UTC)
KEY = personal_key("test-app-secret")


def at(seconds: float) -> datetime:
    return BOUNDARY + timedelta(seconds=seconds)


NOW_STEP = time_step(BOUNDARY)


@pytest.mark.parametrize(
    ("offset_s", "steps_later"),
    [(0, 0), (14.999, 0), (15.0, 1), (29.999, 1), (30.0, 2), (-0.001, -1)],
)
def test_projector_step_changes_exactly_every_15_seconds(offset_s, steps_later):
    """A projector step lasts 15 s: 14.999 s after a boundary is the same step, 15.000 s next."""
    assert BOUNDARY.timestamp() % PROJECTOR_STEP_SECONDS == 0
    assert time_step(at(offset_s)) == NOW_STEP + steps_later


@pytest.mark.parametrize(("offset_s", "left"), [(0, 15.0), (0.5, 14.5), (14.5, 0.5), (15.0, 15.0)])
def test_seconds_left_counts_down_to_the_next_boundary(offset_s, left):
    """The countdown shows the time to the next 15 s boundary, starting over at 15."""
    assert seconds_left_in_step(at(offset_s)) == pytest.approx(left)


@pytest.mark.parametrize(
    ("code_step", "scanned_after_s", "problem"),
    [
        (NOW_STEP, 0, None),  # the code on the screen
        (NOW_STEP, 14.999, None),  # the last moment of its own step
        (NOW_STEP, 15.0, None),  # previous step: still accepted
        (NOW_STEP, 29.999, None),  # last moment of the following step
        (NOW_STEP, 30.0, CodeProblem.EXPIRED),  # two steps back
        (NOW_STEP - 40, 0, CodeProblem.EXPIRED),  # a photo of an old code (replay)
        (NOW_STEP + 1, 14.999, CodeProblem.FUTURE),  # a step that has not begun
        (NOW_STEP + 1, 15.0, None),  # ...which is the current one a moment later
    ],
)
def test_projector_code_accepts_the_current_and_previous_step_only(
    code_step, scanned_after_s, problem
):
    """A projector code holds for its own step and the next one; older is expired, newer future."""
    mac = projector_mac(SECRET, TRAINING, code_step)
    check = check_projector_code(SECRET, TRAINING, code_step, mac, now=at(scanned_after_s))
    assert check.problem is problem
    assert check.ok is (problem is None)
    assert check.genuine  # a real code of the training, whatever its age


def _flip(mac: str) -> str:
    return ("B" if mac[0] == "A" else "A") + mac[1:]


@pytest.mark.parametrize(
    ("make_mac", "training_id", "step", "problem"),
    [
        (lambda: _flip(projector_mac(SECRET, TRAINING, NOW_STEP)), TRAINING, NOW_STEP, "invalid"),
        (lambda: projector_mac(SECRET, TRAINING + 1, NOW_STEP), TRAINING, NOW_STEP, "invalid"),
        (lambda: projector_mac(OTHER_SECRET, TRAINING, NOW_STEP), TRAINING, NOW_STEP, "invalid"),
        # A valid code of step N presented as step N-1 (the URL's step edited).
        (lambda: projector_mac(SECRET, TRAINING, NOW_STEP), TRAINING, NOW_STEP - 1, "invalid"),
        (
            lambda: projector_mac(SECRET, TRAINING, NOW_STEP).lower(),
            TRAINING,
            NOW_STEP,
            "malformed",
        ),
        (lambda: projector_mac(SECRET, TRAINING, NOW_STEP)[:-1], TRAINING, NOW_STEP, "malformed"),
        (lambda: "", TRAINING, NOW_STEP, "malformed"),
        (lambda: "0" * 16, TRAINING, NOW_STEP, "malformed"),
        (lambda: None, TRAINING, NOW_STEP, "malformed"),
    ],
    ids=[
        "tampered",
        "other-training",
        "other-secret",
        "step-edited",
        "lowercase",
        "short",
        "empty",
        "not-base32",
        "missing",
    ],
)
def test_forged_tampered_and_malformed_projector_codes_are_refused(
    make_mac, training_id, step, problem
):
    """Only the MAC of this training's secret, id and step is accepted; junk is malformed."""
    check = check_projector_code(SECRET, training_id, step, make_mac(), now=BOUNDARY)
    assert check.problem == problem
    assert not check.ok
    assert not check.genuine


def test_projector_codes_are_stateless_and_the_same_for_every_screen():
    """Two projectors (or a refreshed page) show the same code for the same step."""
    first = projector_mac(SECRET, TRAINING, NOW_STEP)
    assert projector_mac(SECRET, TRAINING, NOW_STEP) == first
    assert projector_mac(SECRET, TRAINING, NOW_STEP + 1) != first
    assert check_projector_code(SECRET, TRAINING, NOW_STEP, first, now=BOUNDARY).ok


@pytest.mark.parametrize("projector_clock_off_by", [timedelta(minutes=5), timedelta(minutes=-5)])
def test_a_projector_with_a_wrong_clock_shows_codes_of_the_server_step(projector_clock_off_by):
    """The step comes from the server: a code built from a projector's clock 5 min off would fail.

    The projector page gets its code from the server (which uses its own time), so the
    wrong clock only shifts when the page asks, never which step the code is for.
    """
    server_now = at(3)
    server_step = time_step(server_now)
    served = projector_mac(SECRET, TRAINING, server_step)
    assert check_projector_code(SECRET, TRAINING, server_step, served, now=server_now).ok

    projector_step = time_step(server_now + projector_clock_off_by)
    from_local_clock = projector_mac(SECRET, TRAINING, projector_step)
    check = check_projector_code(SECRET, TRAINING, projector_step, from_local_clock, now=server_now)
    expected = CodeProblem.FUTURE if projector_clock_off_by > timedelta(0) else CodeProblem.EXPIRED
    assert check.problem is expected


# -- personal codes (我的签到码): the same construction over 30 s steps ----------------------

PERSONAL_NOW = time_step(BOUNDARY, PERSONAL_STEP_SECONDS)


def _tamper_last(text: str) -> str:
    return text[:-1] + ("B" if text[-1] == "A" else "A")


@pytest.mark.parametrize(
    ("offset_s", "steps_later"), [(0, 0), (29.999, 0), (30.0, 1), (59.999, 1), (60.0, 2)]
)
def test_personal_step_changes_exactly_every_30_seconds(offset_s, steps_later):
    """A personal-code step lasts 30 s: 29.999 s is the same step, 30.000 s the next."""
    assert time_step(at(offset_s), PERSONAL_STEP_SECONDS) == PERSONAL_NOW + steps_later


@pytest.mark.parametrize(
    ("code_step", "scanned_after_s", "problem"),
    [
        (PERSONAL_NOW, 0, None),
        (PERSONAL_NOW, 59.999, None),  # previous step: still accepted
        (PERSONAL_NOW, 60.0, CodeProblem.EXPIRED),  # two steps back
        (PERSONAL_NOW - 100, 0, CodeProblem.EXPIRED),  # an old screenshot
        (PERSONAL_NOW + 1, 0, CodeProblem.FUTURE),
    ],
)
def test_personal_code_accepts_the_current_and_previous_step_only(
    code_step, scanned_after_s, problem
):
    """A personal code holds for its step and the next; the scan time decides, not arrival."""
    text = personal_code(KEY, 7, code_step)
    scan = check_personal_code(KEY, text, scanned_at=at(scanned_after_s))
    assert scan.user_id == 7
    assert scan.step == code_step  # what the scan claims at the door: (worker, step)
    assert scan.check.problem is problem


@pytest.mark.parametrize(
    ("moment_s", "seconds"),
    [(0, PERSONAL_STEP_SECONDS), (29.999, PERSONAL_STEP_SECONDS), (14.999, PROJECTOR_STEP_SECONDS)],
)
def test_step_bounds_enclose_every_moment_of_the_step(moment_s, seconds):
    """A step begins on its boundary and lasts exactly its length, whatever moment named it."""
    starts, ends = step_bounds(time_step(at(moment_s), seconds), seconds)
    assert starts == BOUNDARY
    assert ends == BOUNDARY + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (personal_code(KEY, 7, PERSONAL_NOW).replace(".7.", ".8."), CodeProblem.INVALID),
        (personal_code(personal_key("another-app"), 7, PERSONAL_NOW), CodeProblem.INVALID),
        (_tamper_last(personal_code(KEY, 7, PERSONAL_NOW)), CodeProblem.INVALID),
        ("CWP1.7.123", CodeProblem.MALFORMED),
        ("https://example.com/c/1/2/ABC", CodeProblem.MALFORMED),
        ("", CodeProblem.MALFORMED),
        (None, CodeProblem.MALFORMED),
    ],
    ids=["other-user", "other-key", "tampered-mac", "truncated", "a-url", "empty", "missing"],
)
def test_forged_tampered_and_malformed_personal_codes_are_refused(text, problem):
    """A personal code of another user or key, or with an edited MAC, is refused."""
    scan = check_personal_code(KEY, text, scanned_at=BOUNDARY)
    assert scan.check.problem is problem
    assert scan.user_id is None
