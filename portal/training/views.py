"""Trainer pages: the trainings one runs, a new training, the live roster, marks, export.

Every view: load → check access → act → render. Trainer pages are role pages (403 for
other roles); a training the user does not run answers 404, like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from portal import xlsx
from portal.checkin import rules
from portal.database import writes
from portal.enums import Role
from portal.extensions import db
from portal.people.models import User, WorkerProfile
from portal.timeutil import to_local, utcnow
from portal.training import exports, operations, queries
from portal.training.access import can_create_training, can_run_training, is_training_staff
from portal.training.forms import ConfirmForm, LeftEarlyForm, MarkPresentForm, TrainingForm
from portal.training.models import JoinRequest, Training
from portal.training.operations import MarkRefused, Refusal
from portal.web.htmx import is_fragment_request, render

bp = Blueprint("training", __name__)

UPCOMING_LIMIT = 50
PAST_PER_PAGE = 30
MAX_PAGE = 1000
# The live roster listens for this event: sent after a mark so counts refresh at once.
ROSTER_CHANGED = "roster-changed"
_CONFLICTS = {Refusal.ALREADY, Refusal.CHECKED_OUT, Refusal.DECIDED}


def _actor() -> User:
    return current_user._get_current_object()  # the real User, not the proxy


def _require_trainer_role() -> None:
    if not is_training_staff(current_user):
        abort(403)


def _runnable_training(training_id: int) -> Training:
    _require_trainer_role()
    training = db.session.get(Training, training_id)
    if training is None or not can_run_training(current_user, training):
        abort(404)  # same answer for "absent" and "not yours": nothing leaks
    return training


def _roster_row(training: Training, worker_id: int):
    row = queries.roster_row(training.id, worker_id)
    if row is None:
        abort(404)
    return row


def refusal_message(refusal: Refusal) -> str:
    """Return what to tell the trainer when a mark is refused."""
    hours = int(rules.LATE_SYNC_ALLOWANCE.total_seconds() // 3600)
    opens = int(rules.OPENS_BEFORE_START.total_seconds() // 60)
    return {
        Refusal.NOT_OPEN: _(
            "Check-in has not opened yet: it opens %(minutes)d minutes before the start.",
            minutes=opens,
        ),
        Refusal.CLOSED: _(
            "Marks can no longer be made: they close %(hours)d hours after the end.", hours=hours
        ),
        Refusal.ARRIVAL_OUTSIDE: _(
            "The arrival time must lie between the opening of check-in and the end."
        ),
        Refusal.IN_FUTURE: _("That time is still in the future."),
        Refusal.ALREADY: _("This worker is already checked in."),
        Refusal.NOT_EXPECTED: _(
            "This worker is not on the list: approve a request to join instead."
        ),
        Refusal.NOT_ON_POST: _("This worker is no longer on post."),
        Refusal.NOT_CHECKED_IN: _("This worker has not checked in."),
        Refusal.CHECKED_OUT: _("This worker has already checked out."),
        Refusal.BEFORE_ARRIVAL: _("The time of leaving is before the arrival."),
        Refusal.NOT_EARLY: _("That time is not before the end of the training."),
        Refusal.DECIDED: _("This request has already been decided."),
    }[refusal]


def _refusal_status(refusal: Refusal) -> int:
    return 409 if refusal in _CONFLICTS else 422


# -- list and create --------------------------------------------------------------------


@bp.get("/trainings")
@login_required
def index():
    """List the trainings the user runs: upcoming soonest first, then past newest first."""
    _require_trainer_role()
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    now = utcnow()
    admin_street = current_user.street_id if current_user.has_role(Role.STREET_ADMIN) else None
    upcoming, past = queries.runnable_trainings(
        current_user.id,
        admin_street,
        now,
        upcoming_limit=UPCOMING_LIMIT if page == 1 else 0,
        past_limit=PAST_PER_PAGE + 1,
        past_offset=(page - 1) * PAST_PER_PAGE,
    )
    has_more = len(past) > PAST_PER_PAGE
    past = past[:PAST_PER_PAGE]
    ids = [training.id for training in (*upcoming, *past)]
    return render(
        "training/index.html",
        upcoming=upcoming,
        past=past,
        expected=queries.expected_counts(ids),
        attended=queries.attended_counts(ids),
        now=now,
        page=page,
        has_more=has_more,
        can_create=can_create_training(current_user),
    )


def _training_form() -> TrainingForm:
    street_id = current_user.street_id
    trainers = [t for t in queries.street_trainers(street_id) if t.id != current_user.id]
    return TrainingForm(
        communities=queries.street_communities(street_id),
        workers=queries.street_workers(street_id),
        trainers=trainers,
        now=utcnow(),
    )


def _require_creator() -> None:
    _require_trainer_role()
    if not can_create_training(current_user):
        abort(403)


@bp.get("/trainings/new")
@login_required
def new():
    """Show the form for a new training of the user's street."""
    _require_creator()
    return render("training/new.html", form=_training_form())


@bp.post("/trainings/new")
@login_required
@writes
def create():
    """Create a training; on bad input show the form again with messages (422)."""
    _require_creator()
    form = _training_form()
    if not form.validate_on_submit():
        return render("training/new.html", form=form), 422
    training = operations.create_training(form.training_data(), actor=_actor())
    db.session.commit()
    flash(_("The training has been created."), "success")
    return redirect(url_for("training.roster", training_id=training.id), code=303)


# -- the roster ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterCounts:
    """The numbers above the roster."""

    expected: int
    attended: int
    attended_expected: int
    missing: int
    late: int
    left_early: int
    not_on_list: int
    still_present: int  # checked in, not yet checked out


def _counts(rows) -> RosterCounts:
    """Count the roster rows: expected, present, missing, late, left early, off the list."""
    expected = sum(1 for row in rows if row.expected)
    present = [row for row in rows if row.Attendance is not None]
    attended_expected = sum(1 for row in present if row.expected)
    return RosterCounts(
        expected=expected,
        attended=len(present),
        attended_expected=attended_expected,
        missing=expected - attended_expected,
        late=sum(1 for row in present if row.Attendance.late),
        left_early=sum(1 for row in present if row.Attendance.left_early),
        not_on_list=len(present) - attended_expected,
        still_present=sum(1 for row in present if row.Attendance.checked_out_at is None),
    )


def _optional_url(endpoint: str, **values) -> str | None:
    # The trainer's scan page is another part of the app; link it once it exists.
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _marking(training: Training) -> dict:
    """Return whether marks may be made now, and if not, what to tell the trainer."""
    refusal = operations.marking_refusal(training, utcnow())
    return {
        "marking_refusal": refusal,
        "refusal_note": None if refusal is None else refusal_message(refusal),
    }


def _roster_context(training: Training, problem: str | None = None) -> dict:
    rows = queries.roster(training.id)
    return {
        **_marking(training),
        "training": training,
        "expected_rows": [row for row in rows if row.expected],
        "extra_rows": [row for row in rows if not row.expected],
        "counts": _counts(rows),
        "join_requests": queries.pending_join_requests(training.id),
        "problem": problem,
    }


def _roster_page(training: Training, problem: str | None = None):
    """Render the roster: the roster block for htmx, else the whole page."""
    return render(
        "training/roster.html",
        block="roster",
        projector_url=url_for("checkin.projector", training_id=training.id),
        scan_url=_optional_url("scan.scanner", training_id=training.id),
        **_roster_context(training, problem),
    )


@bp.get("/trainings/<int:training_id>")
@login_required
def roster(training_id: int):
    """Show a training's live roster; htmx polls the roster block every 5 seconds."""
    training = _runnable_training(training_id)
    return _roster_page(training)


def _worker_forms(training: Training, row, given: dict) -> dict:
    """Return the forms that fit the worker's state (those given keep their input)."""
    attendance = row.Attendance
    forms: dict = {"present_form": None, "left_form": None, "checkout_form": None}
    if attendance is None:
        forms["present_form"] = given.get("present_form") or MarkPresentForm()
    elif attendance.checked_out_at is None:
        forms["left_form"] = given.get("left_form") or LeftEarlyForm()
        if training.credits_by_time:
            forms["checkout_form"] = ConfirmForm()
    # The browser's picker offers only times inside the check-in window, up to now.
    opens, _closes = rules.window(training.starts_at, training.ends_at)
    bounds = {
        "min": to_local(opens).strftime("%Y-%m-%dT%H:%M"),
        "max": to_local(max(opens, min(training.ends_at, utcnow()))).strftime("%Y-%m-%dT%H:%M"),
    }
    if forms["present_form"] is not None:
        forms["present_form"].arrived_at.render_kw = bounds
    if forms["left_form"] is not None:
        forms["left_form"].left_at.render_kw = bounds
    return forms


def _render_worker(training: Training, row, status: int = 200, problem: str | None = None, **given):
    """Render one worker's marking forms: the row in edit mode for htmx, else a page."""
    now = utcnow()
    page = render(
        "training/worker.html",
        block="row_edit",
        training=training,
        row=row,
        problem=problem,
        inline=is_fragment_request(),
        after_end=now > training.ends_at,
        **_marking(training),
        **_worker_forms(training, row, given),
    )
    return page, status


def _marked(training: Training, worker_id: int, message: str):
    """Answer a successful mark: the updated row for htmx, else back to the roster."""
    if is_fragment_request():
        row = _roster_row(training, worker_id)
        page = render(
            "training/worker.html", block="row", training=training, row=row, **_marking(training)
        )
        return page, 200, {"HX-Trigger-After-Swap": ROSTER_CHANGED}
    flash(message, "success")
    return redirect(
        url_for("training.roster", training_id=training.id, _anchor=f"w{worker_id}"), code=303
    )


@bp.get("/trainings/<int:training_id>/roster/<int:worker_id>")
@login_required
def roster_worker(training_id: int, worker_id: int):
    """Show the marks a trainer can make for one worker on the roster."""
    training = _runnable_training(training_id)
    row = _roster_row(training, worker_id)
    return _render_worker(training, row)


@bp.post("/trainings/<int:training_id>/roster/<int:worker_id>/present")
@login_required
@writes
def mark_present(training_id: int, worker_id: int):
    """Mark a worker present by hand, with a reason; records the trainer and the method."""
    training = _runnable_training(training_id)
    row = _roster_row(training, worker_id)
    form = MarkPresentForm()
    if not form.validate_on_submit():
        return _render_worker(training, row, 422, present_form=form)
    worker = db.session.get(WorkerProfile, worker_id)
    try:
        operations.mark_present(
            training,
            worker,
            reason=form.reason_text(),
            late=form.late.data,
            arrived_at=form.arrived_at.data,
            actor=_actor(),
        )
    except MarkRefused as refused:
        return _render_worker(
            training,
            row,
            _refusal_status(refused.refusal),
            refusal_message(refused.refusal),
            present_form=form,
        )
    db.session.commit()
    return _marked(training, worker_id, _("%(name)s is marked present.", name=row.name))


def _attendance_or_refuse(training: Training, row):
    if row.Attendance is None:
        return None, _render_worker(training, row, 409, refusal_message(Refusal.NOT_CHECKED_IN))
    return row.Attendance, None


@bp.post("/trainings/<int:training_id>/roster/<int:worker_id>/left-early")
@login_required
@writes
def mark_left_early(training_id: int, worker_id: int):
    """Record that a worker left before the end."""
    training = _runnable_training(training_id)
    row = _roster_row(training, worker_id)
    attendance, refused_page = _attendance_or_refuse(training, row)
    if refused_page is not None:
        return refused_page
    form = LeftEarlyForm()
    if not form.validate_on_submit():
        return _render_worker(training, row, 422, left_form=form)
    try:
        operations.mark_left_early(attendance, left_at=form.left_at.data, actor=_actor())
    except MarkRefused as refused:
        return _render_worker(
            training,
            row,
            _refusal_status(refused.refusal),
            refusal_message(refused.refusal),
            left_form=form,
        )
    db.session.commit()
    return _marked(training, worker_id, _("%(name)s is marked as left early.", name=row.name))


@bp.post("/trainings/<int:training_id>/roster/<int:worker_id>/check-out")
@login_required
@writes
def check_out(training_id: int, worker_id: int):
    """Check a worker out; a training that credits by time credits the time present."""
    training = _runnable_training(training_id)
    row = _roster_row(training, worker_id)
    attendance, refused_page = _attendance_or_refuse(training, row)
    if refused_page is not None:
        return refused_page
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.check_out(attendance, actor=_actor())
    except MarkRefused as refused:
        return _render_worker(
            training, row, _refusal_status(refused.refusal), refusal_message(refused.refusal)
        )
    db.session.commit()
    return _marked(training, worker_id, _("%(name)s is checked out.", name=row.name))


@bp.post("/trainings/<int:training_id>/check-out-all")
@login_required
@writes
def check_out_all(training_id: int):
    """Check out everyone still present (a training that credits by time, at its end)."""
    training = _runnable_training(training_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        count = operations.check_out_everyone(training, actor=_actor())
    except MarkRefused as refused:
        return _not_decided(training, refused.refusal)
    db.session.commit()
    return _decided(
        training,
        ngettext(
            "%(count)d worker is checked out.",
            "%(count)d workers are checked out.",
            count,
            count=count,
        ),
    )


# -- join requests ---------------------------------------------------------------------------


def _join_request(training: Training, request_id: int) -> JoinRequest:
    join_request = db.session.get(JoinRequest, request_id)
    if join_request is None or join_request.training_id != training.id:
        abort(404)
    return join_request


def _decided(training: Training, message: str):
    """Answer a join decision: the refreshed roster for htmx, else back to the roster page."""
    if is_fragment_request():
        return _roster_page(training)
    flash(message, "success")
    return redirect(url_for("training.roster", training_id=training.id), code=303)


def _not_decided(training: Training, refusal: Refusal):
    """Answer a refused decision: the roster with the reason, and nothing changed."""
    return _roster_page(training, refusal_message(refusal)), _refusal_status(refusal)


@bp.post("/trainings/<int:training_id>/join-requests/<int:request_id>/approve")
@login_required
@writes
def approve_join(training_id: int, request_id: int):
    """Approve a request to join: the worker is checked in as of the request."""
    training = _runnable_training(training_id)
    join_request = _join_request(training, request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.approve_join_request(join_request, training, actor=_actor())
    except MarkRefused as refused:
        return _not_decided(training, refused.refusal)
    db.session.commit()
    return _decided(training, _("The request to join has been approved."))


@bp.post("/trainings/<int:training_id>/join-requests/<int:request_id>/reject")
@login_required
@writes
def reject_join(training_id: int, request_id: int):
    """Reject a request to join."""
    training = _runnable_training(training_id)
    join_request = _join_request(training, request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.reject_join_request(join_request, actor=_actor())
    except MarkRefused as refused:
        return _not_decided(training, refused.refusal)
    db.session.commit()
    return _decided(training, _("The request to join has been rejected."))


# -- export --------------------------------------------------------------------------------


@bp.get("/trainings/<int:training_id>/attendance.xlsx")
@login_required
def export_attendance(training_id: int):
    """Download the attendance sheet of a training as .xlsx."""
    training = _runnable_training(training_id)
    workbook = exports.attendance_workbook(training, queries.roster(training.id))
    return xlsx.send(workbook, exports.download_name(training))
