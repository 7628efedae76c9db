"""The projector check-in screen and the worker's one-scan check-in.

Projector: a QR code of an absolute URL that rotates every 15 s (stateless HMAC of the
training's secret and the server's time step), the live count beside it. The page
tells its script the server time, so a projector with a wrong clock still rotates on
the server's step boundaries.

Worker: opening the scanned URL checks the code and, when logged in, checks the worker
in at once (a GET: one scan, zero taps). The code is judged as of the request's arrival
(portal.web.arrival), so waiting for the write lock never expires it; a worker already
checked in who opens an older link of the training is told 已签到. Not logged in: a
valid scan is kept in the session (see grace.py) and finished after login, as of the
moment of the scan.

Trainings stay in their street: a worker who is neither of the training's street nor on
its list is told only that it is not open to them (404, nothing about it). A worker of
the street not on the list may ask to join — after a scan only (see offers.py).

Every view: load → check access → act → render.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.checkin import grace, offers, operations
from portal.checkin.codes import (
    PROJECTOR_STEP_SECONDS,
    CodeProblem,
    check_projector_code,
    projector_mac,
    seconds_left_in_step,
    time_step,
)
from portal.checkin.forms import JoinRequestForm
from portal.checkin.qr import qr_svg
from portal.database import commit_keeping_loaded, write_from_here, writes
from portal.enums import WorkerStatus
from portal.extensions import db
from portal.observability import metrics
from portal.people.models import WorkerProfile
from portal.timeutil import utcnow
from portal.training import queries as training_queries
from portal.training import rules
from portal.training.models import Training
from portal.training.operations import Outcome, existing_attendance
from portal.training.views import runnable_or_404
from portal.web.arrival import arrived_at
from portal.web.errors import when_database_down
from portal.web.htmx import is_fragment_request, render
from portal.web.views import actor

bp = Blueprint("checkin", __name__)

PROJECTOR = "checkin/projector.html"
RESULT = "checkin/result.html"

# What the worker is shown, and with which status code.
STATUS = {
    "checked_in": 200,
    "already": 200,
    "invalid": 400,
    "expired": 410,
    "grace_expired": 410,
    "no_pending": 404,
    Outcome.NOT_OPEN: 409,
    Outcome.CLOSED: 409,
    Outcome.NOT_EXPECTED: 403,
    Outcome.NOT_ON_POST: 403,
    "not_worker": 403,
    "not_for_you": 404,
    "join_sent": 200,
    "join_exists": 200,
    "join_on_list": 200,
    "join_closed": 409,
}
_SHOWN_AS = {
    Outcome.CHECKED_IN: "checked_in",
    Outcome.ALREADY: "already",
}


# -- projector ----------------------------------------------------------------------------


def scan_url(training: Training, step: int) -> str:
    """Return the absolute URL a phone opens for a training's code of one time step."""
    mac = projector_mac(training.checkin_secret, training.id, step)
    return url_for(
        "checkin.scan_training", training_id=training.id, step=step, mac=mac, _external=True
    )


def _code_context(training: Training, now: datetime) -> dict:
    step = time_step(now)
    url = scan_url(training, step)
    opens_at, closes_at = rules.window(training.starts_at, training.ends_at)
    title = _("Check-in code for %(title)s", title=training.title)
    # Safe: qr_svg escapes the title; the rest is path data it generates itself.
    qr = Markup(qr_svg(url, title=title))  # noqa: S704
    return {
        "training": training,
        "step": step,
        "step_ms": PROJECTOR_STEP_SECONDS * 1000,
        "scan_url": url,
        "qr": qr,
        "server_now_ms": int(now.timestamp() * 1000),
        "seconds_left": math.ceil(seconds_left_in_step(now)),
        "window_problem": rules.window_problem(now, training.starts_at, training.ends_at),
        "opens_at": opens_at,
        "closes_at": closes_at,
    }


def _count_context(training: Training) -> dict:
    return {
        "training": training,
        "attended": training_queries.attended_count(training.id),
        "expected": training_queries.expected_count(training.id),
    }


@bp.get("/trainings/<int:training_id>/projector")
@login_required
def projector(training_id: int):
    """Show the projector check-in screen: rotating QR code, countdown and live count."""
    training = runnable_or_404(training_id)
    context = _code_context(training, utcnow()) | _count_context(training)
    return render(PROJECTOR, **context)


def _projector_part(training_id: int, block: str, context: Callable[[Training], dict]):
    """Render one block of the projector for htmx; a plain visit goes to the whole page."""
    training = runnable_or_404(training_id)
    if not is_fragment_request():
        return redirect(url_for("checkin.projector", training_id=training.id))
    return render(PROJECTOR, block=block, **context(training))


@bp.get("/trainings/<int:training_id>/projector/code")
@login_required
def projector_code(training_id: int):
    """Return the current code (the fragment the projector swaps in every 15 s)."""
    return _projector_part(training_id, "code", lambda training: _code_context(training, utcnow()))


@bp.get("/trainings/<int:training_id>/projector/count")
@login_required
def projector_count(training_id: int):
    """Return the live count "checked in / expected" (polled by the projector)."""
    return _projector_part(training_id, "count", _count_context)


# -- the worker's scan --------------------------------------------------------------------


def _scan_again() -> str:
    """Tell the worker, while the database is down, that nothing was recorded."""
    return _("Your check-in was not recorded. Please scan the code on the screen again.")


def _result(state, training: Training | None = None, **context):
    metrics.count_checkin("worker", str(state))
    return render(RESULT, state=state, training=training, **context), STATUS[state]


def _not_for_you():
    """Answer a worker about a training they may not see: nothing about it (404)."""
    return _result("not_for_you")


def _hidden_from_current_user(training: Training) -> bool:
    """Return whether the logged-in user is a worker who may not see the training."""
    view = training_queries.worker_view(training.id, current_user.id)
    return view is not None and not view.may_see


def _code_refusal(training: Training, step: int, mac: str, now: datetime):
    """Return the refusal page for a code that does not hold at `now`, else None.

    A genuine code of the training that is only too old (or not yet begun) tells a worker
    who is already checked in just that: 已签到, whatever link they opened.
    """
    check = check_projector_code(training.checkin_secret, training.id, step, mac, now=now)
    if check.ok:
        return None
    if not check.genuine:
        return _result("invalid")  # forged, tampered, or another training's code
    if current_user.is_authenticated:
        attendance = existing_attendance(training.id, current_user.id)
        if attendance is not None:
            return _result("already", training, attendance=attendance)
    if check.problem is CodeProblem.EXPIRED:
        if current_user.is_authenticated and _hidden_from_current_user(training):
            return _not_for_you()
        return _result("expired", training)
    return _result("invalid")  # a step not yet begun


def _window_refusal(training: Training, now: datetime):
    problem = rules.window_problem(now, training.starts_at, training.ends_at)
    if problem is rules.WindowProblem.NOT_OPEN:
        return _window_result(Outcome.NOT_OPEN, training)
    if problem is rules.WindowProblem.CLOSED:
        return _window_result(Outcome.CLOSED, training)
    return None


def _window_result(outcome: Outcome, training: Training):
    opens_at, closes_at = rules.window(training.starts_at, training.ends_at)
    return _result(outcome, training, opens_at=opens_at, closes_at=closes_at)


def _check_in_and_show(training: Training, *, at: datetime, scanned_at: datetime | None = None):
    """Check the logged-in user in as of `at` and show what happened."""
    user = actor()
    worker = db.session.get(WorkerProfile, user.id)
    if worker is None:
        return _result("not_worker", training)
    session = db.session()
    result = operations.self_check_in(
        training,
        worker,
        actor=user,
        at=at,
        scanned_at=scanned_at,
        # SQLite: the write lock for the insert only; a repeat scan never waits for it.
        before_write=lambda: write_from_here(session),
    )
    commit_keeping_loaded(db.session())  # the page shows the rows just written, as they are
    if result.recorded:
        return _result(_SHOWN_AS[result.outcome], training, attendance=result.attendance)
    view = training_queries.worker_view(training.id, worker.user_id)
    if view is None or not view.may_see:
        return _not_for_you()  # another street's training, not on its list
    if result.outcome is Outcome.NOT_EXPECTED:
        # Not on the list, yet recorded: a trainer approved their request or marked them.
        attendance = existing_attendance(training.id, worker.user_id)
        if attendance is not None:
            return _result("already", training, attendance=attendance)
        offers.offer(training.id, user.id)  # the scan is what makes 申请加入 possible
        return _result(
            result.outcome,
            training,
            join_request=training_queries.join_request_of(training.id, worker.user_id),
            form=JoinRequestForm(),
        )
    if result.outcome in {Outcome.NOT_OPEN, Outcome.CLOSED}:
        return _window_result(result.outcome, training)
    return _result(result.outcome, training)


@bp.get("/c/<int:training_id>/<int:step>/<mac>")
@when_database_down(_scan_again)
def scan_training(training_id: int, step: int, mac: str):
    """Check in with one scan of the projector code; not logged in: keep the scan, log in."""
    now = arrived_at()  # a wait for the write lock must not age the code
    training = db.session.get(Training, training_id)
    if training is None:
        return _result("invalid")  # an unknown training looks like any forged code
    refusal = _code_refusal(training, step, mac, now)
    if refusal is not None:
        return refusal
    if current_user.is_authenticated:
        return _check_in_and_show(training, at=now)
    # No login detour for a door that is not open: say so at once.
    refusal = _window_refusal(training, now)
    if refusal is not None:
        return refusal
    grace.keep(training.id, step, now)
    flash(_("Log in to finish checking in to “%(title)s”.", title=training.title), "info")
    return redirect(url_for("auth.login", next=url_for("checkin.resume")))


@bp.get("/c/resume")
@login_required
@when_database_down(_scan_again)
def resume():
    """Finish a check-in scanned before login, as of the moment of the scan."""
    pending, expired = grace.take(arrived_at())
    if pending is None:
        return _result("no_pending")
    training = db.session.get(Training, pending.training_id)
    if training is None:
        return _result("invalid")
    if expired:
        attendance = existing_attendance(training.id, current_user.id)
        if attendance is not None:
            return _result("already", training, attendance=attendance)
        if _hidden_from_current_user(training):
            return _not_for_you()
        return _result("grace_expired", training)
    return _check_in_and_show(training, at=pending.scanned_at, scanned_at=pending.scanned_at)


# -- asking to join -----------------------------------------------------------------------


@bp.post("/trainings/<int:training_id>/join")
@login_required
@writes
def request_join(training_id: int):
    """Ask the trainer to add the worker to a training's list (approved on the roster).

    Only for a training the worker may see, and only after scanning its code in this
    browser — or for one on their own list, where they are told they are on it. Anything
    else (absent, another street's, not a worker, no scan) answers 404 and writes nothing.
    """
    user = actor()
    training = db.session.get(Training, training_id)
    if training is None:
        abort(404)
    view = training_queries.worker_view(training.id, user.id)
    if view is None or not view.may_see:
        abort(404)
    if not (view.expected or offers.is_offered(training.id, user.id)):
        abort(404)  # no scan of this training's code in this browser
    if view.status == WorkerStatus.EXITED:
        return _result(Outcome.NOT_ON_POST, training)
    form = JoinRequestForm()
    if not form.validate_on_submit():
        abort(400)
    if view.expected:
        return _result("join_on_list", training)
    if training.ends_at <= utcnow():
        return _result("join_closed", training)
    created = operations.ask_to_join(training, user.id, actor=user)
    db.session.commit()
    join_request = training_queries.join_request_of(training.id, user.id)
    return _result("join_sent" if created else "join_exists", training, join_request=join_request)
