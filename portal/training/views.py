"""Trainer pages: the trainings one runs, a new training, the attendance export.

The live roster, marks and join decisions are in ``roster_views`` on the same blueprint.
Every view: load → check access → act → render. Trainer pages are role pages (403 for
other roles); a training the user does not run answers 404, like a missing one.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import xlsx
from portal.database import writes
from portal.enums import Role
from portal.extensions import db
from portal.timeutil import utcnow
from portal.training import exports, operations, roster_queries
from portal.training.access import can_create_training, can_run_training, is_training_staff
from portal.training.forms import TrainingForm
from portal.training.models import Training
from portal.web.htmx import render
from portal.web.views import INVALID, actor, commit_or_abort

bp = Blueprint("training", __name__)

UPCOMING_LIMIT = 50
PAST_PER_PAGE = 30
MAX_PAGE = 1000


def require_trainer_role() -> None:
    """Answer 403 to users who run no trainings."""
    if not is_training_staff(current_user):
        abort(403)


def runnable_or_404(training_id: int) -> Training:
    """Return a training the user runs; 404 for one absent or not theirs, whatever the role."""
    training = db.session.get(Training, training_id)
    if training is None or not can_run_training(current_user, training):
        abort(404)  # same answer for "absent" and "not yours": nothing leaks
    return training


def runnable_training(training_id: int) -> Training:
    """Return a training the user runs; 403 for users who run none, 404 as runnable_or_404."""
    require_trainer_role()
    return runnable_or_404(training_id)


# -- list and create --------------------------------------------------------------------


@bp.get("/trainings")
@login_required
def index():
    """List the trainings the user runs: upcoming soonest first, then past newest first."""
    require_trainer_role()
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    now = utcnow()
    admin_street = current_user.street_id if current_user.has_role(Role.STREET_ADMIN) else None
    upcoming, past = roster_queries.runnable_trainings(
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
        expected=roster_queries.expected_counts(ids),
        attended=roster_queries.attended_counts(ids),
        now=now,
        page=page,
        has_more=has_more,
        can_create=can_create_training(current_user),
    )


def _training_form() -> TrainingForm:
    street_id = current_user.street_id
    trainers = [t for t in roster_queries.street_trainers(street_id) if t.id != current_user.id]
    return TrainingForm(
        communities=roster_queries.street_communities(street_id),
        workers=roster_queries.street_workers(street_id),
        trainers=trainers,
        now=utcnow(),
    )


def _require_creator() -> None:
    require_trainer_role()
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
        return render("training/new.html", form=form), INVALID
    training = commit_or_abort(
        lambda: operations.create_training(form.training_data(), actor=actor())
    )
    flash(_("The training has been created."), "success")
    return redirect(url_for("training.roster", training_id=training.id), code=303)


# -- export --------------------------------------------------------------------------------


@bp.get("/trainings/<int:training_id>/attendance.xlsx")
@login_required
def export_attendance(training_id: int):
    """Download the attendance sheet of a training as .xlsx."""
    training = runnable_training(training_id)
    workbook = exports.attendance_workbook(training, roster_queries.roster(training.id))
    return xlsx.send(workbook, exports.download_name(training))
