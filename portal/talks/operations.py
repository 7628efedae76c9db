"""Writes for 谈心日 talks, follow-ups and talk responsibilities: flush, never commit.

Each operation takes the acting user (``actor=``), checks the invariants it relies on
(whatever the form did) and raises ``Refused`` with a message and the form field it
belongs to; nothing is written then. Changes and reads of talk notes are audited here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.operations import record
from portal.enums import ConcernArea, FollowUpStatus, Role
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import User, WorkerProfile
from portal.refusals import Refused
from portal.talks import rules
from portal.talks.models import Talk, TalkFollowUp, TalkResponsibility
from portal.timeutil import is_future

FUTURE = _l("The date cannot be in the future.")


@dataclass(frozen=True)
class FollowUpData:
    """A follow-up promised in a talk."""

    item: str
    owner: str
    due_on: date


@dataclass(frozen=True)
class TalkData:
    """What a talk leader enters for a talk."""

    held_on: date
    concerns: Sequence[ConcernArea]
    notes: str
    help_promised: str
    follow_ups: Sequence[FollowUpData]


def hold_talk(
    worker: WorkerProfile,
    data: TalkData,
    *,
    communities: set[int],
    carried: Mapping[int, FollowUpStatus],
    today: date,
    now: datetime,
    actor: User,
) -> Talk:
    """Record a one-on-one talk, its follow-ups, and updates to the worker's open ones."""
    if not (
        actor.has_role(Role.TALK_LEADER)
        and worker.community_id in communities
        and rules.in_talk_population(worker.status)
        and worker.user_id != actor.id
    ):
        raise Refused(_l("This worker is not among the workers you are responsible for."), "worker")
    if is_future(data.held_on, today):
        raise Refused(FUTURE, "held_on")
    if not data.notes.strip():
        raise Refused(_l("Write down what was said."), "notes")
    for follow_up in data.follow_ups:
        if follow_up.due_on < data.held_on:
            raise Refused(_l("A follow-up cannot be due before the talk."), "follow_ups")
    open_items = {}
    if carried:
        open_items = {
            f.id: f
            for f in db.session.scalars(
                sa.select(TalkFollowUp).where(
                    TalkFollowUp.worker_id == worker.user_id,
                    TalkFollowUp.status == FollowUpStatus.OPEN,
                    TalkFollowUp.id.in_(list(carried)),
                )
            )
        }
        if set(carried) - set(open_items):
            raise Refused(_l("A follow-up shown was changed meanwhile; please reload the page."))
    talk = Talk(
        leader_id=actor.id,
        worker_id=worker.user_id,
        held_on=data.held_on,
        concerns=[str(c) for c in data.concerns],
        notes=data.notes.strip(),
        help_promised=data.help_promised.strip(),
    )
    for follow_up in data.follow_ups:
        talk.follow_ups.append(
            TalkFollowUp(
                worker_id=worker.user_id,
                item=follow_up.item.strip(),
                owner=follow_up.owner.strip(),
                due_on=follow_up.due_on,
            )
        )
    db.session.add(talk)
    db.session.flush()
    record(
        "talk_held", talk, actor=actor, worker_id=worker.user_id, follow_ups=len(data.follow_ups)
    )
    for follow_up_id, status in carried.items():
        if status != FollowUpStatus.OPEN:
            update_follow_up(open_items[follow_up_id], status, now=now, actor=actor)
    return talk


def update_follow_up(
    follow_up: TalkFollowUp, status: FollowUpStatus, *, now: datetime, actor: User
) -> TalkFollowUp:
    """Set a follow-up's status; done ones remember when."""
    if follow_up.status == status:
        return follow_up
    old = follow_up.status
    follow_up.status = status
    follow_up.done_at = now if status == FollowUpStatus.DONE else None
    db.session.flush()
    record(
        "talk_follow_up_updated",
        follow_up,
        actor=actor,
        talk_id=follow_up.talk_id,
        status=[str(old), str(status)],
    )
    return follow_up


def record_talk_read(talk: Talk, *, actor: User, via: str) -> None:
    """Write a read of a talk note by someone other than its worker to the audit log."""
    record("talk_note_read", talk, actor=actor, worker_id=talk.worker_id, via=via)


def set_responsibilities(
    leader: User, community_ids: set[int], *, street_id: int, actor: User
) -> None:
    """Make a talk leader responsible for exactly these communities of the street."""
    if not (leader.has_role(Role.TALK_LEADER) and leader.street_id == street_id):
        raise Refused(_l("Choose a talk leader of your street."), "leader")
    street_communities = set(
        db.session.scalars(sa.select(Community.id).where(Community.street_id == street_id))
    )
    if not community_ids <= street_communities:
        raise Refused(_l("Choose communities of your street."), "communities")
    rows = db.session.scalars(
        sa.select(TalkResponsibility).where(
            TalkResponsibility.leader_id == leader.id,
            TalkResponsibility.community_id.in_(street_communities),
        )
    ).all()
    have = {row.community_id for row in rows}
    for row in rows:
        if row.community_id not in community_ids:
            db.session.delete(row)
    for community_id in sorted(community_ids - have):
        db.session.add(TalkResponsibility(leader_id=leader.id, community_id=community_id))
    db.session.flush()
    record(
        "talk_responsibilities_set",
        leader,
        actor=actor,
        communities=sorted(community_ids),
    )
