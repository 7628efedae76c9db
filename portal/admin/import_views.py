"""The street admin's Excel import: upload, preview, commit (all rows or none), templates.

Routes on the admin blueprint (portal/admin/views.py). Every view: load → check access →
act → render.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from portal import xlsx
from portal.admin import forms
from portal.admin.views import _private, bp
from portal.database import writes
from portal.extensions import db
from portal.imports import reader, stash
from portal.imports.commit import load_street, run_import
from portal.imports.limits import too_large as limits_too_large
from portal.imports.report import ImportReport, summary
from portal.imports.templates import KIND_LABELS, Kind, download_name, template_workbook
from portal.org.models import Street
from portal.people.scope import admin_scope
from portal.refusals import Refused
from portal.timeutil import local_today
from portal.web.htmx import render
from portal.web.views import actor, commit_or_refusal

MAX_SHOWN = 500  # rows of created / updated / errors listed on the preview page


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


def _street(street_id: int) -> Street:
    """Return the admin's street with its communities (404 if it has gone)."""
    street = load_street(street_id)
    if street is None:
        abort(404)
    return street


def _report_page(template: str, report: ImportReport, status: int = 200, **context):
    """Render a page about an import's report: its kind, its summary and the rows listed."""
    page = render(
        template,
        report=report,
        kind_label=KIND_LABELS[report.kind],
        summary_text=summary(report),
        max_shown=MAX_SHOWN,
        **context,
    )
    return _private(page, status)


def _preview(report: ImportReport, *, token: str | None, status: int):
    commit_form = forms.CommitForm(token=token) if token else None
    return _report_page(
        "admin/import_preview.html", report, status, token=token, commit_form=commit_form
    )


@bp.post("/street/import")
@login_required
def import_preview():
    """Check an uploaded file and preview what it would change; nothing is written yet."""
    scope = admin_scope(current_user)
    street_id = scope.require_write()
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
    report = run_import(
        data,
        kind,
        street=_street(street_id),
        actor=actor(),
        today=local_today(),
        filename=filename,
        commit=False,
        limits=limits,
    )
    if not report.ok:
        return _preview(report, token=None, status=422)
    token = stash.stash(
        data, user_id=current_user.id, street_id=street_id, kind=kind, filename=filename
    )
    return _preview(report, token=token, status=200)


@bp.post("/street/import/commit")
@login_required
@writes
def import_commit():
    """Import the previewed file: all rows in one transaction, or nothing."""
    scope = admin_scope(current_user)
    street_id = scope.require_write()
    form = forms.CommitForm()
    if not form.validate_on_submit():
        abort(400)
    token = forms.required(form.token.data)
    stashed = commit_or_refusal(lambda: stash.load(token, user_id=current_user.id))
    if isinstance(stashed, Refused):
        flash(str(stashed.message), "error")
        return redirect(url_for("admin.import_start"), code=303)
    if stashed.street_id != street_id or stashed.kind not in Kind._value2member_map_:
        abort(403)
    street = _street(street_id)
    try:
        report = run_import(
            stashed.data,
            Kind(stashed.kind),
            street=street,
            actor=actor(),
            today=local_today(),
            filename=stashed.filename,
            commit=True,
            limits=reader.Limits.from_config(current_app.config),
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
    return _report_page("admin/import_result.html", report)


@bp.get("/street/import/template/<kind>.xlsx")
@login_required
def import_template(kind: str):
    """Download the .xlsx template of an import, with its Chinese headers."""
    admin_scope(current_user)
    if kind not in Kind._value2member_map_:
        abort(404)
    return xlsx.send(template_workbook(Kind(kind)), download_name(Kind(kind)))
