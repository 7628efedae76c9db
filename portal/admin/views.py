"""The street admin's pages: roster, a worker's file and record, Excel import and exports.

Every view: load → check access → act → render. Admin pages are role pages (403 for
other roles); a district admin reads and exports but every write answers 403; a worker
outside the admin's scope answers 404.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from portal.admin import cli, exports, forms, operations, queries
from portal.certificates import queries as certificate_queries
from portal.database import writes
from portal.enums import Education, HiringRoute, PostType, WorkerStatus
from portal.extensions import db
from portal.imports import reader, stash
from portal.imports.commit import load_street, run_import
from portal.imports.limits import too_large as limits_too_large
from portal.imports.report import summary
from portal.imports.templates import KIND_LABELS, Kind, download_name, template_workbook
from portal.people.models import User, WorkerProfile
from portal.people.scope import AdminScope, admin_scope, worker_in_scope
from portal.policy import rules
from portal.policy.rules import CertLevel
from portal.timeutil import local_today, utcnow, year_bounds
from portal.training import queries as training_queries
from portal.web.htmx import render

# cli_group=None: the blueprint's `import` command is a top-level `flask import`.
bp = Blueprint("admin", __name__, cli_group=None)
bp.cli.add_command(cli.import_command)

MAX_PAGE = 10_000
MAX_SHOWN = 500  # rows of created / updated / errors listed on the preview page


def _actor() -> User:
    return current_user._get_current_object()  # the real User, not the proxy


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
    streets = queries.scope_streets(scope)
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
        and operations.secondment_too_long(worker.status_since, worker.status_until),
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


def _worker_form(scope: AdminScope, worker: WorkerProfile | None = None, **kwargs):
    return forms.WorkerForm(
        profile=scope.profile,
        communities=queries.street_communities(scope.street_id),
        worker=worker,
        today=local_today(),
        **kwargs,
    )


def _form_data(form: forms.WorkerForm) -> operations.WorkerData:
    return operations.WorkerData(
        name=form.name.data.strip(),
        phone=form.phone.data,
        staff_no=form.staff_no.data,
        community_id=form.community.data,
        post_type=PostType(form.post_type.data),
        grade=form.grade.data,
        community_work_started_on=form.community_work_started_on.data,
        joined_on=form.joined_on.data,
        education=Education(form.education.data),
        party_member=bool(form.party_member.data),
        hiring_route=HiringRoute(form.hiring_route.data),
        exam_eligible_on=form.exam_eligible_on.data,
    )


def _taken(form: forms.WorkerForm, worker_id: int | None) -> bool:
    """Mark a phone or staff number that another account already uses; return if any."""
    taken = False
    owner = queries.phone_owner(form.phone.data)
    if owner is not None and owner != worker_id:
        form.phone.errors.append(_("Another account already uses this phone number."))
        taken = True
    if form.staff_no.data:
        owner = queries.staff_no_owner(form.staff_no.data)
        if owner is not None and owner != worker_id:
            form.staff_no.errors.append(_("Another account already uses this staff number."))
            taken = True
    return taken


@bp.get("/street/workers/new")
@login_required
def new_worker():
    """Show the form for a new worker's record and login."""
    scope = admin_scope(current_user)
    scope.require_write()
    form = _worker_form(scope, data={"joined_on": None})
    return render("admin/worker_form.html", form=form, worker=None, scope=scope)


@bp.post("/street/workers/new")
@login_required
@writes
def create_worker():
    """Create a worker's record and login; show the one-time password once."""
    scope = admin_scope(current_user)
    scope.require_write()
    form = _worker_form(scope)
    if not form.validate_on_submit() or _taken(form, None):
        return render("admin/worker_form.html", form=form, worker=None, scope=scope), 422
    worker, password = operations.create_worker(
        _form_data(form),
        street_id=scope.street_id,
        actor=_actor(),
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
    form = _worker_form(scope, worker, data=_initial(worker))
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
    form = _worker_form(scope, worker)
    if not form.validate_on_submit() or _taken(form, worker.user_id):
        page = render("admin/worker_form.html", form=form, worker=worker, scope=scope)
        return _private(page, 422)
    changes = operations.update_worker(
        worker,
        _form_data(form),
        actor=_actor(),
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
    return _private(render("admin/worker_status.html", form=form, worker=worker))


@bp.post("/street/workers/<int:worker_id>/status")
@login_required
@writes
def update_status(worker_id: int):
    """Set 在岗 / 借调 / 退出; warn (not refuse) a secondment past 6 months [003 §9]."""
    scope = admin_scope(current_user)
    worker = worker_in_scope(scope, worker_id, write=True)
    form = forms.StatusForm()
    if not form.validate_on_submit():
        return _private(render("admin/worker_status.html", form=form, worker=worker), 422)
    status = WorkerStatus(form.status.data)
    operations.change_status(
        worker,
        status,
        since=form.since.data,
        until=form.until.data,
        reason=form.reason.data or None,
        actor=_actor(),
        today=local_today(),
    )
    db.session.commit()
    flash(_("The status has been saved."), "success")
    if status is WorkerStatus.SECONDED and operations.secondment_too_long(
        form.since.data, form.until.data
    ):
        flash(
            _(
                "This secondment runs longer than %(months)d months: a street may second a "
                "worker for at most %(months)d months, with approval (003 §9).",
                months=operations.SECONDMENT_MONTHS,
            ),
            "warning",
        )
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
    password = operations.issue_password(worker, actor=_actor())
    db.session.commit()
    return _private(render("admin/worker_password.html", worker=worker, password=password))


# -- import -----------------------------------------------------------------------------


def _kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, str(KIND_LABELS[kind])) for kind in Kind]


def _import_page(form: forms.ImportForm, status: int = 200, problem: str | None = None):
    return _private(render("admin/import.html", form=form, problem=problem), status)


@bp.get("/street/import")
@login_required
def import_start():
    """Show the upload form and the templates to download."""
    scope = admin_scope(current_user)
    scope.require_write()
    form = forms.ImportForm(kinds=_kind_choices())
    if request.args.get("kind") in Kind._value2member_map_:
        form.kind.data = request.args["kind"]
    return _import_page(form)


def _preview(report, *, token: str | None, status: int):
    return _private(
        render(
            "admin/import_preview.html",
            report=report,
            kind_label=KIND_LABELS[report.kind],
            summary_text=summary(report),
            token=token,
            commit_form=forms.CommitForm(token=token) if token else None,
            max_shown=MAX_SHOWN,
        ),
        status,
    )


@bp.post("/street/import")
@login_required
def import_preview():
    """Check an uploaded file and preview what it would change; nothing is written yet."""
    scope = admin_scope(current_user)
    scope.require_write()
    form = forms.ImportForm(kinds=_kind_choices())
    if not form.validate_on_submit():
        return _import_page(form, 422)
    upload = form.file.data
    limits = reader.Limits.from_config(current_app.config)
    data = upload.stream.read(limits.file_bytes + 1)
    filename = (upload.filename or "upload.xlsx")[-200:]
    if len(data) > limits.file_bytes:
        return _import_page(form, 413, limits_too_large(limits).message)
    kind = Kind(form.kind.data)
    street = load_street(scope.street_id)
    report = run_import(
        data,
        kind,
        street=street,
        actor=_actor(),
        today=local_today(),
        filename=filename,
        commit=False,
    )
    if not report.ok:
        return _preview(report, token=None, status=422)
    token = stash.stash(
        data, user_id=current_user.id, street_id=scope.street_id, kind=kind, filename=filename
    )
    return _preview(report, token=token, status=200)


@bp.post("/street/import/commit")
@login_required
@writes
def import_commit():
    """Import the previewed file: all rows in one transaction, or nothing."""
    scope = admin_scope(current_user)
    scope.require_write()
    form = forms.CommitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        stashed = stash.load(form.token.data, user_id=current_user.id)
    except stash.StashError:
        flash(_("This preview has expired. Please upload the file again."), "error")
        return redirect(url_for("admin.import_start"), code=303)
    if stashed.street_id != scope.street_id or stashed.kind not in Kind._value2member_map_:
        abort(403)
    street = load_street(scope.street_id)
    try:
        report = run_import(
            stashed.data,
            Kind(stashed.kind),
            street=street,
            actor=_actor(),
            today=local_today(),
            filename=stashed.filename,
            commit=True,
        )
        if report.committed:
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(
            _("Someone changed these records at the same time. Please upload the file again."),
            "error",
        )
        return redirect(url_for("admin.import_start"), code=303)
    if not report.committed:  # the records changed since the preview: show what is wrong now
        db.session.rollback()
        return _preview(report, token=None, status=409)
    stash.discard(stashed)
    return _private(
        render(
            "admin/import_result.html",
            report=report,
            kind_label=KIND_LABELS[report.kind],
            summary_text=summary(report),
            max_shown=MAX_SHOWN,
        )
    )


@bp.get("/street/import/template/<kind>.xlsx")
@login_required
def import_template(kind: str):
    """Download the .xlsx template of an import, with its Chinese headers."""
    admin_scope(current_user)
    if kind not in Kind._value2member_map_:
        abort(404)
    return send_file(
        io.BytesIO(template_workbook(Kind(kind))),
        mimetype=exports.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=download_name(Kind(kind)),
    )


# -- exports ----------------------------------------------------------------------------


def _scope_name(scope: AdminScope, streets) -> str:
    if scope.whole_district:
        return scope.district.name
    return next((street.name for street in streets if street.id == scope.street_id), "")


@bp.get("/street/exports")
@login_required
def exports_page():
    """List the exports."""
    scope = admin_scope(current_user)
    kinds = [(kind, exports.EXPORT_LABELS[kind]) for kind in exports.ExportKind]
    return render("admin/exports.html", scope=scope, kinds=kinds)


@bp.get("/street/export/<kind>.xlsx")
@login_required
def export(kind: str):
    """Download an export of the admin's street (or district) as .xlsx."""
    scope = admin_scope(current_user)
    if kind not in exports.ExportKind._value2member_map_:
        abort(404)
    kind = exports.ExportKind(kind)
    today = local_today()
    streets = queries.scope_streets(scope)
    about = {
        "scope_name": _scope_name(scope, streets),
        "profile_name": scope.profile.name,
        "now": utcnow(),
    }
    if kind is exports.ExportKind.ROSTER:
        communities = queries.scope_communities(scope)
        filters = forms.roster_filter(
            request.args,
            street_ids={street.id for street in streets},
            community_ids={community.id for community, _street in communities},
        )
        workbook = exports.roster_workbook(queries.roster_all(scope, filters, today), **about)
    elif kind is exports.ExportKind.TRAINING:
        rows = queries.training_compliance(scope, today)
        workbook = exports.training_workbook(rows, year=today.year, **about)
    elif kind is exports.ExportKind.APPRAISALS:
        workbook = exports.appraisals_workbook(queries.appraisal_grid(scope), **about)
    elif kind is exports.ExportKind.CERTIFICATES:
        rows = queries.certificate_deadlines(scope, today)
        workbook = exports.certificates_workbook(rows, **about)
    else:
        workbook = exports.exit_risks_workbook(queries.exit_risk_rows(scope), **about)
    response = send_file(
        io.BytesIO(workbook),
        mimetype=exports.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=exports.download_name(kind, about["scope_name"], today),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
