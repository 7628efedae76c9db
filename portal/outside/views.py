"""Outside training: the worker submits with proof, the street admin approves or rejects.

Every view: load → check access → act → render.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from portal.database import writes
from portal.enums import RequestStatus, Role
from portal.outside import operations, queries
from portal.outside.forms import RejectForm, SubmissionForm
from portal.people.models import WorkerProfile
from portal.refusals import Refused
from portal.uploads import storage
from portal.uploads.views import answer_too_large, commit_upload_or_show, limit_request_body
from portal.web.forms import validated
from portal.web.htmx import render
from portal.web.views import actor, commit_or_refusal, own_worker

bp = Blueprint("outside", __name__)

STATUS_LABELS = {
    RequestStatus.PENDING: _l("Awaiting review"),
    RequestStatus.APPROVED: _l("Accepted"),
    RequestStatus.REJECTED: _l("Declined"),
}


@bp.app_template_filter("review_status")
def review_status(status: RequestStatus) -> str:
    """Return the label of a submission's review status."""
    return str(STATUS_LABELS[status])


@bp.url_value_preprocessor
def _limit_body_size(_endpoint, _values) -> None:
    # URL preprocessors run before every before_request hook, so the limit is in place
    # before CSRF protection reads the body: an oversized upload is cut off, not buffered.
    limit_request_body()


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    """Answer an oversized upload with the form and a clear message."""
    return answer_too_large("outside.submit", SubmissionForm, "proof", _worker_page)


def _worker_page(worker: WorkerProfile, form: SubmissionForm, *, status: int = 200):
    submissions = queries.own_submissions(worker.user_id)
    page = render(
        "outside/index.html",
        worker=worker,
        form=form,
        submissions=submissions,
        max_mb=storage.max_megabytes(),
    )
    return page, status


@bp.get("/me/outside-training")
@login_required
def index():
    """Show the worker's submissions and the form to submit another."""
    worker = own_worker()
    return _worker_page(worker, SubmissionForm())


@bp.post("/me/outside-training")
@login_required
@writes
def submit():
    """Record an outside training with its proof, pending the street admin's review."""
    worker = own_worker()
    form = SubmissionForm()
    submitted = commit_upload_or_show(
        form,
        lambda: operations.submit_outside_training(
            form.submission_data(), form.proof.data, actor=actor()
        ),
        file=form.proof.data or None,  # no file: FileRequired says so
        field="proof",
    )
    if submitted:
        flash(_("Submitted. Your street admin will review it."), "success")
        return redirect(url_for("outside.index"), 303)
    return _worker_page(worker, form, status=422)


def _admin_street_id() -> int:
    if not current_user.has_role(Role.STREET_ADMIN) or current_user.street_id is None:
        abort(403)
    return current_user.street_id


def _review_page(street_id: int, *, forms=None, notice: str | None = None, status: int = 200):
    pending = queries.pending_in_street(street_id)
    decided = queries.decided_in_street(street_id)
    forms = forms or {}
    reject_forms = {
        row.submission.id: forms.get(row.submission.id)
        or RejectForm(formdata=None, prefix=f"s{row.submission.id}")
        for row in pending
    }
    page = render(
        "outside/review.html",
        pending=pending,
        decided=decided,
        reject_forms=reject_forms,
        notice=notice,
    )
    return page, status


def _submission_of_street(submission_id: int, street_id: int):
    submission = queries.submission_in_street(submission_id, street_id)
    if submission is None:
        abort(404)  # not in this admin's street, or absent: the same answer
    return submission


def _decided(street_id: int, decide: Callable[[], object], done: str):
    """Commit a decision and say ``done``; if refused, the review page says why."""
    outcome = commit_or_refusal(decide)
    if isinstance(outcome, Refused):
        return _review_page(street_id, notice=str(outcome.message), status=outcome.status)
    flash(done, "success")
    return redirect(url_for("outside.review"), 303)


@bp.get("/street/outside-training")
@login_required
def review():
    """List the street's submissions awaiting review, then those decided."""
    street_id = _admin_street_id()
    return _review_page(street_id)


@bp.post("/street/outside-training/<int:submission_id>/approve")
@login_required
@writes
def approve(submission_id: int):
    """Approve a submission: its hours count toward the worker's annual minimum."""
    street_id = _admin_street_id()
    submission = _submission_of_street(submission_id, street_id)
    hours = f"{submission.hours.normalize():f}"
    return _decided(
        street_id,
        lambda: operations.approve(submission, actor=actor()),
        _("Accepted: %(hours)s hours now count for the worker.", hours=hours),
    )


@bp.post("/street/outside-training/<int:submission_id>/reject")
@login_required
@writes
def reject(submission_id: int):
    """Reject a submission with the reason the worker will read."""
    street_id = _admin_street_id()
    submission = _submission_of_street(submission_id, street_id)
    form = RejectForm(prefix=f"s{submission_id}")
    if not form.validate_on_submit():
        return _review_page(street_id, forms={submission_id: form}, status=422)
    return _decided(
        street_id,
        lambda: operations.reject(submission, validated(form.reason.data), actor=actor()),
        _("Declined; the worker will see your reason."),
    )
