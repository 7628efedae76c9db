"""Reads for 谈心日 talks: prebuilt statements with bind parameters.

Every page is a handful of statements whatever the number of rows: lists come with the
names they show (joined) and their counts (aggregated in a subquery), never per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from portal.enums import FollowUpStatus, Role, WorkerStatus
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import User, UserRole, WorkerProfile
from portal.talks import rules
from portal.talks.models import Talk, TalkFollowUp, TalkResponsibility
from portal.timeutil import month_bounds

_TALK_STATUSES = sorted(rules.TALK_STATUSES)

Mentee = aliased(User, name="mentee")
Leader = aliased(User, name="leader")


# -- rows the pages show -----------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRow:
    """A worker a talk leader (or the street) talks with, and this month's talks."""

    worker_id: int
    name: str
    community: str
    status: WorkerStatus
    talks_this_month: int
    last_talk_on: date | None
    open_follow_ups: int
    overdue_follow_ups: int

    @property
    def talked(self) -> bool:
        """Return whether the worker had at least one talk this month."""
        return self.talks_this_month > 0


@dataclass(frozen=True)
class OverdueRow:
    """An overdue follow-up: who, owner, due date and the talk it came from (no note text)."""

    follow_up_id: int
    talk_id: int
    talk_on: date
    worker_name: str
    leader_name: str
    owner: str
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class CarriedItem:
    """An open follow-up shown on the next talk's screen."""

    follow_up: TalkFollowUp
    talk_on: date
    leader_name: str
    overdue: bool


# -- statements --------------------------------------------------------------------------------

STREET_TALK_LEADERS = (
    sa.select(User)
    .join(UserRole, UserRole.user_id == User.id)
    .where(
        UserRole.role == Role.TALK_LEADER,
        User.street_id == sa.bindparam("street_id"),
        User.is_enabled.is_(True),
    )
    .order_by(User.name)
)
STREET_COMMUNITIES = (
    sa.select(Community)
    .where(Community.street_id == sa.bindparam("street_id"))
    .order_by(Community.name)
)
RESPONSIBILITIES_IN_STREET = (
    sa.select(TalkResponsibility)
    .join(Community, Community.id == TalkResponsibility.community_id)
    .where(Community.street_id == sa.bindparam("street_id"))
)

LEADER_COMMUNITIES = sa.select(TalkResponsibility.community_id).where(
    TalkResponsibility.leader_id == sa.bindparam("leader_id")
)

_MONTH_TALKS = (
    sa.select(
        Talk.worker_id.label("worker_id"),
        sa.func.count(Talk.id).label("talks"),
        sa.func.max(Talk.held_on).label("last_on"),
    )
    .where(Talk.held_on >= sa.bindparam("first"), Talk.held_on <= sa.bindparam("last"))
    .group_by(Talk.worker_id)
    .subquery("month_talks")
)
_OPEN_FOLLOW_UPS = (
    sa.select(
        TalkFollowUp.worker_id.label("worker_id"),
        sa.func.count(TalkFollowUp.id).label("open"),
        sa.func.sum(sa.case((TalkFollowUp.due_on < sa.bindparam("today"), 1), else_=0)).label(
            "overdue"
        ),
    )
    .where(TalkFollowUp.status == FollowUpStatus.OPEN)
    .group_by(TalkFollowUp.worker_id)
    .subquery("open_follow_ups")
)


def _team_rows(where: sa.ColumnElement[bool]) -> sa.Select:
    return (
        sa.select(
            WorkerProfile.user_id,
            User.name,
            Community.name,
            WorkerProfile.status,
            sa.func.coalesce(_MONTH_TALKS.c.talks, 0),
            _MONTH_TALKS.c.last_on,
            sa.func.coalesce(_OPEN_FOLLOW_UPS.c.open, 0),
            sa.func.coalesce(_OPEN_FOLLOW_UPS.c.overdue, 0),
        )
        .join(User, User.id == WorkerProfile.user_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .outerjoin(_MONTH_TALKS, _MONTH_TALKS.c.worker_id == WorkerProfile.user_id)
        .outerjoin(_OPEN_FOLLOW_UPS, _OPEN_FOLLOW_UPS.c.worker_id == WorkerProfile.user_id)
        .where(where, WorkerProfile.status.in_(_TALK_STATUSES))
        .order_by(Community.name, User.name)
    )


LEADER_TEAM = _team_rows(
    sa.and_(
        WorkerProfile.community_id.in_(LEADER_COMMUNITIES),
        WorkerProfile.user_id != sa.bindparam("leader_id"),
    )
)
STREET_TEAM = _team_rows(Community.street_id == sa.bindparam("street_id"))

STREET_OVERDUE = (
    sa.select(
        TalkFollowUp.id,
        Talk.id,
        Talk.held_on,
        Mentee.name,
        Leader.name,
        TalkFollowUp.owner,
        TalkFollowUp.due_on,
    )
    .join(Talk, Talk.id == TalkFollowUp.talk_id)
    .join(WorkerProfile, WorkerProfile.user_id == TalkFollowUp.worker_id)
    .join(Mentee, Mentee.id == WorkerProfile.user_id)
    .join(Leader, Leader.id == Talk.leader_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(
        Community.street_id == sa.bindparam("street_id"),
        TalkFollowUp.status == FollowUpStatus.OPEN,
        TalkFollowUp.due_on < sa.bindparam("today"),
    )
    .order_by(TalkFollowUp.due_on, TalkFollowUp.id)
)

OPEN_FOLLOW_UPS_OF_WORKER = (
    sa.select(TalkFollowUp, Leader.name)
    .join(TalkFollowUp.talk)
    .join(Leader, Leader.id == Talk.leader_id)
    .options(contains_eager(TalkFollowUp.talk))
    .where(
        TalkFollowUp.worker_id == sa.bindparam("worker_id"),
        TalkFollowUp.status == FollowUpStatus.OPEN,
    )
)
FOLLOW_UP = (
    sa.select(TalkFollowUp)
    .options(joinedload(TalkFollowUp.talk))
    .where(TalkFollowUp.id == sa.bindparam("follow_up_id"))
)
TALK = (
    sa.select(Talk, Leader.name)
    .join(Leader, Leader.id == Talk.leader_id)
    .options(selectinload(Talk.follow_ups))
    .where(Talk.id == sa.bindparam("talk_id"))
)
TALKS_OF_WORKER = (
    sa.select(Talk, Leader.name)
    .join(Leader, Leader.id == Talk.leader_id)
    .options(selectinload(Talk.follow_ups))
    .where(Talk.worker_id == sa.bindparam("worker_id"))
    .order_by(Talk.held_on.desc(), Talk.id.desc())
)
TALKS_OF_LEADER_IN_MONTH = (
    sa.select(Talk, Mentee.name)
    .join(Mentee, Mentee.id == Talk.worker_id)
    .where(
        Talk.leader_id == sa.bindparam("leader_id"),
        Talk.held_on >= sa.bindparam("first"),
        Talk.held_on <= sa.bindparam("last"),
    )
    .order_by(Talk.held_on.desc(), Talk.id.desc())
)
STREET_TALKS_IN_MONTH = (
    sa.select(Talk.id, Talk.worker_id, Talk.held_on, Leader.name)
    .join(Leader, Leader.id == Talk.leader_id)
    .join(WorkerProfile, WorkerProfile.user_id == Talk.worker_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(
        Community.street_id == sa.bindparam("street_id"),
        Talk.held_on >= sa.bindparam("first"),
        Talk.held_on <= sa.bindparam("last"),
    )
    .order_by(Talk.held_on, Talk.id)
)


# -- functions the views call ------------------------------------------------------------------


def street_talk_leaders(street_id: int) -> list[User]:
    """Return the enabled talk leaders of a street (one query)."""
    return list(db.session.scalars(STREET_TALK_LEADERS, {"street_id": street_id}))


def street_communities(street_id: int) -> list[Community]:
    """Return the communities of a street (one query)."""
    return list(db.session.scalars(STREET_COMMUNITIES, {"street_id": street_id}))


def responsibilities_in_street(street_id: int) -> list[TalkResponsibility]:
    """Return who is responsible for which community of a street (one query)."""
    return list(db.session.scalars(RESPONSIBILITIES_IN_STREET, {"street_id": street_id}))


def leader_communities(leader_id: int) -> set[int]:
    """Return the communities a talk leader is responsible for (one query)."""
    return set(db.session.scalars(LEADER_COMMUNITIES, {"leader_id": leader_id}))


def _team(statement: sa.Select, params: dict) -> list[TeamRow]:
    return [TeamRow(*row) for row in db.session.execute(statement, params)]


def leader_team(leader_id: int, month: date, today: date) -> list[TeamRow]:
    """Return the workers a leader is responsible for, with this month's talks (one query)."""
    first, last = month_bounds(month)
    params = {"leader_id": leader_id, "first": first, "last": last, "today": today}
    return _team(LEADER_TEAM, params)


def leader_talks_in_month(leader_id: int, month: date) -> list[tuple[Talk, str]]:
    """Return the talks a leader held in a month with the worker's name (one query)."""
    first, last = month_bounds(month)
    params = {"leader_id": leader_id, "first": first, "last": last}
    return [tuple(row) for row in db.session.execute(TALKS_OF_LEADER_IN_MONTH, params)]


def carried_over(worker_id: int, today: date) -> list[CarriedItem]:
    """Return a worker's open follow-ups for the next talk's screen, overdue first (one query)."""
    rows = db.session.execute(OPEN_FOLLOW_UPS_OF_WORKER, {"worker_id": worker_id}).all()
    leader_of = {follow_up.id: leader for follow_up, leader in rows}
    ordered = rules.carried_over([follow_up for follow_up, _ in rows], today)
    return [
        CarriedItem(f, f.talk.held_on, leader_of[f.id], rules.is_overdue(f, today)) for f in ordered
    ]


def follow_up(follow_up_id: int) -> TalkFollowUp | None:
    """Return a follow-up with its talk (one query)."""
    return db.session.scalar(FOLLOW_UP, {"follow_up_id": follow_up_id})


def talk(talk_id: int) -> tuple[Talk, str] | None:
    """Return a talk with its follow-ups and the leader's name (two queries)."""
    row = db.session.execute(TALK, {"talk_id": talk_id}).first()
    return (row[0], row[1]) if row else None


def talks_of_worker(worker_id: int) -> list[tuple[Talk, str]]:
    """Return a worker's talks, newest first, with follow-ups and leader names (two queries)."""
    return [tuple(row) for row in db.session.execute(TALKS_OF_WORKER, {"worker_id": worker_id})]


def street_talks_in_month(street_id: int, month: date) -> list[tuple[int, int, date, str]]:
    """Return (talk id, worker id, date, leader) of a street's talks in a month (one query)."""
    first, last = month_bounds(month)
    params = {"street_id": street_id, "first": first, "last": last}
    return [tuple(row) for row in db.session.execute(STREET_TALKS_IN_MONTH, params)]


def street_team(street_id: int, month: date, today: date) -> list[TeamRow]:
    """Return the street's workers on the team with the month's talks (one query)."""
    first, last = month_bounds(month)
    params = {"street_id": street_id, "first": first, "last": last, "today": today}
    return _team(STREET_TEAM, params)


def street_overdue(street_id: int, today: date) -> list[OverdueRow]:
    """Return the street's overdue follow-ups, longest overdue first (one query)."""
    return [
        OverdueRow(fid, tid, talk_on, worker, leader, owner, due, (today - due).days)
        for fid, tid, talk_on, worker, leader, owner, due in db.session.execute(
            STREET_OVERDUE, {"street_id": street_id, "today": today}
        )
    ]
