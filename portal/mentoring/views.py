"""传帮带 mentoring and the growth plan: pages for the mentor and the mentee.

Every view: load → check access → act → render. Role pages answer 403 to other roles;
a record the user may not see answers 404, like a missing one. Bad input is refused with
a message (422) and nothing is saved. 谈心日 talks have their own pages (``portal.talks``);
the street admin's pages are in ``street_views``.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.database import writes
from portal.enums import GrowthKind, MentoringTopic, Role
from portal.extensions import db
from portal.mentoring import access, operations, queries, rules
from portal.mentoring.forms import (
    ConfirmForm,
    GrowthItemForm,
    SessionForm,
)
from portal.mentoring.models import MentorPairing, MentorSession
from portal.people import queries as people_queries
from portal.people.access import own_profile, require_role
from portal.people.models import WorkerProfile
from portal.refusals import Refused
from portal.timeutil import local_today, utcnow
from portal.web.htmx import render
from portal.web.views import INVALID, actor, commit_or_show, form_status

bp = Blueprint("mentoring", __name__)


def _worker(worker_id: int) -> WorkerProfile | None:
    return people_queries.worker_with_user(worker_id, session_user=current_user)


# -- mentor ------------------------------------------------------------------------------------


@bp.get("/mentoring")
@login_required
def mentor_home():
    """Show a mentor's mentees with the date of the last session."""
    require_role(current_user, Role.MENTOR)
    rows = queries.mentor_pairings(current_user.id, local_today())
    current = [row for row in rows if row.current]
    past = [row for row in rows if not row.current]
    return render("mentoring/mentor_home.html", current=current, past=past)


def _session_defaults(mentor_id: int, today: date) -> dict:
    last = queries.last_session_of(mentor_id)
    return {
        "held_on": today,
        "minutes": last.minutes if last else 60,
        "topic": (last.topic if last else MentoringTopic.MASS_WORK).value,
    }


def _mentee_page(mentee_id: int, form: SessionForm | None, status: int = 200):
    """Render a mentor's page of one mentee (404 unless they are or were the mentor)."""
    require_role(current_user, Role.MENTOR)
    pairings = queries.mentee_pairings(mentee_id)
    mine = [p for p, _name in pairings if p.mentor_id == current_user.id]
    worker = _worker(mentee_id) if mine else None
    if worker is None:
        abort(404)
    current = next((p for p in mine if p.ends_on is None), None)
    today = local_today()
    if form is None and current is not None:
        form = SessionForm(data=_session_defaults(current_user.id, today))
    sessions = queries.sessions_of_mentor_with(current_user.id, mentee_id)
    now = utcnow()
    page = render(
        "mentoring/mentee.html",
        worker=worker,
        pairing=current,
        past=[p for p in mine if p.ends_on is not None],
        form=form,
        sessions=sessions,
        editable={s.id for s in sessions if not rules.is_locked(s.created_at, now)},
        first_years=rules.in_first_three_years(worker.community_work_started_on, today),
    )
    return page, status


@bp.get("/mentoring/mentees/<int:mentee_id>")
@login_required
def mentee(mentee_id: int):
    """Show one mentee to their mentor, with the session form prefilled."""
    return _mentee_page(mentee_id, None)


def _session_data(form: SessionForm) -> operations.SessionData:
    held_on, minutes = form.held_on.data, form.minutes.data
    if held_on is None or minutes is None:  # both required: a valid form has them
        raise Refused(_("Fill in this field."))
    return operations.SessionData(
        held_on=held_on,
        minutes=minutes,
        topic=MentoringTopic(form.topic.data),
        passed_on=form.passed_on.data or "",
        next_step=form.next_step.data or "",
    )


@bp.post("/mentoring/mentees/<int:mentee_id>/sessions")
@login_required
@writes
def log_session(mentee_id: int):
    """Log a session with a current mentee."""
    require_role(current_user, Role.MENTOR)
    pairing = queries.current_pairing_of(mentee_id)
    if pairing is None or not access.can_log_session(current_user, pairing):
        status = (
            403
            if any(
                p.mentor_id == current_user.id for p, _name in queries.mentee_pairings(mentee_id)
            )
            else 404
        )
        abort(status, description=_("You can log sessions only for your current mentees."))
    form = SessionForm()
    if form.validate_on_submit():

        def write():
            operations.log_session(pairing, _session_data(form), today=local_today(), actor=actor())

        if commit_or_show(form, write):
            flash(_("Session saved. Your mentee can now confirm it."), "success")
            return redirect(url_for("mentoring.mentee", mentee_id=mentee_id))
    return _mentee_page(mentee_id, form, INVALID)


@bp.route("/mentoring/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
@writes
def edit_session(session_id: int):
    """Correct a session within 7 days of logging it; afterwards it is locked."""
    require_role(current_user, Role.MENTOR)
    session = db.session.get(MentorSession, session_id)
    if session is None or not access.can_edit_session(current_user, session):
        abort(404)
    now = utcnow()
    if rules.is_locked(session.created_at, now):
        if request.method == "POST":
            refusal = operations.refuse_locked_edit(session, now=now, actor=actor())
            db.session.commit()
            abort(403, description=str(refusal.message))
        abort(403, description=str(operations.locked_message(session)))
    pairing = db.session.get_one(MentorPairing, session.pairing_id)
    form = SessionForm(obj=session if request.method == "GET" else None)
    if request.method == "GET":
        form.topic.data = session.topic.value
    if form.validate_on_submit():

        def write():
            operations.edit_session(
                session,
                pairing,
                _session_data(form),
                now=now,
                today=local_today(),
                actor=actor(),
            )

        if commit_or_show(form, write):
            flash(_("Session corrected."), "success")
            return redirect(url_for("mentoring.mentee", mentee_id=session.mentee_id))
    page = render(
        "mentoring/session_edit.html",
        session=session,
        form=form,
        locks_at=rules.editable_until(session.created_at),
    )
    return page, form_status(form)


# -- mentee --------------------------------------------------------------------------------------


def _my_mentoring(forms: dict | None = None, status: int = 200):
    worker = own_profile(current_user)
    sessions = queries.sessions_with_mentee(worker.user_id)
    forms = forms or {}
    confirm_forms = {
        s.id: forms.get(s.id) or ConfirmForm(prefix=f"s{s.id}", data={"reflection": s.reflection})
        for s, _name in sessions
    }
    page = render(
        "mentoring/mine.html",
        worker=worker,
        pairings=queries.mentee_pairings(worker.user_id),
        sessions=sessions,
        forms=confirm_forms,
        first_years=rules.in_first_three_years(worker.community_work_started_on, local_today()),
    )
    return page, status


@bp.get("/mentoring/mine")
@login_required
def my_mentoring():
    """Show a worker the sessions with them, to confirm and reflect on."""
    return _my_mentoring()


@bp.post("/mentoring/sessions/<int:session_id>/confirm")
@login_required
@writes
def confirm_session(session_id: int):
    """Confirm a session as its mentee ("确认"), with an optional short reflection."""
    worker = own_profile(current_user)
    session = db.session.get(MentorSession, session_id)
    if session is None or session.mentee_id != worker.user_id:
        abort(404)
    form = ConfirmForm(prefix=f"s{session.id}")
    if not form.validate_on_submit():
        return _my_mentoring({session.id: form}, INVALID)
    first = session.confirmed_at is None
    operations.confirm_session(
        session, reflection=form.reflection.data or "", now=utcnow(), actor=actor()
    )
    db.session.commit()
    flash(_("Session confirmed.") if first else _("Reflection saved."), "success")
    return redirect(url_for("mentoring.my_mentoring") + f"#session-{session.id}")


# -- growth plan ---------------------------------------------------------------------------------


def _growth_page(worker_id: int, forms: dict | None = None, status: int = 200):
    worker = _worker(worker_id)
    if worker is None:
        abort(404)
    pairings = [p for p, _name in queries.mentee_pairings(worker_id)]
    if not access.can_view_growth(current_user, worker, pairings):
        abort(404)
    today = local_today()
    items = queries.growth_items(worker_id)
    editable = access.can_edit_growth(current_user, worker, pairings)
    forms = forms or {}
    if editable:
        for kind in GrowthKind:
            if kind not in forms:
                item = items.get(kind)
                data = {"done_on": item.done_on, "evidence": item.evidence} if item else {}
                forms[kind] = GrowthItemForm(prefix=kind.value, data=data)
    page = render(
        "mentoring/growth.html",
        worker=worker,
        kinds=list(GrowthKind),
        items=items,
        forms=forms if editable else {},
        done=rules.growth_progress([i.done_on for i in items.values()]),
        first_years=rules.in_first_three_years(worker.community_work_started_on, today),
        plan_ends_on=rules.period_end(worker.community_work_started_on, rules.GROWTH_PLAN_MONTHS),
    )
    return page, status


@bp.get("/mentoring/growth/<int:worker_id>")
@login_required
def growth_plan(worker_id: int):
    """Show a worker's "四个一" growth plan; the worker and their mentor fill it in."""
    return _growth_page(worker_id)


@bp.post("/mentoring/growth/<int:worker_id>/<kind>")
@login_required
@writes
def save_growth_item(worker_id: int, kind: str):
    """Save the date and evidence of one of the "四个一"."""
    worker = _worker(worker_id)
    if worker is None or kind not in {k.value for k in GrowthKind}:
        abort(404)
    pairings = [p for p, _name in queries.mentee_pairings(worker_id)]
    if not access.can_view_growth(current_user, worker, pairings):
        abort(404)
    if not access.can_edit_growth(current_user, worker, pairings):
        abort(403)
    growth_kind = GrowthKind(kind)
    form = GrowthItemForm(prefix=kind)
    if form.validate_on_submit():

        def write():
            operations.save_growth_item(
                worker,
                growth_kind,
                done_on=form.done_on.data,
                evidence=form.evidence.data or "",
                today=local_today(),
                actor=actor(),
            )

        if commit_or_show(form, write):
            flash(_("Growth plan saved."), "success")
            return redirect(url_for("mentoring.growth_plan", worker_id=worker_id))
    return _growth_page(worker_id, {growth_kind: form}, INVALID)
