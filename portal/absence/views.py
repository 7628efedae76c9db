"""Unexcused absence (旷工): the street records days; the worker sees their own record.

Load → check access → act → render. ``/street/absence`` is a role page: a street admin
records and deletes for their street; a district admin reads every street and every write
answers 403; other roles get 403. ``/me/absence`` is the worker's own page.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal.absence import operations, queries, rules, text
from portal.absence.forms import AbsenceForm
from portal.database import writes
from portal.people.scope import AdminScope, admin_scope, worker_in_scope
from portal.policy.citations import cite
from portal.policy.profiles import load_profile
from portal.timeutil import local_today
from portal.web.forms import PortalForm
from portal.web.views import actor, commit_or_abort, commit_or_show, form_status, own_worker

bp = Blueprint("absence", __name__)
# The same words on every page that shows a standing (the dashboard's exit-risk list too).
bp.add_app_template_global(text.counts_text, "absence_counts")
bp.add_app_template_global(text.state_text, "absence_state")
bp.add_app_template_global(text.limits_text, "absence_limits")
bp.add_app_template_global(text.standing_text, "absence_line")
bp.add_app_template_global(cite, "absence_source")


class DeleteForm(PortalForm):
    """The delete button of a recorded day: only its CSRF token."""


def _street_page(scope: AdminScope, form: AbsenceForm | None, *, status: int = 200):
    today = local_today()
    rule = scope.profile.absence
    since = rules.window_start(today.year)
    records = queries.street_days(scope.street_condition, since)
    standings = []
    if rule is not None:
        days: dict[int, list] = {}
        names: dict[int, tuple[str, str]] = {}
        for row in records:
            days.setdefault(row.record.worker_id, []).append(row.record.day)
            names[row.record.worker_id] = (row.name, row.community)
        for worker_id, worker_days in days.items():
            standing = rules.standing(rule, worker_days, today.year)
            if standing.yearly.count or standing.consecutive.count:
                standings.append((names[worker_id], worker_id, standing))
        standings.sort(key=lambda item: (not item[2].triggered, not item[2].warning, item[0]))
    page = render_template(
        "absence/street.html",
        scope=scope,
        form=form,
        rule=rule,
        rule_source=cite(rule.citation) if rule is not None else None,
        warn_source=cite(rule.warn_citation) if rule is not None else None,
        year=today.year,
        since=since,
        records=records,
        standings=standings,
        delete_form=DeleteForm(),
    )
    return page, status


def _form(scope: AdminScope) -> AbsenceForm | None:
    if scope.street_id is None:  # a district admin reads; each street records
        return None
    return AbsenceForm(team=queries.street_team(scope.street_id))


@bp.get("/street/absence")
@login_required
def street():
    """Show the street's recorded days, each worker's standing, and the form to record."""
    scope = admin_scope(current_user)
    return _street_page(scope, _form(scope))


@bp.post("/street/absence")
@login_required
@writes
def record():
    """Record one day, or the working days of a period, for a worker of the street."""
    scope = admin_scope(current_user)
    street_id = scope.require_write()
    form = AbsenceForm(team=queries.street_team(street_id))
    if not form.validate_on_submit():
        return _street_page(scope, form, status=422)
    worker = worker_in_scope(scope, form.worker_id, write=True)
    days = form.days()
    saved = commit_or_show(
        form,
        lambda: operations.record_absence(
            worker, days, note=form.note_text, actor=actor(), today=local_today()
        ),
    )
    if not saved:
        return _street_page(scope, form, status=form_status(form))
    flash(
        ngettext(
            "Recorded %(n)d day of unexcused absence.",
            "Recorded %(n)d days of unexcused absence.",
            len(days),
            n=len(days),
        ),
        "success",
    )
    return redirect(url_for("absence.street"), code=303)


@bp.post("/street/absence/<int:record_id>/delete")
@login_required
@writes
def delete(record_id: int):
    """Delete a day recorded by mistake (record the right day again if needed)."""
    scope = admin_scope(current_user)
    scope.require_write()
    found = queries.record_in_street(record_id)
    if found is None or not scope.can_write_street(found[1]):
        abort(404)  # same answer for "absent" and "not yours"
    if not DeleteForm().validate_on_submit():
        abort(400)
    record = found[0]
    day = record.day
    commit_or_abort(lambda: operations.delete_absence(record, actor=actor()))
    flash(_("The record of %(date)s was deleted.", date=day.isoformat()), "success")
    return redirect(url_for("absence.street"), code=303)


@bp.get("/me/absence")
@login_required
def mine():
    """Show the worker's own recorded days of unexcused absence and where they stand."""
    worker = own_worker()
    today = local_today()
    profile = load_profile(worker.community.street.district.policy_code)
    rule = profile.absence
    records = queries.days_of(worker.user_id)
    standing = (
        rules.standing(rule, [r.day for r in records], today.year) if rule is not None else None
    )
    return render_template(
        "absence/mine.html",
        worker=worker,
        rule=rule,
        rule_source=cite(rule.citation) if rule is not None else None,
        standing=standing,
        records=records,
        year=today.year,
    )
