"""The street admin's 传帮带 pages: pairings, new entrants awaiting a mentor, coverage.

Every view: load → check access → act → render. Only the street admin of a street sees
its pairings (403 to other roles, 404 for another street's pairing). The overview also
shows the month's 谈心 coverage and overdue follow-ups (read from ``portal.talks``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import xlsx
from portal.database import writes
from portal.extensions import db
from portal.mentoring import exports, operations, queries
from portal.mentoring.forms import ChangePairingForm, EndPairingForm, PairingForm
from portal.mentoring.models import MentorPairing
from portal.people import queries as people_queries
from portal.people.access import admin_street_id
from portal.people.models import User, WorkerProfile
from portal.refusals import Refused
from portal.talks import queries as talks_queries
from portal.timeutil import local_today, month_nav, parse_month
from portal.web.htmx import render
from portal.web.views import actor, commit_or_show, form_status

bp = Blueprint("street_mentoring", __name__)


def _month_report() -> tuple[int, queries.StreetReport]:
    """Return the admin's street and its report for the month asked for (else this one)."""
    street_id = admin_street_id(current_user)
    today = local_today()
    month = parse_month(request.args.get("month"), today)
    return street_id, queries.street_report(street_id, month, today)


@bp.get("/street/mentoring")
@login_required
def admin():
    """Show the street admin's pairings, new entrants awaiting a mentor, and coverage."""
    _street_id, report = _month_report()
    return render("mentoring/admin.html", report=report, **month_nav(report.month, report.today))


@bp.get("/street/mentoring/coverage.xlsx")
@login_required
def export_coverage():
    """Download the month's coverage, quiet pairings and overdue follow-ups as .xlsx."""
    street_id, report = _month_report()
    talks = talks_queries.street_talks_in_month(street_id, report.month)
    return xlsx.send(exports.coverage_workbook(report, talks), exports.download_name(report.month))


def _pairing_form(street_id: int) -> PairingForm:
    return PairingForm(
        mentors=queries.street_mentors(street_id),
        mentees=queries.street_workers(street_id),
        data={
            "starts_on": local_today(),
            "mentee": request.args.get("mentee", type=int),
        },
    )


@bp.route("/street/mentoring/pairings/new", methods=["GET", "POST"])
@login_required
@writes
def new_pairing():
    """Pair a mentor with a mentee of the street, with goals."""
    street_id = admin_street_id(current_user)
    form = _pairing_form(street_id)
    if form.validate_on_submit():

        def write() -> None:
            mentor = db.session.get(User, form.mentor.data)
            mentee = people_queries.worker_with_user(form.mentee.data)
            starts_on = form.starts_on.data
            if mentor is None:
                raise Refused(_("Choose a mentor of your street."), "mentor")
            if mentee is None:
                raise Refused(_("Choose a worker of your street who is on the team."), "mentee")
            if starts_on is None:
                raise Refused(_("Enter a date."), "starts_on")
            operations.pair(
                mentor,
                mentee,
                starts_on=starts_on,
                goals=form.goals.data or "",
                street_id=street_id,
                today=local_today(),
                actor=actor(),
            )

        if commit_or_show(form, write):
            flash(_("Pairing saved."), "success")
            return redirect(url_for(".admin"))
    return render("mentoring/pairing_new.html", form=form), form_status(form)


def _street_pairing(pairing_id: int) -> tuple[int, MentorPairing, WorkerProfile]:
    street_id = admin_street_id(current_user)
    found = queries.pairing_with_mentee(pairing_id)
    if found is None or found[1].community.street_id != street_id:
        abort(404)
    return street_id, found[0], found[1]


def _current_street_pairing(pairing_id: int) -> tuple[int, MentorPairing, WorkerProfile]:
    found = _street_pairing(pairing_id)
    if found[1].ends_on is not None:
        abort(409, description=_("This pairing has already ended."))
    return found


@bp.get("/street/mentoring/pairings/<int:pairing_id>")
@login_required
def pairing(pairing_id: int):
    """Show a pairing of the street with its sessions."""
    _street_id, the_pairing, mentee = _street_pairing(pairing_id)
    row = queries.pairing_row(pairing_id, local_today())
    sessions = queries.sessions_of_pairing(pairing_id)
    return render(
        "mentoring/pairing.html", row=row, pairing=the_pairing, mentee=mentee, sessions=sessions
    )


@bp.route("/street/mentoring/pairings/<int:pairing_id>/end", methods=["GET", "POST"])
@login_required
@writes
def end_pairing(pairing_id: int):
    """End a pairing on a date with a reason; it stays in the history."""
    _street_id, the_pairing, mentee = _current_street_pairing(pairing_id)
    form = EndPairingForm(data={"ends_on": local_today()})
    if form.validate_on_submit():

        def write() -> None:
            ends_on = form.ends_on.data
            if ends_on is None:
                raise Refused(_("Enter a date."), "ends_on")
            operations.end_pairing(
                the_pairing,
                ends_on=ends_on,
                reason=form.reason.data or "",
                today=local_today(),
                actor=actor(),
            )

        if commit_or_show(form, write):
            flash(_("Pairing ended."), "success")
            return redirect(url_for(".admin"))
    page = render("mentoring/pairing_end.html", form=form, pairing=the_pairing, mentee=mentee)
    return page, form_status(form)


@bp.route("/street/mentoring/pairings/<int:pairing_id>/change", methods=["GET", "POST"])
@login_required
@writes
def change_pairing(pairing_id: int):
    """Change a mentee's mentor: the current pairing ends, a new one starts."""
    street_id, the_pairing, mentee = _current_street_pairing(pairing_id)
    mentors = [m for m in queries.street_mentors(street_id) if m.id != the_pairing.mentor_id]
    form = ChangePairingForm(
        mentors=mentors, data={"changed_on": local_today(), "goals": the_pairing.goals}
    )
    if form.validate_on_submit():

        def write() -> None:
            new_mentor = db.session.get(User, form.mentor.data)
            changed_on = form.changed_on.data
            if new_mentor is None:
                raise Refused(_("Choose a mentor of your street."), "mentor")
            if changed_on is None:
                raise Refused(_("Enter a date."), "changed_on")
            try:
                operations.change_pairing(
                    the_pairing,
                    mentee,
                    new_mentor,
                    on=changed_on,
                    reason=form.reason.data or "",
                    goals=form.goals.data or "",
                    street_id=street_id,
                    today=local_today(),
                    actor=actor(),
                )
            except Refused as refused:
                if refused.field != "ends_on":
                    raise
                # The end of the old pairing is the change date the admin typed.
                raise Refused(refused.message, "changed_on") from refused

        if commit_or_show(form, write):
            flash(_("Mentor changed."), "success")
            return redirect(url_for(".admin"))
    page = render("mentoring/pairing_change.html", form=form, pairing=the_pairing, mentee=mentee)
    return page, form_status(form)
