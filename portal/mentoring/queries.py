"""Reads for mentoring and growth plans: prebuilt statements with bind parameters.

The street admin's page and the worker's home card also show 谈心 figures: they read
them from ``portal.talks.queries`` (talks know nothing of mentoring).

Every page is a handful of statements whatever the number of rows: lists come with the
names they show (joined) and their counts (aggregated in a subquery), never per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from portal.enums import GrowthKind, Role, WorkerStatus
from portal.extensions import db
from portal.mentoring import rules
from portal.mentoring.models import GrowthItem, MentorPairing, MentorSession
from portal.org.models import Community
from portal.people.models import User, UserRole, WorkerProfile
from portal.talks import queries as talks_queries
from portal.talks import rules as talks_rules
from portal.talks.queries import OverdueRow, TeamRow

# A prefilter for "started within the last 12 months": wider than the rule,
# which then decides exactly (month ends and leap days are easier in Python than SQL).
_NEW_ENTRANT_SLACK = timedelta(days=370)

Mentor = aliased(User, name="mentor")
Mentee = aliased(User, name="mentee")


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
class StreetReport:
    """The street admin's mentoring and talk picture for a month."""

    month: date
    today: date
    current: Sequence[PairingRow]
    ended: Sequence[PairingRow]
    new_entrants: Sequence[NewEntrantRow]
    team: Sequence[TeamRow]
    overdue: Sequence[OverdueRow]
    coverage: talks_rules.Coverage = field(init=False)

    def __post_init__(self) -> None:
        talked = [row.worker_id for row in self.team if row.talked]
        object.__setattr__(
            self, "coverage", talks_rules.coverage([row.worker_id for row in self.team], talked)
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


def _street_team(*columns: Any) -> sa.Select[Any]:
    """Select columns of a street's workers who have not left (bind ``street_id``)."""
    return (
        sa.select(*columns)
        .join(User, User.id == WorkerProfile.user_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(
            Community.street_id == sa.bindparam("street_id"),
            WorkerProfile.status != WorkerStatus.EXITED,
        )
    )


STREET_WORKERS = _street_team(WorkerProfile.user_id, User.name, Community.name).order_by(
    Community.name, User.name
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
    _street_team(
        WorkerProfile.user_id,
        User.name,
        Community.name,
        WorkerProfile.community_work_started_on,
        _CURRENT_MENTOR_NAME,
    )
    .where(
        WorkerProfile.community_work_started_on >= sa.bindparam("started_after"),
        WorkerProfile.community_work_started_on <= sa.bindparam("today"),
    )
    .order_by(WorkerProfile.community_work_started_on.desc(), User.name)
)

# -- functions the views call ------------------------------------------------------------------


def _pairing_row(row, today: date) -> PairingRow:
    pairing, mentor, mentee, community, last_on, sessions, unconfirmed = row
    return PairingRow(pairing, mentor, mentee, community, last_on, sessions, unconfirmed, today)


def mentor_pairings(mentor_id: int, today: date) -> list[PairingRow]:
    """Return a mentor's pairings, current first, with last session dates (one query)."""
    rows = db.session.execute(MENTOR_PAIRINGS, {"mentor_id": mentor_id})
    return [_pairing_row(row, today) for row in rows]


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


def street_workers(street_id: int) -> list[tuple[int, str, str]]:
    """Return (id, name, community) of the street's workers not exited (one query)."""
    return [tuple(row) for row in db.session.execute(STREET_WORKERS, {"street_id": street_id})]


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
    team = talks_queries.street_team(street_id, month, today)
    overdue = talks_queries.street_overdue(street_id, today)
    return StreetReport(month, today, current, ended, new_entrants, team, overdue)
