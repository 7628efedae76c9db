"""The worker's home page and the detail page behind each card.

Every view: load → check access → act → render.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from portal.home import cards
from portal.people.access import can_view_worker
from portal.people.models import WorkerProfile
from portal.policy.citations import cite
from portal.timeutil import local_today, utcnow
from portal.web.htmx import render

bp = Blueprint("home", __name__)


def _viewable_worker(worker_id: int) -> WorkerProfile:
    worker = cards.load_worker(worker_id)
    if worker is None or not can_view_worker(current_user, worker):
        abort(404)  # same answer for "absent" and "not yours": nothing leaks
    return worker


@bp.get("/")
@login_required
def index():
    """Show the worker's five cards, or the role landing page for non-workers."""
    worker = cards.load_worker(current_user.id)
    if worker is None:
        return render("home/landing.html")
    home = cards.worker_home(worker, local_today(), utcnow())
    return render("home/index.html", home=home)


@bp.get("/workers/<int:worker_id>/grade")
@login_required
def grade(worker_id: int):
    """Show the post, grade, range and the whole grade history."""
    worker = _viewable_worker(worker_id)
    today = local_today()
    card = cards.grade_card(worker, cards.profile_of(worker), today, recent_only=False)
    return render("home/grade.html", worker=worker, card=card)


@bp.get("/workers/<int:worker_id>/training")
@login_required
def training(worker_id: int):
    """Show this year's hours, the trainings that earned them and what is coming."""
    worker = _viewable_worker(worker_id)
    today = local_today()
    now = utcnow()
    profile = cards.profile_of(worker)
    card = cards.training_card(worker, profile, today, now)
    attended = cards.attended_this_year(worker, today)
    outside = cards.outside_this_year(worker, today)
    upcoming = cards.upcoming_trainings(worker, now)
    return render(
        "home/training.html",
        worker=worker,
        card=card,
        attended=attended,
        outside=outside,
        upcoming=upcoming,
        profile=profile,
    )


@bp.get("/workers/<int:worker_id>/certificates")
@login_required
def certificates(worker_id: int):
    """Show the certificates held and the deadline for the social-work certificate."""
    worker = _viewable_worker(worker_id)
    profile = cards.profile_of(worker)
    card = cards.certificate_card(worker, profile, local_today())
    citation = profile.certificate.citation
    source = cite(citation) if citation and card.counting_down else ""
    return render(
        "home/certificates.html", worker=worker, card=card, profile=profile, source=source
    )


@bp.get("/workers/<int:worker_id>/appraisals")
@login_required
def appraisals(worker_id: int):
    """Show the appraisal history year by year."""
    worker = _viewable_worker(worker_id)
    card = cards.appraisal_card(worker)
    return render("home/appraisals.html", worker=worker, card=card)


@bp.get("/workers/<int:worker_id>/care")
@login_required
def care(worker_id: int):
    """Show this year's entitlements, what was used or received, and what is due."""
    worker = _viewable_worker(worker_id)
    profile = cards.profile_of(worker)
    card = cards.care_card(worker, profile, local_today())
    return render("home/care.html", worker=worker, card=card)
