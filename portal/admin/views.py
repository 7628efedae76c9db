"""The street admin's pages: roster, a worker's file and record.

Excel import and exports are on the same blueprint, in import_views.py and export_views.py.

Every view: load → check access → act → render. Admin pages are role pages (403 for
other roles); a district admin reads and exports but every write answers 403; a worker
outside the admin's scope answers 404.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.admin import forms, operations, queries
from portal.admin import rules as admin_rules
from portal.basis.listing import adopted_note
from portal.certificates import queries as certificate_queries
from portal.database import writes
from portal.enums import Education, HiringRoute, PostType, WorkerStatus
from portal.extensions import db
from portal.people.models import WorkerProfile
from portal.people.scope import AdminScope, admin_scope, scope_streets, worker_in_scope
from portal.policy import rules
from portal.policy.citations import cite
from portal.policy.model import PolicyProfile
from portal.policy.rules import CertLevel
from portal.timeutil import local_today, year_bounds
from portal.training import queries as training_queries
from portal.web.htmx import render
from portal.web.views import actor

bp = Blueprint("admin", __name__)

MAX_PAGE = 10_000


def _private(body, status: int = 200):
    # Names, phone numbers, one-time passwords: no cache may keep a copy.
    response = make_response(body, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/street")
@login_required
def dashboard():
    """Lead to the team dashboard, the street admin's start page."""
    admin_scope(current_user)
    return redirect(url_for("dashboard.index"))


# -- roster -----------------------------------------------------------------------------


@bp.get("/street/workers")
@login_required
def roster():
    """Show the roster: search as you type, filters, pages; htmx gets the results block."""
    scope = admin_scope(current_user)
    today = local_today()
    streets = scope_streets(scope)
    communities = queries.scope_communities(scope)
    filters = forms.roster_filter(
        request.args,
        street_ids={street.id for street in streets},
        community_ids={community.id for community, _street in communities},
    )
    page_no = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    page = queries.roster_page(scope, filters, today, page=page_no)
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    body = render(
        "admin/roster.html",
        block="results",
        scope=scope,
        streets=streets,
        communities=communities,
        filters=filters,
        page=page,
        args=args,
        post_types=list(PostType),
        statuses=forms.STATUS_FILTER_LABELS,
        cert_levels=list(CertLevel),
        grades=range(1, 19),
    )
    return _private(body)


def _worker_file(scope: AdminScope, worker: WorkerProfile) -> dict:
    """Return everything a worker's full profile page shows (a handful of queries)."""
    today = local_today()
    profile = scope.profile
    certificates = certificate_queries.certificates_of(worker.user_id)
    certified = any(c.kind.is_social_work_qualification for c in certificates)
    deadline, cert_state = queries.cert_state_of(profile, worker, certified, today)
    first, last = year_bounds(today.year)
    new_entrant = worker.community_work_started_on.year == today.year
    required = rules.annual_training_requirement(profile, worker.post_type, new_entrant=new_entrant)
    credited = training_queries.credited_hours(worker.user_id, first, last)
    started = worker.community_work_started_on
    return {
        "scope": scope,
        "worker": worker,
        "profile": profile,
        "grade_range": rules.grade_range(profile, worker.post_type),
        "years": rules.years_of_service(started, today) if started <= today else 0,
        "history": queries.grade_history(worker.user_id),
        "certificates": certificates,
        "deadline": deadline,
        "cert_state": cert_state,
        "appraisals": queries.all_appraisals(worker.user_id),
        "progress": rules.training_progress(required, credited, today=today),
        "attended": training_queries.attended(worker.user_id, first, last),
        "long_secondment": worker.status is WorkerStatus.SECONDED
        and admin_rules.secondment_too_long(profile, worker.status_since, worker.status_until),
        "can_write": scope.can_write_street(worker.community.street_id),
    }


@bp.get("/street/workers/<int:worker_id>")
@login_required
def worker(worker_id: int):
    """Show a worker's full profile: record, grade history, certificates, appraisals, hours."""
    scope = admin_scope(current_user)
    worker = worker_in_scope(scope, worker_id)
    return _private(render("admin/worker.html", **_worker_file(scope, worker)))


# -- a worker's record ------------------------------------------------------------------


def _worker_form(
    scope: AdminScope, street_id: int, worker: WorkerProfile | None = None, **kwargs
) -> forms.WorkerForm:
    return forms.WorkerForm(
        profile=scope.profile,
        communities=queries.street_communities(street_id),
        worker=worker,
        today=local_today(),
        **kwargs,
    )


def _form_data(form: forms.WorkerForm) -> operations.WorkerData:
    required = forms.required
    return operations.WorkerData(
        name=required(form.name.data).strip(),
        phone=required(form.phone.data),
        staff_no=form.staff_no.data,
        community_id=form.community.data,
        post_type=PostType(form.post_type.data),
        grade=required(form.grade.data),
        community_work_started_on=required(form.community_work_started_on.data),
        joined_on=required(form.joined_on.data),
        education=Education(form.education.data),
        party_member=bool(form.party_member.data),
        hiring_route=HiringRoute(form.hiring_route.data),
        exam_eligible_on=form.exam_eligible_on.data,
    )


def _taken(form: forms.WorkerForm, worker_id: int | None) -> bool:
    """Mark a phone or staff number that another account already uses; return if any."""
    taken = False
    owner = queries.phone_owner(forms.required(form.phone.data))
    if owner is not None and owner != worker_id:
        form.phone.errors = [
            *form.phone.errors,
            _("Another account already uses this phone number."),
        ]
        taken = True
    if form.staff_no.data:
        owner = queries.staff_no_owner(form.staff_no.data)
        if owner is not None and owner != worker_id:
            message = _("Another account already uses this staff number.")
            form.staff_no.errors = [*form.staff_no.errors, message]
            taken = True
    return taken


@bp.get("/street/workers/new")
@login_required
def new_worker():
    """Show the form for a new worker's record and login."""
    scope = admin_scope(current_user)
    street_id = scope.require_write()
    form = _worker_form(scope, street_id, data={"joined_on": None})
    return render("admin/worker_form.html", form=form, worker=None, scope=scope)


@bp.post("/street/workers/new")
@login_required
@writes
def create_worker():
    """Create a worker's record and login; show the one-time password once."""
    scope = admin_scope(current_user)
    street_id = scope.require_write()
    form = _worker_form(scope, street_id)
    if not form.validate_on_submit() or _taken(form, None):
        return render("admin/worker_form.html", form=form, worker=None, scope=scope), 422
    worker, password = operations.create_worker(
        _form_data(form),
        street_id=street_id,
        actor=actor(),
        today=local_today(),
        grade_reason=form.grade_reason.data or None,
    )
    db.session.commit()
    return _private(render("admin/worker_password.html", worker=worker, password=password), 201)


@bp.get("/street/workers/<int:worker_id>/edit")
@login_required
def edit_worker(worker_id: int):
    """Show the form to edit a worker's record."""
    scope = admin_scope(current_user)
    worker = worker_in_scope(scope, worker_id, write=True)
    form = _worker_form(scope, worker.community.street_id, worker, data=_initial(worker))
    return _private(render("admin/worker_form.html", form=form, worker=worker, scope=scope))


def _initial(worker: WorkerProfile) -> dict:
    return {
        "name": worker.user.name,
        "phone": worker.user.phone,
        "staff_no": worker.user.staff_no,
        "community": worker.community_id,
        "post_type": worker.post_type.value,
        "grade": worker.grade,
        "community_work_started_on": worker.community_work_started_on,
        "joined_on": worker.joined_on,
        "education": worker.education.value,
        "party_member": worker.party_member,
        "hiring_route": worker.hiring_route.value,
        "exam_eligible_on": worker.exam_eligible_on,
    }


@bp.post("/street/workers/<int:worker_id>/edit")
@login_required
@writes
def update_worker(worker_id: int):
    """Save an edit; a post or grade change needs a reason and enters the grade history."""
    scope = admin_scope(current_user)
    worker = worker_in_scope(scope, worker_id, write=True)
    form = _worker_form(scope, worker.community.street_id, worker)
    if not form.validate_on_submit() or _taken(form, worker.user_id):
        page = render("admin/worker_form.html", form=form, worker=worker, scope=scope)
        return _private(page, 422)
    changes = operations.update_worker(
        worker,
        _form_data(form),
        actor=actor(),
        today=local_today(),
        grade_reason=form.grade_reason.data or None,
    )
    db.session.commit()
    flash(_("The record has been saved.") if changes else _("Nothing was changed."), "success")
    return redirect(url_for("admin.worker", worker_id=worker.user_id), code=303)


@bp.get("/street/workers/<int:worker_id>/status")
@login_required
def edit_status(worker_id: int):
    """Show the form to change a worker's status."""
    scope = admin_scope(current_user)
    worker = worker_in_scope(scope, worker_id, write=True)
    form = forms.StatusForm(
        data={
            "status": worker.status.value,
            "since": worker.status_since,
            "until": worker.status_until,
            "reason": worker.status_reason,
        }
    )
    return _private(
        render("admin/worker_status.html", form=form, worker=worker, profile=scope.profile)
    )


def secondment_warning(profile: PolicyProfile) -> str:
    """Warn of a long secondment, citing the profile's own article (or none if it has none)."""
    months = profile.secondment.max_months
    message = _(
        "This secondment runs longer than %(months)d months: a street may second a "
        "worker for at most %(months)d months, with approval.",
        months=months,
    )
    source = profile.source("secondment.max_months")
    if source is None:
        return message
    basis = cite(source.citation)
    note = adopted_note(source)
    if note:
        basis = f"{basis}（{note}）"
    return _("%(message)s Basis: %(source)s", message=message, source=basis)


@bp.post("/street/workers/<int:worker_id>/status")
@login_required
@writes
def update_status(worker_id: int):
    """Set 在岗 / 借调 / 退出; warn (not refuse) a secondment past 6 months [003 §9]."""
    scope = admin_scope(current_user)
    worker = worker_in_scope(scope, worker_id, write=True)
    form = forms.StatusForm()
    if not form.validate_on_submit():
        page = render("admin/worker_status.html", form=form, worker=worker, profile=scope.profile)
        return _private(page, 422)
    status = WorkerStatus(form.status.data)
    operations.change_status(
        worker,
        status,
        since=form.since.data,
        until=form.until.data,
        reason=form.reason.data or None,
        actor=actor(),
        today=local_today(),
    )
    db.session.commit()
    flash(_("The status has been saved."), "success")
    if status is WorkerStatus.SECONDED and admin_rules.secondment_too_long(
        scope.profile, form.since.data, form.until.data
    ):
        flash(secondment_warning(scope.profile), "warning")
    if status is WorkerStatus.EXITED:
        flash(_("The worker's account is disabled."), "success")
    return redirect(url_for("admin.worker", worker_id=worker.user_id), code=303)


@bp.post("/street/workers/<int:worker_id>/password")
@login_required
@writes
def issue_password(worker_id: int):
    """Issue a one-time password, shown once; the worker must change it at the next login."""
    scope = admin_scope(current_user)
    worker = worker_in_scope(scope, worker_id, write=True)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    if not worker.user.is_enabled:
        flash(_("This account is disabled: set the worker back on post first."), "error")
        return redirect(url_for("admin.worker", worker_id=worker.user_id), code=303)
    password = operations.issue_password(worker, actor=actor())
    db.session.commit()
    return _private(render("admin/worker_password.html", worker=worker, password=password))
