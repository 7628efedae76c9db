"""Trainer pages of one training: the live roster, marks by hand, check-out, join requests.

Routes of the ``training`` blueprint (see ``views``). Every view: load → check access →
act → render. A refused mark (``Refused`` from ``roster_operations``) is shown in place — on the
worker's row or above the roster — with its own status (409 when it conflicts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, make_response, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from werkzeug.routing import BuildError

from portal.database import writes
from portal.extensions import db
from portal.people.models import WorkerProfile
from portal.refusals import Refused
from portal.timeutil import to_local, utcnow
from portal.training import roster_operations, roster_queries, rules
from portal.training.forms import ConfirmForm, LeftEarlyForm, MarkPresentForm
from portal.training.models import Attendance, JoinRequest, Training
from portal.training.roster_queries import RosterRow
from portal.training.views import bp, runnable_training
from portal.web.htmx import is_fragment_request, render
from portal.web.views import actor, commit_or_refusal

# The live roster listens for this event: sent after a mark so counts refresh at once.
ROSTER_CHANGED = "roster-changed"


def _roster_row(training: Training, worker_id: int) -> RosterRow:
    row = roster_queries.roster_row(training.id, worker_id)
    if row is None:
        abort(404)
    return row


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


def _counts(rows: list[RosterRow]) -> RosterCounts:
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
    now = utcnow()
    refusal = roster_operations.marking_refusal(training, now)
    return {
        "marking_open": refusal is None,
        "marking_closed": roster_operations.marking_closed(training, now),
        "refusal_note": None if refusal is None else str(refusal.message),
    }


def _roster_context(training: Training, problem: str | None = None) -> dict:
    rows = roster_queries.roster(training.id)
    return {
        **_marking(training),
        "training": training,
        "expected_rows": [row for row in rows if row.expected],
        "extra_rows": [row for row in rows if not row.expected],
        "counts": _counts(rows),
        "join_requests": roster_queries.pending_join_requests(training.id),
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
    training = runnable_training(training_id)
    return _roster_page(training)


def _worker_forms(training: Training, row: RosterRow, given: dict) -> dict:
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


def _render_worker(
    training: Training, row: RosterRow, status: int = 200, problem: str | None = None, **given
):
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


def _refused_mark(training: Training, row: RosterRow, refused: Refused, **given):
    """Answer a refused mark: the worker's forms again, with the reason and its status."""
    return _render_worker(training, row, refused.status, str(refused.message), **given)


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
    training = runnable_training(training_id)
    row = _roster_row(training, worker_id)
    return _render_worker(training, row)


def _mark(training: Training, row: RosterRow, write: Callable[[], object], done: str, **given):
    """Commit a mark and answer it; on a refusal, the worker's forms again with the reason."""
    outcome = commit_or_refusal(write)
    if isinstance(outcome, Refused):
        return _refused_mark(training, row, outcome, **given)
    return _marked(training, row.worker_id, done)


def _checked_in_row(training: Training, worker_id: int) -> tuple[RosterRow, Attendance]:
    """Load the row of a worker who has checked in; if not, answer so on their row (409)."""
    row = _roster_row(training, worker_id)
    if row.Attendance is None:
        refused = Refused(roster_operations.NOT_CHECKED_IN, status=roster_operations.CONFLICT)
        abort(make_response(_refused_mark(training, row, refused)))
    return row, row.Attendance


@bp.post("/trainings/<int:training_id>/roster/<int:worker_id>/present")
@login_required
@writes
def mark_present(training_id: int, worker_id: int):
    """Mark a worker present by hand, with a reason; records the trainer and the method."""
    training = runnable_training(training_id)
    row = _roster_row(training, worker_id)
    form = MarkPresentForm()
    if not form.validate_on_submit():
        return _render_worker(training, row, 422, present_form=form)
    worker = db.session.get_one(WorkerProfile, worker_id)  # on the roster: it exists
    return _mark(
        training,
        row,
        lambda: roster_operations.mark_present(
            training,
            worker,
            reason=form.reason_text(),
            late=form.late.data,
            arrived_at=form.arrived_at.data,
            actor=actor(),
        ),
        _("%(name)s is marked present.", name=row.name),
        present_form=form,
    )


@bp.post("/trainings/<int:training_id>/roster/<int:worker_id>/left-early")
@login_required
@writes
def mark_left_early(training_id: int, worker_id: int):
    """Record that a worker left before the end."""
    training = runnable_training(training_id)
    row, attendance = _checked_in_row(training, worker_id)
    form = LeftEarlyForm()
    if not form.validate_on_submit():
        return _render_worker(training, row, 422, left_form=form)
    return _mark(
        training,
        row,
        lambda: roster_operations.mark_left_early(
            attendance, left_at=form.left_at.data, actor=actor()
        ),
        _("%(name)s is marked as left early.", name=row.name),
        left_form=form,
    )


@bp.post("/trainings/<int:training_id>/roster/<int:worker_id>/check-out")
@login_required
@writes
def check_out(training_id: int, worker_id: int):
    """Check a worker out; a training that credits by time credits the time present."""
    training = runnable_training(training_id)
    row, attendance = _checked_in_row(training, worker_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _mark(
        training,
        row,
        lambda: roster_operations.check_out(attendance, actor=actor()),
        _("%(name)s is checked out.", name=row.name),
    )


@bp.post("/trainings/<int:training_id>/check-out-all")
@login_required
@writes
def check_out_all(training_id: int):
    """Check out everyone still present (a training that credits by time, at its end)."""
    training = runnable_training(training_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = commit_or_refusal(lambda: roster_operations.check_out_everyone(training, actor=actor()))
    if isinstance(count, Refused):
        return _not_decided(training, count)
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


def _not_decided(training: Training, refused: Refused):
    """Answer a refused decision: the roster with the reason, and nothing changed."""
    return _roster_page(training, str(refused.message)), refused.status


def _decision(training_id: int, request_id: int) -> tuple[Training, JoinRequest]:
    """Load a join request of a training the user runs, for a confirmed decision."""
    training = runnable_training(training_id)
    join_request = _join_request(training, request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return training, join_request


def _decide(training: Training, write: Callable[[], object], done: str):
    """Commit a decision and answer it; on a refusal, the roster with the reason."""
    outcome = commit_or_refusal(write)
    if isinstance(outcome, Refused):
        return _not_decided(training, outcome)
    return _decided(training, done)


@bp.post("/trainings/<int:training_id>/join-requests/<int:request_id>/approve")
@login_required
@writes
def approve_join(training_id: int, request_id: int):
    """Approve a request to join: the worker is checked in as of the request."""
    training, join_request = _decision(training_id, request_id)
    return _decide(
        training,
        lambda: roster_operations.approve_join_request(join_request, training, actor=actor()),
        _("The request to join has been approved."),
    )


@bp.post("/trainings/<int:training_id>/join-requests/<int:request_id>/reject")
@login_required
@writes
def reject_join(training_id: int, request_id: int):
    """Reject a request to join."""
    training, join_request = _decision(training_id, request_id)
    return _decide(
        training,
        lambda: roster_operations.reject_join_request(join_request, actor=actor()),
        _("The request to join has been rejected."),
    )
