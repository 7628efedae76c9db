"""The worker's rotating personal code (我的签到码) and the trainer's door scanner.

Every view: load → check access → act → render. The scanner posts each decoded code as
JSON; scans made offline arrive later with the time they were made, and are checked
against that time: the code must be the one the phone showed then, shown while the door
was open, and not used at another training's door before (live scans too). Replaying a
scan at the same training is harmless: the second answer is "already".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from portal.checkin import operations
from portal.checkin.codes import (
    PERSONAL_PREFIX,
    PERSONAL_STEP_SECONDS,
    CodeProblem,
    PersonalScan,
    check_personal_code,
    personal_code,
    personal_key,
    seconds_left_in_step,
    time_step,
)
from portal.checkin.qr import qr_svg
from portal.database import writes
from portal.enums import Role
from portal.extensions import db
from portal.observability import metrics
from portal.people.models import User, WorkerProfile
from portal.timeutil import utcnow
from portal.training import queries as training_queries
from portal.training import rules
from portal.training.models import Attendance, Training
from portal.training.operations import CheckinResult, Outcome
from portal.training.views import runnable_or_404
from portal.web.arrival import arrived_at
from portal.web.htmx import render
from portal.web.views import actor

bp = Blueprint("scan", __name__)

# A phone's clock, corrected by the offset the page measured, may still run a little ahead.
MAX_CLOCK_SKEW = timedelta(minutes=2)
# A code shown just after a step boundary may be read by a clock a moment behind the server.
STEP_TOLERANCE = timedelta(seconds=5)
# A scan whose time lies further back than this arrived from the offline queue.
QUEUED_AFTER = timedelta(seconds=15)
RECENT_SCANS = 8
_CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_MAX_CODE_LENGTH = 200

WORKER = (
    sa.select(WorkerProfile)
    .options(joinedload(WorkerProfile.user))
    .where(WorkerProfile.user_id == sa.bindparam("user_id"))
)

RECENT = (
    sa.select(Attendance.checked_in_at, Attendance.method, Attendance.late, User.name)
    .join(User, User.id == Attendance.worker_id)
    .where(Attendance.training_id == sa.bindparam("training_id"))
    .order_by(Attendance.checked_in_at.desc(), Attendance.id.desc())
    .limit(RECENT_SCANS)
)


def _personal_key() -> bytes:
    secret = current_app.secret_key
    if not secret:
        raise RuntimeError("personal codes need the app's SECRET_KEY")
    return personal_key(secret)


def _initial(name: str) -> str:
    """Return the first character of a name, shown large for a visual check at the door."""
    return name.strip()[:1]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# -- 我的签到码 -------------------------------------------------------------------------


@bp.get("/me/code")
@login_required
def my_code():
    """Show the worker's personal QR code, which rotates every 30 seconds."""
    worker = db.session.get(WorkerProfile, current_user.id)
    if worker is None or not current_user.has_role(Role.WORKER):
        abort(403)  # a role page: only workers have a personal code
    now = utcnow()
    code = personal_code(_personal_key(), worker.user_id, time_step(now, PERSONAL_STEP_SECONDS))
    return render(
        "checkin/mycode.html",
        block="code",
        name=current_user.name,
        initial=_initial(current_user.name),
        code=code,
        qr=Markup(qr_svg(code, title=_("My check-in code"))),  # noqa: S704 - our own SVG
        server_now_ms=_ms(now),
        step_ms=PERSONAL_STEP_SECONDS * 1000,
        seconds_left=math.ceil(seconds_left_in_step(now, PERSONAL_STEP_SECONDS)),
    )


# -- the trainer's scanner --------------------------------------------------------------


@bp.get("/trainings/<int:training_id>/scan")
@login_required
def scanner(training_id: int):
    """Open the camera scanner for workers' personal codes at a training's door."""
    training = runnable_or_404(training_id)
    recent = db.session.execute(RECENT, {"training_id": training.id}).all()
    return render(
        "checkin/scan_page.html",
        training=training,
        attended=training_queries.attended_count(training.id),
        expected=training_queries.expected_count(training.id),
        recent=recent,
        server_now_ms=_ms(utcnow()),
        code_prefix=PERSONAL_PREFIX + ".",
    )


@dataclass(frozen=True)
class ScanAnswer:
    """What the scanner is told about one scan."""

    outcome: str
    message: str
    status: int = 200
    worker: WorkerProfile | None = None
    attendance: Attendance | None = None
    scanned_at: datetime | None = None


def _parse_moment(raw: object, default: datetime) -> datetime | None:
    """Return an aware moment from ISO 8601 text, the default if absent, None if invalid."""
    if raw is None:
        return default
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _check_code(code: str, scanned_at: datetime) -> PersonalScan:
    """Check a personal code at the scan time, forgiving a clock a few seconds behind."""
    key = _personal_key()
    scan = check_personal_code(key, code, scanned_at=scanned_at)
    if scan.check.problem is CodeProblem.FUTURE:
        return check_personal_code(key, code, scanned_at=scanned_at + STEP_TOLERANCE)
    return scan


def _code_refusal(problem: CodeProblem, worker: WorkerProfile, *, queued: bool) -> ScanAnswer:
    if queued:
        # Synced later: the worker is gone; the code is not the one their phone showed then.
        message = _(
            "This code does not match the time of the scan: it is not the code %(name)s's "
            "phone showed then. Nothing was recorded.",
            name=worker.user.name,
        )
        return ScanAnswer("code_time_mismatch", message, 400, worker)
    if problem is CodeProblem.EXPIRED:
        message = _(
            "This code has expired: ask %(name)s to show the code on their phone again.",
            name=worker.user.name,
        )
        return ScanAnswer("expired_code", message, 400, worker)
    return ScanAnswer(
        "future_code", _("This code is not valid yet: check the phone's clock."), 400, worker
    )


def _checkin_answer(result: CheckinResult, worker: WorkerProfile) -> ScanAnswer:
    name = worker.user.name
    attendance = result.attendance
    if result.outcome is Outcome.CHECKED_IN:
        message = (
            _("%(name)s checked in (late).", name=name)
            if attendance is not None and attendance.late
            else _("%(name)s checked in.", name=name)
        )
        return ScanAnswer("checked_in", message, 200, worker, attendance)
    if result.outcome is Outcome.ALREADY:
        return ScanAnswer(
            "already", _("%(name)s is already checked in.", name=name), 200, worker, attendance
        )
    if result.outcome is Outcome.NOT_EXPECTED:
        message = _(
            "%(name)s is not on this training's list. You can mark them by hand on the roster.",
            name=name,
        )
        return ScanAnswer("not_expected", message, 422, worker)
    if result.outcome is Outcome.NOT_OPEN:
        message = _("Check-in had not opened yet at the time of this scan.")
        return ScanAnswer("not_open", message, 422, worker)
    if result.outcome is Outcome.CLOSED:
        message = _("Check-in had already closed at the time of this scan.")
        return ScanAnswer("closed", message, 422, worker)
    if result.outcome is Outcome.CODE_OUTSIDE_WINDOW:
        message = _("This code was not shown during this training's check-in time.")
        return ScanAnswer("code_outside_window", message, 422, worker)
    if result.outcome is Outcome.CODE_USED:
        message = _(
            "This code of %(name)s was already used to check in to another training: a code "
            "counts at one door only. Scan the new code on their phone.",
            name=name,
        )
        return ScanAnswer("code_used", message, 409, worker)
    return ScanAnswer("not_on_post", _("%(name)s is no longer on post.", name=name), 422, worker)


def _record_scan(training: Training, payload: object, now: datetime) -> ScanAnswer:
    """Check one scan and record the attendance it proves; nothing changes on a refusal."""
    code = payload.get("code") if isinstance(payload, dict) else None
    if (
        not isinstance(payload, dict)
        or not isinstance(code, str)
        or not code.strip()
        or len(code) > _MAX_CODE_LENGTH
    ):
        return ScanAnswer("malformed", _("This is not a worker's check-in code."), 400)
    scanned_at = _parse_moment(payload.get("scanned_at"), default=now)
    if scanned_at is None:
        return ScanAnswer("bad_time", _("The time of the scan is not valid."), 400)
    if scanned_at > now + MAX_CLOCK_SKEW:
        message = _("The time of the scan is in the future: check this phone's clock.")
        return ScanAnswer("future_scan", message, 400)
    scanned_at = min(scanned_at, now)
    if now > training.ends_at + rules.LATE_SYNC_ALLOWANCE:
        message = _("Scans for this training can no longer be synced: mark them by hand.")
        return ScanAnswer("sync_closed", message, 422)
    scan = _check_code(code, scanned_at)
    if scan.check.problem is CodeProblem.MALFORMED:
        return ScanAnswer("malformed", _("This is not a worker's check-in code."), 400)
    if scan.check.problem is CodeProblem.INVALID or scan.step is None:
        message = _("This check-in code is not valid. Ask the worker to open it again.")
        return ScanAnswer("invalid_code", message, 400)
    worker = db.session.scalars(WORKER, {"user_id": scan.user_id}).first()
    if worker is None:
        return ScanAnswer("unknown_worker", _("No worker has this code."), 422)
    if scan.check.problem is not None:
        return _code_refusal(scan.check.problem, worker, queued=scanned_at < now - QUEUED_AFTER)
    result = operations.check_in_with_code(
        training,
        worker,
        personal_step=scan.step,
        actor=actor(),
        at=scanned_at,
        scanned_at=scanned_at,
    )
    return replace(_checkin_answer(result, worker), scanned_at=scanned_at)


def _answer_body(answer: ScanAnswer, client_id: object) -> dict:
    """Return the JSON of an answer, read before the commit expires the loaded rows."""
    worker = answer.worker
    name = worker.user.name if worker else None
    valid_id = isinstance(client_id, str) and _CLIENT_ID.match(client_id)
    return {
        "outcome": answer.outcome,
        "ok": answer.status == 200,
        "message": answer.message,
        "worker": {"name": name, "initial": _initial(name)} if name else None,
        "late": bool(answer.attendance and answer.attendance.late),
        "scanned_at": answer.scanned_at.isoformat() if answer.scanned_at else None,
        "client_id": client_id if valid_id else None,
    }


@bp.post("/trainings/<int:training_id>/scan")
@writes
@login_required
def submit(training_id: int):
    """Record the worker whose personal code the trainer scanned (JSON in, JSON out)."""
    training = runnable_or_404(training_id)
    payload = request.get_json(silent=True)
    answer = _record_scan(training, payload, arrived_at())  # a lock wait ages no code
    body = _answer_body(answer, payload.get("client_id") if isinstance(payload, dict) else None)
    metrics.count_checkin("trainer", answer.outcome)
    if answer.status == 200:
        db.session.commit()
    else:
        db.session.rollback()  # a refusal changes nothing
    body["count"] = training_queries.attended_count(training_id)
    body["expected"] = training_queries.expected_count(training_id)
    body["server_now_ms"] = _ms(utcnow())
    return jsonify(body), answer.status
