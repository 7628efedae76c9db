"""谈心日 one-on-one talks: pages for the talk leader, the worker and the street admin.

Every view: load → check access → act → render. Role pages answer 403 to other roles;
a talk the user may not see answers 404, like a missing one. Bad input is refused with
a message (422) and nothing is saved. Reading a talk note (by anyone but its worker)
writes an audit entry, so those views are marked ``@writes``.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.database import writes
from portal.enums import ConcernArea, FollowUpStatus, Role
from portal.extensions import db
from portal.people import queries as people_queries
from portal.people.access import admin_street_id, own_profile, require_role
from portal.people.models import WorkerProfile
from portal.talks import access, operations, queries, rules
from portal.talks.forms import FollowUpStatusForm, ResponsibilityForm, TalkForm, status_choices
from portal.timeutil import local_today, month_nav, parse_month, utcnow
from portal.web.htmx import render
from portal.web.views import INVALID, actor, commit_or_show, form_status

bp = Blueprint("talks", __name__)


def _worker(worker_id: int) -> WorkerProfile | None:
    return people_queries.worker_with_user(worker_id, session_user=current_user)


def _worker_or_404(worker_id: int) -> WorkerProfile:
    return _worker(worker_id) or abort(404)


# -- talk leader ---------------------------------------------------------------------------------


@bp.get("/talks")
@login_required
def talks_home():
    """Show a talk leader this month's workers and who has had no talk yet."""
    require_role(current_user, Role.TALK_LEADER)
    today = local_today()
    month = parse_month(request.args.get("month"), today)
    team = queries.leader_team(current_user.id, month, today)
    coverage = rules.coverage([r.worker_id for r in team], [r.worker_id for r in team if r.talked])
    return render(
        "talks/talks_home.html",
        to_do=[row for row in team if not row.talked],
        done=[row for row in team if row.talked],
        coverage=coverage,
        talks=queries.leader_talks_in_month(current_user.id, month),
        **month_nav(month, today),
    )


def _my_communities() -> set[int]:
    """Return the communities the signed-in talk leader holds the talks in (none if not one)."""
    if current_user.has_role(Role.TALK_LEADER):
        return queries.leader_communities(current_user.id)
    return set()


NOT_RESPONSIBLE = "This worker is not among the workers you are responsible for."


def _talk_worker(worker_id: str | None) -> tuple[WorkerProfile | None, set[int]]:
    communities = queries.leader_communities(current_user.id)
    worker = None
    if worker_id and worker_id.isdigit() and len(worker_id) <= 9:  # fits any integer column
        worker = _worker(int(worker_id))
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
    require_role(current_user, Role.TALK_LEADER)
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
    held_on = form.held_on.data
    if form.validate_on_submit() and held_on is not None:  # required: a valid form has it
        updates = _carried_updates(carried, carried_errors)
        follow_ups = _follow_up_rows(form)
        if not carried_errors and follow_ups is not None:

            def write() -> None:
                operations.hold_talk(
                    worker,
                    _talk_data(form, held_on, follow_ups),
                    communities=communities,
                    carried=updates,
                    today=today,
                    now=utcnow(),
                    actor=actor(),
                )

            if commit_or_show(form, write):
                flash(_("Talk saved."), "success")
                month = held_on.strftime("%Y-%m")
                return redirect(url_for("talks.talks_home", month=month))
    page = render(
        "talks/talk_new.html",
        worker=worker,
        form=form,
        carried=carried,
        carried_errors=carried_errors,
        statuses=status_choices(),
        chosen={k: v for k, v in request.form.items() if k.startswith("carry-")},
        more_rows_open=any(
            entry.form.errors or entry.form.item.data for entry in form.follow_ups.entries[1:]
        ),
    )
    # Audited after rendering: committing first would expire what the page shows.
    _audit_carried(carried)
    db.session.commit()
    return page, INVALID if failed else 200


def _talk_data(
    form: TalkForm, held_on: date, follow_ups: list[operations.FollowUpData]
) -> operations.TalkData:
    return operations.TalkData(
        held_on=held_on,
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
        elif item.strip() and due_on is not None:  # a complete row has its due date
            rows.append(operations.FollowUpData(item=item, owner=owner, due_on=due_on))
    if not ok:
        form.form_errors.append(_("Please correct the marked fields."))
    return rows if ok else None


def _overdue_ids(talks, today: date) -> set[int]:
    return {f.id for t in talks for f in t.follow_ups if rules.is_overdue(f, today)}


def _talk_back_url(the_talk) -> str:
    if current_user.id == the_talk.worker_id:
        return url_for("talks.my_talks")
    if current_user.id == the_talk.leader_id:
        return url_for("talks.talks_home", month=the_talk.held_on.strftime("%Y-%m"))
    return url_for("street_mentoring.admin", month=the_talk.held_on.strftime("%Y-%m"))


@bp.get("/talks/<int:talk_id>")
@login_required
@writes
def talk(talk_id: int):
    """Show a talk note to its leader, its worker or their street admin (audited)."""
    the_talk, leader_name = queries.talk(talk_id) or abort(404)
    worker = _worker_or_404(the_talk.worker_id)
    if not access.can_read_talk(current_user, the_talk, worker.community.street_id):
        abort(404)
    communities = _my_communities()
    forms = {
        f.id: FollowUpStatusForm(prefix=f"f{f.id}", data={"status": f.status.value})
        for f in the_talk.follow_ups
        if access.can_update_follow_up(current_user, f, worker, communities)
    }
    page = render(
        "talks/talk.html",
        talk=the_talk,
        leader_name=leader_name,
        worker=worker,
        forms=forms,
        overdue_ids=_overdue_ids([the_talk], local_today()),
        back_url=_talk_back_url(the_talk),
    )
    if access.read_is_audited(current_user, the_talk):
        operations.record_talk_read(the_talk, actor=actor(), via="talk")
        db.session.commit()
    return page


@bp.post("/talks/follow-ups/<int:follow_up_id>")
@login_required
@writes
def update_follow_up(follow_up_id: int):
    """Change a follow-up's status (its leader, a responsible leader, or the street admin)."""
    follow_up = queries.follow_up(follow_up_id) or abort(404)
    worker = _worker_or_404(follow_up.worker_id)
    if not access.can_update_follow_up(current_user, follow_up, worker, _my_communities()):
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
        return redirect(url_for("talks.talk", talk_id=follow_up.talk_id))
    return redirect(url_for("talks.talks_home"))


@bp.get("/talks/mine")
@login_required
def my_talks():
    """Show a worker their own talks and the status of the follow-ups."""
    worker = own_profile(current_user)
    talks = queries.talks_of_worker(worker.user_id)
    overdue_ids = _overdue_ids([t for t, _name in talks], local_today())
    return render("talks/my_talks.html", talks=talks, overdue_ids=overdue_ids)


# -- street admin ----------------------------------------------------------------------------


@bp.route("/street/mentoring/talk-leaders", methods=["GET", "POST"])
@login_required
@writes
def responsibilities():
    """Choose the communities each talk leader holds the monthly talks in."""
    street_id = admin_street_id(current_user)
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
            return redirect(url_for("talks.responsibilities", leader=leader.id))
    by_leader = {
        leader.id: [c.name for c in communities if (leader.id, c.id) in held] for leader in leaders
    }
    chosen = next(
        (u for u in leaders if u.id == form.leader.data),
        next((u for u in leaders if u.id == chosen_leader), None),
    )
    page = render(
        "talks/responsibilities.html",
        form=form,
        leaders=leaders,
        by_leader=by_leader,
        chosen=chosen,
    )
    return page, form_status(form)
