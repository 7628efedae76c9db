"""Care and benefits: the street records benefits and leave days; workers apply for the care fund.

Load → check access → act → render. Street pages are role pages: a street admin records
and decides for their street; a district admin reads every street of the district and
every write answers 403; other roles get 403. ``/me/care-fund`` is the worker's own page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from portal.care import operations, queries
from portal.care.forms import (
    IN_DAYS,
    IN_YUAN,
    CareRecordForm,
    DecisionForm,
    FundApplicationForm,
    LeaveForm,
    parse_leave_days,
)
from portal.database import writes
from portal.extensions import db
from portal.people.models import WorkerProfile
from portal.people.scope import AdminScope, admin_scope
from portal.policy import rules
from portal.policy.profiles import load_profile
from portal.refusals import Refused
from portal.timeutil import local_today, utcnow
from portal.uploads import storage
from portal.uploads.views import answer_too_large, commit_upload_or_show, limit_request_body
from portal.web.views import (
    actor,
    commit_or_abort,
    commit_or_refusal,
    commit_or_show,
    form_status,
    own_worker,
)

bp = Blueprint("care", __name__)


@bp.url_value_preprocessor
def _limit_body_size(endpoint, _values) -> None:
    # Before CSRF protection reads the body: an oversized upload is cut off, not buffered.
    if endpoint == "care.apply":
        limit_request_body()


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    """Answer an oversized attachment with the form and a clear message."""
    return answer_too_large("care.apply", FundApplicationForm, "attachment", _apply_page)


# -- the worker: /me/care-fund --------------------------------------------------------------


def _apply_page(worker: WorkerProfile, form: FundApplicationForm, *, status: int = 200):
    page = render_template(
        "care/apply.html",
        worker=worker,
        form=form,
        applications=queries.own_fund_applications(worker.user_id),
        max_mb=storage.max_megabytes(),
    )
    return page, status


@bp.get("/me/care-fund")
@login_required
def apply_page():
    """Show the worker's care-fund applications and the form to apply."""
    worker = own_worker()
    return _apply_page(worker, FundApplicationForm())


@bp.post("/me/care-fund")
@login_required
@writes
def apply():
    """Record a care-fund application (reason, amount, optional proof) for the street to decide."""
    worker = own_worker()
    form = FundApplicationForm()
    sent = commit_upload_or_show(
        form,
        lambda: operations.apply_care_fund(
            worker,
            reason=(form.reason.data or "").strip(),
            amount=form.amount_value,
            file=form.file,
            actor=actor(),
            today=local_today(),
        ),
        file=form.file,
        field="attachment",
    )
    if sent:
        flash(_("Your application was sent. The street will decide on it."), "success")
        return redirect(url_for("care.apply_page"), code=303)
    return _apply_page(worker, form, status=422)


# -- the street: benefits --------------------------------------------------------------------


def _record_page(scope, form: CareRecordForm | None, *, status: int = 200):
    today = local_today()
    page = render_template(
        "care/records.html",
        scope=scope,
        form=form,
        team=form.team if form is not None else [],
        records=queries.recent_records(scope, today.year),
        year=today.year,
        day=_remembered("date"),
        kind_label=_remembered("label"),
        number=_remembered("num"),
        in_days=IN_DAYS,
        in_yuan=IN_YUAN,
    )
    return page, status


@bp.get("/street/care")
@login_required
def records():
    """Show this year's benefits in the admin's scope and, for a street, the form to record."""
    scope = admin_scope(current_user)
    form = None
    if scope.street_id is not None:  # a street admin records; a district admin reads
        form = CareRecordForm(team=queries.street_workers(scope.street_id))
        if request.args.get("worker", type=int):
            form.workers.data = [str(request.args.get("worker", type=int))]
    return _record_page(scope, form)


@bp.post("/street/care")
@login_required
@writes
def record():
    """Record a benefit for the chosen workers of the street: all of them, or none."""
    scope = admin_scope(current_user)
    street_id = scope.require_write()
    form = CareRecordForm(team=queries.street_workers(street_id))
    if not form.validate_on_submit():
        return _record_page(scope, form, status=422)
    data = form.care_data()
    ids = form.worker_ids
    workers = db.session.scalars(
        sa.select(WorkerProfile).where(WorkerProfile.user_id.in_(ids))
    ).all()
    clashes = queries.already_recorded(ids, data.kind, data.occurred_on)
    already = {worker_id: name for worker_id, name, _c in form.team if worker_id in clashes}
    if not commit_or_show(
        form, lambda: operations.record_care(workers, data, actor=actor(), already=already)
    ):
        return _record_page(scope, form, status=form_status(form))
    flash(
        ngettext(
            "Recorded for %(n)d worker.",
            "Recorded for %(n)d workers.",
            len(workers),
            n=len(workers),
        ),
        "success",
    )
    return redirect(url_for("care.records"), code=303)


# -- the street: annual leave days -------------------------------------------------------------


def _leave_year(today) -> int:
    year = request.args.get("year", type=int) or today.year
    if not today.year - 1 <= year <= today.year + 1:
        abort(404)
    return year


@dataclass(frozen=True)
class LeaveCells:
    """What a worker's row of the leave table shows, worked out once per distinct value."""

    default: int  # the statutory days for the years worked
    default_text: str  # "15 days"
    entered: str  # the days entered for the year, as a number; "" for the default
    taken: str  # the days taken, as a number


def _years_worked(today: date) -> Callable[[date], int]:
    """Return a function giving ``rules.years_of_service`` (0 before the start) quickly.

    A worker's full years are the years between the start and today, less one if this
    year's anniversary is still to come; that correction depends on the start's month and
    day only, so the rule runs once per distinct day of the year.
    """
    corrections: dict[tuple[int, int], int] = {}

    def years(started: date) -> int:
        if started > today:
            return 0
        key = (started.month, started.day)
        correction = corrections.get(key)
        if correction is None:
            correction = rules.years_of_service(started, today) - (today.year - started.year)
            corrections[key] = correction
        return today.year - started.year + correction

    return years


def _remembered(name: str) -> Callable[[Any], str]:
    """Return a template filter (``num``, ``date``, ``label``) that works out each value once.

    A page's rows repeat a few values: a day, a kind, a number of days.
    """
    apply = current_app.jinja_env.filters[name]
    texts: dict[Any, str] = {}

    def text(value: Any) -> str:
        found = texts.get(value)
        if found is None:
            found = texts[value] = apply(value)
        return found

    return text


def _leave_page(
    scope: AdminScope,
    street_id: int,
    year: int,
    *,
    values: dict[int, str] | None = None,
    errors: dict[int, str] | None = None,
    status: int = 200,
):
    today = local_today()
    profile = load_profile(scope.district.policy_code)
    rows = queries.street_leave(street_id, year)
    years_worked = _years_worked(today)
    days_of: dict[int, int] = {}
    text_of: dict[int, str] = {}
    number = _remembered("num")
    cells = {}
    for row in rows:
        years = years_worked(row.started_on)
        days = days_of.get(years)
        if days is None:
            days = days_of[years] = rules.annual_leave_days(profile, years)
        text = text_of.get(days)
        if text is None:
            text = text_of[days] = _("%(n)s days", n=days)
        entered = number(row.entitlement.quantity) if row.entitlement else ""
        cells[row.worker_id] = LeaveCells(days, text, entered, number(row.taken))
    page = render_template(
        "care/leave.html",
        scope=scope,
        year=year,
        years=[today.year - 1, today.year, today.year + 1],
        rows=rows,
        cells=cells,
        values=values or {},
        errors=errors or {},
        form=LeaveForm(),
    )
    return page, status


@bp.get("/street/care/leave")
@login_required
def leave():
    """Show each worker's annual leave days for a year: entered, or the statutory default."""
    scope = admin_scope(current_user)
    street_id = scope.require_write()  # one street's working table, kept by the street
    return _leave_page(scope, street_id, _leave_year(local_today()))


@bp.post("/street/care/leave")
@login_required
@writes
def save_leave():
    """Save the leave days typed (blank: back to the default); one bad value saves nothing."""
    scope = admin_scope(current_user)
    street_id = scope.require_write()
    year = _leave_year(local_today())
    if not LeaveForm().validate_on_submit():
        abort(400)
    rows = queries.street_leave(street_id, year)
    values, errors, wanted = {}, {}, {}
    for row in rows:
        field = f"days-{row.worker_id}"
        if field not in request.form:
            continue
        values[row.worker_id] = request.form[field]
        try:
            wanted[row.worker_id] = parse_leave_days(request.form[field])
        except ValueError:
            errors[row.worker_id] = _("Enter 0 to 365 days, with one decimal at most.")
    if errors:
        return _leave_page(scope, street_id, year, values=values, errors=errors, status=422)
    changed = commit_or_abort(
        lambda: operations.set_leave_entitlements(
            year, wanted, {row.worker_id: row.entitlement for row in rows}, actor=actor()
        )
    )
    flash(
        ngettext(
            "Leave days saved for %(n)d worker.",
            "Leave days saved for %(n)d workers.",
            changed,
            n=changed,
        ),
        "success",
    )
    return redirect(url_for("care.leave", year=year), code=303)


# -- the street: care-fund applications ----------------------------------------------------------


def _review_page(scope, *, forms=None, notice: str | None = None, status: int = 200):
    pending = queries.fund_applications(scope, pending=True)
    forms = forms or {}
    page = render_template(
        "care/fund_review.html",
        scope=scope,
        pending=pending,
        decided=queries.fund_applications(scope, pending=False),
        approve_forms={
            row.record.id: forms.get(("approve", row.record.id))
            or DecisionForm(formdata=None, prefix=f"a{row.record.id}")
            for row in pending
        },
        reject_forms={
            row.record.id: forms.get(("reject", row.record.id))
            or DecisionForm(formdata=None, prefix=f"r{row.record.id}", rejecting=True)
            for row in pending
        },
        notice=notice,
    )
    return page, status


@bp.get("/street/care-fund")
@login_required
def fund_review():
    """Show the care-fund applications waiting for a decision, and the recent decisions."""
    scope = admin_scope(current_user)
    return _review_page(scope)


def _decide(application_id: int, *, approve: bool):
    scope = admin_scope(current_user)
    scope.require_write()
    found = queries.fund_record(application_id)
    if found is None or not scope.can_write_street(found[1]):
        abort(404)  # same answer for "absent" and "not yours"
    application = found[0]
    prefix = f"{'a' if approve else 'r'}{application.id}"
    form = DecisionForm(prefix=prefix, rejecting=not approve)
    if not form.validate_on_submit():
        key = ("approve" if approve else "reject", application.id)
        return _review_page(scope, forms={key: form}, status=422)
    outcome = commit_or_refusal(
        lambda: operations.decide_care_fund(
            application,
            approve=approve,
            comment=form.comment_text,
            actor=actor(),
            now=utcnow(),
        )
    )
    if isinstance(outcome, Refused):
        return _review_page(scope, notice=str(outcome.message), status=outcome.status)
    flash(
        _("Application approved; the worker was notified.")
        if approve
        else _("Application rejected; the worker was notified."),
        "success",
    )
    return redirect(url_for("care.fund_review"), code=303)


@bp.post("/street/care-fund/<int:application_id>/approve")
@login_required
@writes
def approve(application_id: int):
    """Approve an application still waiting (an optional comment to the worker)."""
    return _decide(application_id, approve=True)


@bp.post("/street/care-fund/<int:application_id>/reject")
@login_required
@writes
def reject(application_id: int):
    """Reject an application still waiting, saying why."""
    return _decide(application_id, approve=False)
