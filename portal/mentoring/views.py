"""传帮带 mentoring, the growth plan and 谈心日 talks: pages for each role.

Every view: load → check access → act → render. Role pages answer 403 to other roles;
a record the user may not see answers 404, like a missing one. Bad input is refused with
a message (422) and nothing is saved. Reading a talk note (by anyone but its worker)
writes an audit entry, so those views are marked ``@writes``.
"""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.database import writes
from portal.enums import ConcernArea, FollowUpStatus, GrowthKind, MentoringTopic, Role
from portal.extensions import db
from portal.mentoring import access, exports, operations, queries, rules
from portal.mentoring import labels as _labels  # noqa: F401 - registers the vocabulary labels
from portal.mentoring.forms import (
    ChangePairingForm,
    ConfirmForm,
    EndPairingForm,
    FollowUpStatusForm,
    GrowthItemForm,
    PairingForm,
    ResponsibilityForm,
    SessionForm,
    TalkForm,
    status_choices,
)
from portal.mentoring.models import MentorPairing, MentorSession
from portal.people.models import User, WorkerProfile
from portal.refusals import Refused
from portal.timeutil import local_today, utcnow
from portal.web.htmx import render
from portal.web.views import INVALID, actor, commit_or_show, form_status

bp = Blueprint("mentoring", __name__)


def _worker(worker_id: int) -> WorkerProfile | None:
    if current_user.id == worker_id and current_user.worker is not None:
        return current_user.worker  # loaded with the session user
    return queries.worker(worker_id)


def _own_profile() -> WorkerProfile:
    worker = current_user.worker
    if worker is None:
        abort(403)  # a worker page: users without a worker profile have none
    return worker


def _month_nav(month: date, today: date) -> dict:
    previous = rules.add_months(month, -1)
    following = rules.add_months(month, 1)
    return {
        "month": month,
        "previous": previous.strftime("%Y-%m"),
        "next": following.strftime("%Y-%m") if following <= today else None,
    }


# -- mentor ------------------------------------------------------------------------------------


@bp.get("/mentoring")
@login_required
def mentor_home():
    """Show a mentor's mentees with the date of the last session."""
    access.require_role(current_user, Role.MENTOR)
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
    access.require_role(current_user, Role.MENTOR)
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
    context = {
        "worker": worker,
        "pairing": current,
        "past": [p for p in mine if p.ends_on is not None],
        "form": form,
        "sessions": sessions,
        "editable": {s.id for s in sessions if not rules.is_locked(s.created_at, now)},
        "first_years": rules.in_first_three_years(worker.community_work_started_on, today),
    }
    return render("mentoring/mentee.html", **context), status


@bp.get("/mentoring/mentees/<int:mentee_id>")
@login_required
def mentee(mentee_id: int):
    """Show one mentee to their mentor, with the session form prefilled."""
    return _mentee_page(mentee_id, None)


def _session_data(form: SessionForm) -> operations.SessionData:
    return operations.SessionData(
        held_on=form.held_on.data,
        minutes=form.minutes.data,
        topic=MentoringTopic(form.topic.data),
        passed_on=form.passed_on.data or "",
        next_step=form.next_step.data or "",
    )


@bp.post("/mentoring/mentees/<int:mentee_id>/sessions")
@login_required
@writes
def log_session(mentee_id: int):
    """Log a session with a current mentee."""
    access.require_role(current_user, Role.MENTOR)
    pairing = queries.current_pairing_of(mentee_id)
    if not access.can_log_session(current_user, pairing):
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
    access.require_role(current_user, Role.MENTOR)
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
    pairing = db.session.get(MentorPairing, session.pairing_id)
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
    context = {
        "session": session,
        "form": form,
        "locks_at": rules.editable_until(session.created_at),
    }
    return render("mentoring/session_edit.html", **context), form_status(form)


# -- mentee --------------------------------------------------------------------------------------


def _my_mentoring(forms: dict | None = None, status: int = 200):
    worker = _own_profile()
    sessions = queries.sessions_with_mentee(worker.user_id)
    forms = forms or {}
    confirm_forms = {
        s.id: forms.get(s.id) or ConfirmForm(prefix=f"s{s.id}", data={"reflection": s.reflection})
        for s, _name in sessions
    }
    context = {
        "worker": worker,
        "pairings": queries.mentee_pairings(worker.user_id),
        "sessions": sessions,
        "forms": confirm_forms,
        "first_years": rules.in_first_three_years(worker.community_work_started_on, local_today()),
    }
    return render("mentoring/mine.html", **context), status


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
    worker = _own_profile()
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
    context = {
        "worker": worker,
        "kinds": list(GrowthKind),
        "items": items,
        "forms": forms if editable else {},
        "done": rules.growth_progress([i.done_on for i in items.values()]),
        "first_years": rules.in_first_three_years(worker.community_work_started_on, today),
        "plan_ends_on": rules.period_end(
            worker.community_work_started_on, rules.GROWTH_PLAN_MONTHS
        ),
    }
    return render("mentoring/growth.html", **context), status


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


# -- talk leader ---------------------------------------------------------------------------------


@bp.get("/talks")
@login_required
def talks_home():
    """Show a talk leader this month's workers and who has had no talk yet."""
    access.require_role(current_user, Role.TALK_LEADER)
    today = local_today()
    month = rules.parse_month(request.args.get("month"), today)
    team = queries.leader_team(current_user.id, month, today)
    coverage = rules.coverage([r.worker_id for r in team], [r.worker_id for r in team if r.talked])
    context = {
        "to_do": [row for row in team if not row.talked],
        "done": [row for row in team if row.talked],
        "coverage": coverage,
        "talks": queries.leader_talks_in_month(current_user.id, month),
        **_month_nav(month, today),
    }
    return render("mentoring/talks_home.html", **context)


NOT_RESPONSIBLE = "This worker is not among the workers you are responsible for."


def _talk_worker(worker_id: str | None) -> tuple[WorkerProfile | None, set[int]]:
    communities = queries.leader_communities(current_user.id)
    valid = worker_id and worker_id.isdigit() and len(worker_id) <= 9  # fits any integer column
    worker = _worker(int(worker_id)) if valid else None
    if worker is None or not access.can_talk_with(current_user, worker, communities):
        return None, communities
    return worker, communities


def _audit_carried(carried: list[queries.CarriedItem]) -> None:
    """Audit a read of each earlier talk whose follow-ups are shown (they are part of its note)."""
    talks = {item.follow_up.talk_id: item.follow_up.talk for item in carried}
    for talk_id in sorted(talks):
        operations.record_talk_read(talks[talk_id], actor=actor(), via="carry_over")


@bp.route("/talks/new", methods=["GET", "POST"])
@login_required
@writes
def new_talk():
    """Record a one-on-one talk; the worker's open follow-ups carry over and can be updated."""
    access.require_role(current_user, Role.TALK_LEADER)
    posted = request.method == "POST"
    worker_id = request.form.get("worker") if posted else request.args.get("worker")
    worker, communities = _talk_worker(worker_id)
    if worker is None:
        abort(404, description=_(NOT_RESPONSIBLE))
    today = local_today()
    form = TalkForm(data={"worker": worker.user_id, "held_on": today})
    carried = queries.carried_over(worker.user_id, today)
    carried_errors: list[str] = []
    failed = posted
    if form.validate_on_submit():
        updates = _carried_updates(carried, carried_errors)
        follow_ups = _follow_up_rows(form)
        if not carried_errors and follow_ups is not None:

            def write():
                operations.hold_talk(
                    worker,
                    _talk_data(form, follow_ups),
                    communities=communities,
                    carried=updates,
                    today=today,
                    now=utcnow(),
                    actor=actor(),
                )

            if commit_or_show(form, write):
                flash(_("Talk saved."), "success")
                month = form.held_on.data.strftime("%Y-%m")
                return redirect(url_for("mentoring.talks_home", month=month))
    context = {
        "worker": worker,
        "form": form,
        "carried": carried,
        "carried_errors": carried_errors,
        "statuses": status_choices(),
        "chosen": {k: v for k, v in request.form.items() if k.startswith("carry-")},
        "more_rows_open": any(
            entry.form.errors or entry.form.item.data for entry in form.follow_ups.entries[1:]
        ),
    }
    page = render("mentoring/talk_new.html", **context)
    # Audited after rendering: committing first would expire what the page shows.
    _audit_carried(carried)
    db.session.commit()
    return page, INVALID if failed else 200


def _talk_data(form: TalkForm, follow_ups: list[operations.FollowUpData]) -> operations.TalkData:
    return operations.TalkData(
        held_on=form.held_on.data,
        concerns=[ConcernArea(c) for c in form.concerns.data or []],
        notes=form.notes.data or "",
        help_promised=form.help_promised.data or "",
        follow_ups=follow_ups,
    )


def _carried_updates(carried, errors: list[str]) -> dict[int, FollowUpStatus]:
    updates: dict[int, FollowUpStatus] = {}
    for item in carried:
        value = request.form.get(f"carry-{item.follow_up.id}", FollowUpStatus.OPEN.value)
        try:
            updates[item.follow_up.id] = FollowUpStatus(value)
        except ValueError:
            errors.append(_("Choose a status."))
    return updates


def _follow_up_rows(form: TalkForm) -> list[operations.FollowUpData] | None:
    rows: list[operations.FollowUpData] = []
    ok = True
    for entry in form.follow_ups:
        row = entry.form
        item, owner, due_on = row.item.data or "", row.owner.data or "", row.due_on.data
        problem = rules.follow_up_row_problem(item, owner, due_on, form.held_on.data)
        if problem == "incomplete":
            row.item.errors = [*row.item.errors, _("Give the follow-up, its owner and a due date.")]
            ok = False
        elif problem == "due_before_talk":
            row.due_on.errors = [
                *row.due_on.errors,
                _("A follow-up cannot be due before the talk."),
            ]
            ok = False
        elif item.strip():
            rows.append(operations.FollowUpData(item=item, owner=owner, due_on=due_on))
    if not ok:
        form.form_errors.append(_("Please correct the marked fields."))
    return rows if ok else None


def _overdue_ids(talks, today: date) -> set[int]:
    return {f.id for t in talks for f in t.follow_ups if rules.is_overdue(f, today)}


def _talk_back_url(the_talk) -> str:
    if current_user.id == the_talk.worker_id:
        return url_for("mentoring.my_talks")
    if current_user.id == the_talk.leader_id:
        return url_for("mentoring.talks_home", month=the_talk.held_on.strftime("%Y-%m"))
    return url_for("mentoring.admin", month=the_talk.held_on.strftime("%Y-%m"))


@bp.get("/talks/<int:talk_id>")
@login_required
@writes
def talk(talk_id: int):
    """Show a talk note to its leader, its worker or their street admin (audited)."""
    found = queries.talk(talk_id)
    worker = _worker(found[0].worker_id) if found else None
    if worker is None or not access.can_read_talk(
        current_user, found[0], worker.community.street_id
    ):
        abort(404)
    the_talk, leader_name = found
    communities = (
        queries.leader_communities(current_user.id)
        if current_user.has_role(Role.TALK_LEADER)
        else set()
    )
    forms = {
        f.id: FollowUpStatusForm(prefix=f"f{f.id}", data={"status": f.status.value})
        for f in the_talk.follow_ups
        if access.can_update_follow_up(current_user, f, worker, communities)
    }
    context = {
        "talk": the_talk,
        "leader_name": leader_name,
        "worker": worker,
        "forms": forms,
        "overdue_ids": _overdue_ids([the_talk], local_today()),
        "back_url": _talk_back_url(the_talk),
    }
    page = render("mentoring/talk.html", **context)
    if access.read_is_audited(current_user, the_talk):
        operations.record_talk_read(the_talk, actor=actor(), via="talk")
        db.session.commit()
    return page


@bp.post("/talks/follow-ups/<int:follow_up_id>")
@login_required
@writes
def update_follow_up(follow_up_id: int):
    """Change a follow-up's status (its leader, a responsible leader, or the street admin)."""
    follow_up = queries.follow_up(follow_up_id)
    worker = _worker(follow_up.worker_id) if follow_up else None
    communities = (
        queries.leader_communities(current_user.id)
        if current_user.has_role(Role.TALK_LEADER)
        else set()
    )
    if worker is None or not access.can_update_follow_up(
        current_user, follow_up, worker, communities
    ):
        abort(404)
    form = FollowUpStatusForm(prefix=f"f{follow_up.id}")
    if not form.validate_on_submit():
        abort(
            INVALID,
            description=" ".join(str(e) for e in form.status.errors) or _("Choose a status."),
        )
    operations.update_follow_up(
        follow_up, FollowUpStatus(form.status.data), now=utcnow(), actor=actor()
    )
    db.session.commit()
    flash(_("Follow-up updated."), "success")
    can_read = access.can_read_talk(current_user, follow_up.talk, worker.community.street_id)
    if can_read:
        return redirect(url_for("mentoring.talk", talk_id=follow_up.talk_id))
    return redirect(url_for("mentoring.talks_home"))


@bp.get("/talks/mine")
@login_required
def my_talks():
    """Show a worker their own talks and the status of the follow-ups."""
    worker = _own_profile()
    talks = queries.talks_of_worker(worker.user_id)
    overdue_ids = _overdue_ids([t for t, _name in talks], local_today())
    return render("mentoring/my_talks.html", talks=talks, overdue_ids=overdue_ids)


# -- street admin ----------------------------------------------------------------------------


@bp.get("/street/mentoring")
@login_required
def admin():
    """Show the street admin's pairings, new entrants awaiting a mentor, and coverage."""
    street_id = access.admin_street_id(current_user)
    today = local_today()
    month = rules.parse_month(request.args.get("month"), today)
    report = queries.street_report(street_id, month, today)
    return render("mentoring/admin.html", report=report, **_month_nav(month, today))


@bp.get("/street/mentoring/coverage.xlsx")
@login_required
def export_coverage():
    """Download the month's coverage, quiet pairings and overdue follow-ups as .xlsx."""
    street_id = access.admin_street_id(current_user)
    today = local_today()
    month = rules.parse_month(request.args.get("month"), today)
    report = queries.street_report(street_id, month, today)
    talks = queries.street_talks_in_month(street_id, month)
    data = exports.coverage_workbook(report, talks)
    return send_file(
        io.BytesIO(data),
        mimetype=exports.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=exports.download_name(month),
    )


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
    street_id = access.admin_street_id(current_user)
    form = _pairing_form(street_id)
    if form.validate_on_submit():
        mentor = db.session.get(User, form.mentor.data)
        mentee = queries.worker(form.mentee.data)

        def write():
            operations.pair(
                mentor,
                mentee,
                starts_on=form.starts_on.data,
                goals=form.goals.data or "",
                street_id=street_id,
                today=local_today(),
                actor=actor(),
            )

        if commit_or_show(form, write):
            flash(_("Pairing saved."), "success")
            return redirect(url_for("mentoring.admin"))
    return render("mentoring/pairing_new.html", form=form), form_status(form)


def _street_pairing(pairing_id: int) -> tuple[int, MentorPairing, WorkerProfile]:
    street_id = access.admin_street_id(current_user)
    found = queries.pairing_with_mentee(pairing_id)
    if found is None or found[1].community.street_id != street_id:
        abort(404)
    return street_id, found[0], found[1]


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
    _street_id, the_pairing, mentee = _street_pairing(pairing_id)
    if the_pairing.ends_on is not None:
        abort(409, description=_("This pairing has already ended."))
    form = EndPairingForm(data={"ends_on": local_today()})
    if form.validate_on_submit():

        def write():
            operations.end_pairing(
                the_pairing,
                ends_on=form.ends_on.data,
                reason=form.reason.data or "",
                today=local_today(),
                actor=actor(),
            )

        if commit_or_show(form, write):
            flash(_("Pairing ended."), "success")
            return redirect(url_for("mentoring.admin"))
    context = {"form": form, "pairing": the_pairing, "mentee": mentee}
    return render("mentoring/pairing_end.html", **context), form_status(form)


@bp.route("/street/mentoring/pairings/<int:pairing_id>/change", methods=["GET", "POST"])
@login_required
@writes
def change_pairing(pairing_id: int):
    """Change a mentee's mentor: the current pairing ends, a new one starts."""
    street_id, the_pairing, mentee = _street_pairing(pairing_id)
    if the_pairing.ends_on is not None:
        abort(409, description=_("This pairing has already ended."))
    mentors = [m for m in queries.street_mentors(street_id) if m.id != the_pairing.mentor_id]
    form = ChangePairingForm(
        mentors=mentors, data={"changed_on": local_today(), "goals": the_pairing.goals}
    )
    if form.validate_on_submit():

        def write():
            try:
                operations.change_pairing(
                    the_pairing,
                    mentee,
                    db.session.get(User, form.mentor.data),
                    on=form.changed_on.data,
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
            return redirect(url_for("mentoring.admin"))
    context = {"form": form, "pairing": the_pairing, "mentee": mentee}
    return render("mentoring/pairing_change.html", **context), form_status(form)


@bp.route("/street/mentoring/talk-leaders", methods=["GET", "POST"])
@login_required
@writes
def responsibilities():
    """Choose the communities each talk leader holds the monthly talks in."""
    street_id = access.admin_street_id(current_user)
    leaders = queries.street_talk_leaders(street_id)
    communities = queries.street_communities(street_id)
    rows = queries.responsibilities_in_street(street_id)
    chosen_leader = request.args.get("leader", type=int)
    if chosen_leader not in {leader.id for leader in leaders}:
        chosen_leader = leaders[0].id if leaders else None
    held = {(r.leader_id, r.community_id) for r in rows}
    form = ResponsibilityForm(
        leaders=leaders,
        communities=communities,
        data={
            "leader": chosen_leader,
            "communities": [c.id for c in communities if (chosen_leader, c.id) in held],
        },
    )
    if form.validate_on_submit():
        leader = next(u for u in leaders if u.id == form.leader.data)

        def write():
            operations.set_responsibilities(
                leader, set(form.communities.data or []), street_id=street_id, actor=actor()
            )

        if commit_or_show(form, write):
            flash(_("Talk responsibilities saved."), "success")
            return redirect(url_for("mentoring.responsibilities", leader=leader.id))
    by_leader = {
        leader.id: [c.name for c in communities if (leader.id, c.id) in held] for leader in leaders
    }
    context = {
        "form": form,
        "leaders": leaders,
        "by_leader": by_leader,
        "chosen": next(
            (u for u in leaders if u.id == form.leader.data),
            next((u for u in leaders if u.id == chosen_leader), None),
        ),
    }
    return render("mentoring/responsibilities.html", **context), form_status(form)
