"""Reads for mentoring, growth plans and talks: prebuilt statements with bind parameters.

Every page is a handful of statements whatever the number of rows: lists come with the
names they show (joined) and their counts (aggregated in a subquery), never per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager, joinedload, lazyload, selectinload

from portal.enums import FollowUpStatus, GrowthKind, Role, WorkerStatus
from portal.extensions import db
from portal.mentoring import rules
from portal.mentoring.models import (
    GrowthItem,
    MentorPairing,
    MentorSession,
    Talk,
    TalkFollowUp,
    TalkResponsibility,
)
from portal.org.models import Community
from portal.people.models import User, UserRole, WorkerProfile

_TALK_STATUSES = sorted(rules.TALK_STATUSES)
# A prefilter for "started within the last 12 months": wider than the rule,
# which then decides exactly (month ends and leap days are easier in Python than SQL).
_NEW_ENTRANT_SLACK = timedelta(days=370)

Mentor = aliased(User, name="mentor")
Mentee = aliased(User, name="mentee")
Leader = aliased(User, name="leader")


# -- rows the pages show -----------------------------------------------------------------------


@dataclass(frozen=True)
class PairingRow:
    """A pairing with the names it shows and its session figures."""

    pairing: MentorPairing
    mentor_name: str
    mentee_name: str
    community: str
    last_session_on: date | None
    sessions: int
    unconfirmed: int
    today: date

    @property
    def current(self) -> bool:
        """Return whether the pairing is still running."""
        return self.pairing.ends_on is None

    @property
    def days_quiet(self) -> int:
        """Return the days since the last session (or since pairing)."""
        return rules.days_quiet(self.last_session_on, self.pairing.starts_on, self.today)

    @property
    def needs_session(self) -> bool:
        """Return whether a current pairing has had no session in 30 days."""
        return self.current and rules.needs_session(
            self.last_session_on, self.pairing.starts_on, self.today
        )


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
class NewEntrantRow:
    """A new entrant of the street and their current mentor, if any."""

    worker_id: int
    name: str
    community: str
    started_on: date
    mentor_name: str | None

    @property
    def needs_mentor(self) -> bool:
        """Return whether the new entrant still waits for a mentor (待配导师)."""
        return self.mentor_name is None


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


@dataclass(frozen=True)
class StreetReport:
    """The street admin's mentoring and talk picture for a month."""

    month: date
    today: date
    current: Sequence[PairingRow]
    ended: Sequence[PairingRow]
    new_entrants: Sequence[NewEntrantRow]
    team: Sequence[TeamRow]
    overdue: Sequence[OverdueRow]
    coverage: rules.Coverage = field(init=False)

    def __post_init__(self) -> None:
        talked = [row.worker_id for row in self.team if row.talked]
        object.__setattr__(
            self, "coverage", rules.coverage([row.worker_id for row in self.team], talked)
        )

    @property
    def awaiting_mentor(self) -> list[NewEntrantRow]:
        """Return the new entrants without a mentor (待配导师)."""
        return [row for row in self.new_entrants if row.needs_mentor]

    @property
    def quiet(self) -> list[PairingRow]:
        """Return the current pairings without a session in 30 days, longest first."""
        rows = [row for row in self.current if row.needs_session]
        return sorted(rows, key=lambda row: -row.days_quiet)

    @property
    def not_talked(self) -> list[TeamRow]:
        """Return the team members with no talk this month."""
        return [row for row in self.team if not row.talked]


# -- statements --------------------------------------------------------------------------------

_SESSION_FIGURES = (
    sa.select(
        MentorSession.pairing_id.label("pairing_id"),
        sa.func.max(MentorSession.held_on).label("last_on"),
        sa.func.count(MentorSession.id).label("sessions"),
        sa.func.sum(sa.case((MentorSession.confirmed_at.is_(None), 1), else_=0)).label(
            "unconfirmed"
        ),
    )
    .group_by(MentorSession.pairing_id)
    .subquery("session_figures")
)


def _pairing_rows(where: sa.ColumnElement[bool]) -> sa.Select:
    return (
        sa.select(
            MentorPairing,
            Mentor.name,
            Mentee.name,
            Community.name,
            _SESSION_FIGURES.c.last_on,
            sa.func.coalesce(_SESSION_FIGURES.c.sessions, 0),
            sa.func.coalesce(_SESSION_FIGURES.c.unconfirmed, 0),
        )
        .join(Mentor, Mentor.id == MentorPairing.mentor_id)
        .join(WorkerProfile, WorkerProfile.user_id == MentorPairing.mentee_id)
        .join(Mentee, Mentee.id == WorkerProfile.user_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .outerjoin(_SESSION_FIGURES, _SESSION_FIGURES.c.pairing_id == MentorPairing.id)
        .where(where)
    )


MENTOR_PAIRINGS = _pairing_rows(MentorPairing.mentor_id == sa.bindparam("mentor_id")).order_by(
    MentorPairing.ends_on.is_not(None), MentorPairing.ends_on.desc(), Mentee.name
)
STREET_CURRENT_PAIRINGS = _pairing_rows(
    sa.and_(Community.street_id == sa.bindparam("street_id"), MentorPairing.ends_on.is_(None))
).order_by(Mentor.name, Mentee.name)
STREET_ENDED_PAIRINGS = (
    _pairing_rows(
        sa.and_(
            Community.street_id == sa.bindparam("street_id"), MentorPairing.ends_on.is_not(None)
        )
    )
    .order_by(MentorPairing.ends_on.desc(), MentorPairing.id.desc())
    .limit(50)
)
PAIRING_ROW = _pairing_rows(MentorPairing.id == sa.bindparam("pairing_id"))

# A worker with the user (name) and organisation a page shows; roles are not needed.
WORKER = (
    sa.select(WorkerProfile)
    .options(
        joinedload(WorkerProfile.user).options(lazyload(User.role_rows)),
        joinedload(WorkerProfile.community).joinedload(Community.street),
    )
    .where(WorkerProfile.user_id == sa.bindparam("worker_id"))
)

MENTEE_PAIRINGS = (
    sa.select(MentorPairing, Mentor.name)
    .join(Mentor, Mentor.id == MentorPairing.mentor_id)
    .where(MentorPairing.mentee_id == sa.bindparam("mentee_id"))
    .order_by(MentorPairing.ends_on.is_not(None), MentorPairing.starts_on.desc())
)
CURRENT_PAIRING_OF_MENTEE = sa.select(MentorPairing).where(
    MentorPairing.mentee_id == sa.bindparam("mentee_id"), MentorPairing.ends_on.is_(None)
)
PAIRING_WITH_MENTEE = (
    sa.select(MentorPairing, WorkerProfile)
    .join(WorkerProfile, WorkerProfile.user_id == MentorPairing.mentee_id)
    .options(
        joinedload(WorkerProfile.user),
        joinedload(WorkerProfile.community).joinedload(Community.street),
    )
    .where(MentorPairing.id == sa.bindparam("pairing_id"))
)

SESSIONS_OF_MENTOR_WITH = (
    sa.select(MentorSession)
    .where(
        MentorSession.mentor_id == sa.bindparam("mentor_id"),
        MentorSession.mentee_id == sa.bindparam("mentee_id"),
    )
    .order_by(MentorSession.held_on.desc(), MentorSession.id.desc())
)
SESSIONS_OF_PAIRING = (
    sa.select(MentorSession)
    .where(MentorSession.pairing_id == sa.bindparam("pairing_id"))
    .order_by(MentorSession.held_on.desc(), MentorSession.id.desc())
)
SESSIONS_WITH_MENTEE = (
    sa.select(MentorSession, Mentor.name)
    .join(Mentor, Mentor.id == MentorSession.mentor_id)
    .where(MentorSession.mentee_id == sa.bindparam("mentee_id"))
    .order_by(MentorSession.held_on.desc(), MentorSession.id.desc())
)
LAST_SESSION_OF_MENTOR = (
    sa.select(MentorSession)
    .where(MentorSession.mentor_id == sa.bindparam("mentor_id"))
    .order_by(MentorSession.created_at.desc(), MentorSession.id.desc())
    .limit(1)
)
SESSION_WITH_MENTEE = (
    sa.select(MentorSession, Community.street_id)
    .join(WorkerProfile, WorkerProfile.user_id == MentorSession.mentee_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(MentorSession.id == sa.bindparam("session_id"))
)

GROWTH_ITEMS = sa.select(GrowthItem).where(GrowthItem.worker_id == sa.bindparam("worker_id"))

STREET_MENTORS = (
    sa.select(User)
    .join(UserRole, UserRole.user_id == User.id)
    .where(
        UserRole.role == Role.MENTOR,
        User.street_id == sa.bindparam("street_id"),
        User.is_enabled.is_(True),
    )
    .order_by(User.name)
)
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
STREET_WORKERS = (
    sa.select(WorkerProfile.user_id, User.name, Community.name)
    .join(User, User.id == WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(
        Community.street_id == sa.bindparam("street_id"),
        WorkerProfile.status != WorkerStatus.EXITED,
    )
    .order_by(Community.name, User.name)
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

_CURRENT_MENTOR_NAME = (
    sa.select(User.name)
    .join(MentorPairing, MentorPairing.mentor_id == User.id)
    .where(MentorPairing.mentee_id == WorkerProfile.user_id, MentorPairing.ends_on.is_(None))
    .limit(1)
    .correlate(WorkerProfile)
    .scalar_subquery()
)
STREET_NEW_ENTRANTS = (
    sa.select(
        WorkerProfile.user_id,
        User.name,
        Community.name,
        WorkerProfile.community_work_started_on,
        _CURRENT_MENTOR_NAME,
    )
    .join(User, User.id == WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(
        Community.street_id == sa.bindparam("street_id"),
        WorkerProfile.status != WorkerStatus.EXITED,
        WorkerProfile.community_work_started_on >= sa.bindparam("started_after"),
        WorkerProfile.community_work_started_on <= sa.bindparam("today"),
    )
    .order_by(WorkerProfile.community_work_started_on.desc(), User.name)
)

# -- talks -------------------------------------------------------------------------------------

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


def _pairing_row(row, today: date) -> PairingRow:
    pairing, mentor, mentee, community, last_on, sessions, unconfirmed = row
    return PairingRow(pairing, mentor, mentee, community, last_on, sessions, unconfirmed, today)


def mentor_pairings(mentor_id: int, today: date) -> list[PairingRow]:
    """Return a mentor's pairings, current first, with last session dates (one query)."""
    rows = db.session.execute(MENTOR_PAIRINGS, {"mentor_id": mentor_id})
    return [_pairing_row(row, today) for row in rows]


def worker(worker_id: int) -> WorkerProfile | None:
    """Return a worker with name, community and street (one query)."""
    return db.session.scalar(WORKER, {"worker_id": worker_id})


def pairing_row(pairing_id: int, today: date) -> PairingRow | None:
    """Return one pairing with its names and session figures (one query)."""
    row = db.session.execute(PAIRING_ROW, {"pairing_id": pairing_id}).first()
    return _pairing_row(row, today) if row else None


def pairing_with_mentee(pairing_id: int) -> tuple[MentorPairing, WorkerProfile] | None:
    """Return a pairing and its mentee's profile with user, community and street (one query)."""
    row = db.session.execute(PAIRING_WITH_MENTEE, {"pairing_id": pairing_id}).first()
    return (row[0], row[1]) if row else None


def mentee_pairings(mentee_id: int) -> list[tuple[MentorPairing, str]]:
    """Return a mentee's pairings (current first) with the mentor's name (one query)."""
    return [tuple(row) for row in db.session.execute(MENTEE_PAIRINGS, {"mentee_id": mentee_id})]


def current_pairing_of(mentee_id: int) -> MentorPairing | None:
    """Return the mentee's current pairing, if any (one query)."""
    return db.session.scalars(CURRENT_PAIRING_OF_MENTEE, {"mentee_id": mentee_id}).first()


def sessions_of_mentor_with(mentor_id: int, mentee_id: int) -> list[MentorSession]:
    """Return the sessions a mentor logged with a mentee, newest first (one query)."""
    params = {"mentor_id": mentor_id, "mentee_id": mentee_id}
    return list(db.session.scalars(SESSIONS_OF_MENTOR_WITH, params))


def sessions_of_pairing(pairing_id: int) -> list[MentorSession]:
    """Return the sessions of one pairing, newest first (one query)."""
    return list(db.session.scalars(SESSIONS_OF_PAIRING, {"pairing_id": pairing_id}))


def sessions_with_mentee(mentee_id: int) -> list[tuple[MentorSession, str]]:
    """Return every session with a mentee and the mentor's name, newest first (one query)."""
    rows = db.session.execute(SESSIONS_WITH_MENTEE, {"mentee_id": mentee_id})
    return [tuple(row) for row in rows]


def last_session_of(mentor_id: int) -> MentorSession | None:
    """Return the mentor's most recently logged session: its topic and length are defaults."""
    return db.session.scalar(LAST_SESSION_OF_MENTOR, {"mentor_id": mentor_id})


def session_with_street(session_id: int) -> tuple[MentorSession, int] | None:
    """Return a session and its mentee's street id (one query)."""
    row = db.session.execute(SESSION_WITH_MENTEE, {"session_id": session_id}).first()
    return (row[0], row[1]) if row else None


def growth_items(worker_id: int) -> dict[GrowthKind, GrowthItem]:
    """Return a worker's "四个一" items by kind (one query)."""
    return {item.kind: item for item in db.session.scalars(GROWTH_ITEMS, {"worker_id": worker_id})}


def street_mentors(street_id: int) -> list[User]:
    """Return the enabled users of a street who hold the mentor role (one query)."""
    return list(db.session.scalars(STREET_MENTORS, {"street_id": street_id}))


def street_talk_leaders(street_id: int) -> list[User]:
    """Return the enabled talk leaders of a street (one query)."""
    return list(db.session.scalars(STREET_TALK_LEADERS, {"street_id": street_id}))


def street_workers(street_id: int) -> list[tuple[int, str, str]]:
    """Return (id, name, community) of the street's workers not exited (one query)."""
    return [tuple(row) for row in db.session.execute(STREET_WORKERS, {"street_id": street_id})]


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
    first, last = rules.month_bounds(month)
    params = {"leader_id": leader_id, "first": first, "last": last, "today": today}
    return _team(LEADER_TEAM, params)


def leader_talks_in_month(leader_id: int, month: date) -> list[tuple[Talk, str]]:
    """Return the talks a leader held in a month with the worker's name (one query)."""
    first, last = rules.month_bounds(month)
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
    first, last = rules.month_bounds(month)
    params = {"street_id": street_id, "first": first, "last": last}
    return [tuple(row) for row in db.session.execute(STREET_TALKS_IN_MONTH, params)]


def street_report(street_id: int, month: date, today: date) -> StreetReport:
    """Build the street admin's picture: pairings, new entrants, coverage (five queries)."""
    params = {"street_id": street_id}
    current = [_pairing_row(r, today) for r in db.session.execute(STREET_CURRENT_PAIRINGS, params)]
    ended = [_pairing_row(r, today) for r in db.session.execute(STREET_ENDED_PAIRINGS, params)]
    entrants = db.session.execute(
        STREET_NEW_ENTRANTS,
        {"street_id": street_id, "started_after": today - _NEW_ENTRANT_SLACK, "today": today},
    )
    new_entrants = [NewEntrantRow(*row) for row in entrants if rules.is_new_entrant(row[3], today)]
    first, last = rules.month_bounds(month)
    team = _team(STREET_TEAM, {**params, "first": first, "last": last, "today": today})
    overdue = [
        OverdueRow(fid, tid, talk_on, worker, leader, owner, due, (today - due).days)
        for fid, tid, talk_on, worker, leader, owner, due in db.session.execute(
            STREET_OVERDUE, {**params, "today": today}
        )
    ]
    return StreetReport(month, today, current, ended, new_entrants, team, overdue)


# -- the worker's home card ------------------------------------------------------------------------


@dataclass(frozen=True)
class MenteeLink:
    """A current mentee on the mentor's home card."""

    mentee_id: int
    name: str
    last_session_on: date | None
    needs_session: bool


@dataclass(frozen=True)
class MentoringSummary:
    """What the worker's home shows about growth plan, mentoring and talks."""

    worker_id: int
    in_first_three_years: bool
    growth_done: int
    mentor_name: str | None
    unconfirmed_sessions: int
    last_talk_on: date | None
    open_follow_ups: int
    overdue_follow_ups: int
    mentees: Sequence[MenteeLink] = ()

    @property
    def visible(self) -> bool:
        """Return whether the card has anything to show."""
        return bool(
            self.in_first_three_years
            or self.mentor_name
            or self.unconfirmed_sessions
            or self.last_talk_on
            or self.open_follow_ups
            or self.mentees
        )

    @property
    def growth_total(self) -> int:
        """Return the number of "四个一" items."""
        return len(GrowthKind)


_W = sa.bindparam("worker_id")
HOME_SUMMARY = sa.select(
    sa.select(User.name)
    .join(MentorPairing, MentorPairing.mentor_id == User.id)
    .where(MentorPairing.mentee_id == _W, MentorPairing.ends_on.is_(None))
    .limit(1)
    .scalar_subquery(),
    sa.select(sa.func.count(MentorSession.id))
    .where(MentorSession.mentee_id == _W, MentorSession.confirmed_at.is_(None))
    .scalar_subquery(),
    sa.select(sa.func.count(GrowthItem.id))
    .where(GrowthItem.worker_id == _W, GrowthItem.done_on.is_not(None))
    .scalar_subquery(),
    sa.select(sa.func.max(Talk.held_on)).where(Talk.worker_id == _W).scalar_subquery(),
    sa.select(sa.func.count(TalkFollowUp.id))
    .where(TalkFollowUp.worker_id == _W, TalkFollowUp.status == FollowUpStatus.OPEN)
    .scalar_subquery(),
    sa.select(sa.func.count(TalkFollowUp.id))
    .where(
        TalkFollowUp.worker_id == _W,
        TalkFollowUp.status == FollowUpStatus.OPEN,
        TalkFollowUp.due_on < sa.bindparam("today"),
    )
    .scalar_subquery(),
)
HOME_MENTEES = (
    sa.select(
        MentorPairing.mentee_id,
        MentorPairing.starts_on,
        Mentee.name,
        sa.func.max(MentorSession.held_on),
    )
    .join(Mentee, Mentee.id == MentorPairing.mentee_id)
    .outerjoin(MentorSession, MentorSession.pairing_id == MentorPairing.id)
    .where(MentorPairing.mentor_id == sa.bindparam("mentor_id"), MentorPairing.ends_on.is_(None))
    .group_by(MentorPairing.id, MentorPairing.mentee_id, MentorPairing.starts_on, Mentee.name)
    .order_by(Mentee.name)
)


def home_summary(worker: WorkerProfile, today: date) -> MentoringSummary:
    """Build the home card: one query, and a second one for mentors (their mentees)."""
    row = db.session.execute(HOME_SUMMARY, {"worker_id": worker.user_id, "today": today}).one()
    mentor_name, unconfirmed, growth_done, last_talk_on, open_count, overdue_count = row
    mentees: list[MenteeLink] = []
    if worker.user.has_role(Role.MENTOR):
        for mentee_id, starts_on, name, last_on in db.session.execute(
            HOME_MENTEES, {"mentor_id": worker.user_id}
        ):
            quiet = rules.needs_session(last_on, starts_on, today)
            mentees.append(MenteeLink(mentee_id, name, last_on, quiet))
    return MentoringSummary(
        worker_id=worker.user_id,
        in_first_three_years=rules.in_first_three_years(worker.community_work_started_on, today),
        growth_done=growth_done or 0,
        mentor_name=mentor_name,
        unconfirmed_sessions=unconfirmed or 0,
        last_talk_on=last_talk_on,
        open_follow_ups=open_count or 0,
        overdue_follow_ups=overdue_count or 0,
        mentees=tuple(mentees),
    )
