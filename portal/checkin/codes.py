"""Stateless, rotating check-in codes (pure functions: no database, no clock).

Projector code: HMAC-SHA256 of the training's secret over (training id, time step).
Steps are 15 s; the current and the previous step are accepted, so a code is good
for 15–30 s. Nothing is stored: refreshing a projector page never invalidates codes,
and two projectors show the same code. The URL carries the step, so a refusal can
say why (expired, not yet valid, or not a code of this training).

Personal code (我的签到码): the same construction over (user id, step) with a key
derived from the app's secret key, in 30 s steps, for the trainer to scan. A scan
queued offline is checked against the time of the scan, not of its arrival.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PROJECTOR_STEP_SECONDS = 15
PERSONAL_STEP_SECONDS = 30
MAC_BYTES = 10  # 80 bits: forging one inside a 30 s window is out of reach
PERSONAL_PREFIX = "CWP1"

_MAC_RE = re.compile(r"^[A-Z2-7]{16}$")
_PERSONAL_RE = re.compile(rf"^{PERSONAL_PREFIX}\.(\d{{1,10}})\.(\d{{1,12}})\.([A-Z2-7]{{16}})$")


class CodeProblem(enum.StrEnum):
    """Why a code was refused."""

    MALFORMED = "malformed"  # not a code at all
    INVALID = "invalid"  # forged, tampered, or a code of another training/person
    EXPIRED = "expired"  # older than the previous step
    FUTURE = "future"  # a step that has not begun


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a code: ok, or the problem."""

    problem: CodeProblem | None = None

    @property
    def ok(self) -> bool:
        """Return whether the code was accepted."""
        return self.problem is None

    @property
    def genuine(self) -> bool:
        """Return whether the code is really the one it claims to be (if perhaps too old)."""
        return self.problem not in {CodeProblem.MALFORMED, CodeProblem.INVALID}


ACCEPTED = CodeCheck()


def time_step(moment: datetime, step_seconds: int = PROJECTOR_STEP_SECONDS) -> int:
    """Return the number of the time step an aware moment falls in."""
    return int(moment.timestamp()) // step_seconds


def step_bounds(step: int, step_seconds: int = PROJECTOR_STEP_SECONDS) -> tuple[datetime, datetime]:
    """Return when a time step begins and when the next one begins (UTC)."""
    starts = datetime.fromtimestamp(step * step_seconds, UTC)
    return starts, starts + timedelta(seconds=step_seconds)


def seconds_left_in_step(moment: datetime, step_seconds: int = PROJECTOR_STEP_SECONDS) -> float:
    """Return how long the step containing a moment still lasts."""
    return step_seconds - (moment.timestamp() % step_seconds)


def _mac(key: bytes, *parts: int | str) -> str:
    message = ":".join(str(p) for p in parts).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.b32encode(digest).decode()  # 16 chars A–Z2–7: compact in a QR code


def projector_mac(secret: str, training_id: int, step: int) -> str:
    """Return the MAC of a training's code for one time step."""
    return _mac(bytes.fromhex(secret), "training", training_id, step)


def _check_step(code_step: int, now_step: int) -> CodeCheck:
    if code_step > now_step:
        return CodeCheck(CodeProblem.FUTURE)
    if code_step < now_step - 1:
        return CodeCheck(CodeProblem.EXPIRED)
    return ACCEPTED


def check_projector_code(
    secret: str, training_id: int, step: int, mac: str, *, now: datetime
) -> CodeCheck:
    """Check a projector code scanned at `now`: the current or previous step only."""
    if not _MAC_RE.match(mac or ""):
        return CodeCheck(CodeProblem.MALFORMED)
    if not hmac.compare_digest(projector_mac(secret, training_id, step), mac):
        return CodeCheck(CodeProblem.INVALID)
    return _check_step(step, time_step(now, PROJECTOR_STEP_SECONDS))


def personal_key(app_secret: str | bytes) -> bytes:
    """Derive the key of personal codes from the app's secret key."""
    secret = app_secret.encode() if isinstance(app_secret, str) else app_secret
    return hmac.new(secret, b"personal-checkin-code", hashlib.sha256).digest()


def personal_code(key: bytes, user_id: int, step: int) -> str:
    """Return the text of a worker's personal code for one 30 s step."""
    return f"{PERSONAL_PREFIX}.{user_id}.{step}.{_mac(key, 'person', user_id, step)}"


@dataclass(frozen=True)
class PersonalScan:
    """A personal code read by a trainer: whose it is, its step, and whether it holds."""

    user_id: int | None
    check: CodeCheck
    step: int | None = None


def check_personal_code(key: bytes, text: str, *, scanned_at: datetime) -> PersonalScan:
    """Check a personal code against the moment it was scanned."""
    match = _PERSONAL_RE.match((text or "").strip())
    if not match:
        return PersonalScan(None, CodeCheck(CodeProblem.MALFORMED))
    user_id, step, mac = int(match[1]), int(match[2]), match[3]
    if not hmac.compare_digest(_mac(key, "person", user_id, step), mac):
        return PersonalScan(None, CodeCheck(CodeProblem.INVALID))
    check = _check_step(step, time_step(scanned_at, PERSONAL_STEP_SECONDS))
    return PersonalScan(user_id, check, step)
