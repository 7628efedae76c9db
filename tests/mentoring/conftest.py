"""Fixtures for mentoring and talks: a street with a mentor, a mentee, a talk leader, an admin."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from werkzeug.security import generate_password_hash

from portal.enums import Education, FollowUpStatus, HiringRoute, MentoringTopic, PostType, Role
from portal.mentoring.models import MentorPairing, MentorSession
from portal.org.models import Street
from portal.people.models import User, UserRole, WorkerProfile
from portal.talks.models import Talk, TalkFollowUp, TalkResponsibility
from portal.timeutil import local_today
from tests.conftest import PASSWORD, login

_seq = itertools.count(1)


@dataclass
class Scene:
    """Who is who in the test street (and one user of another street)."""

    street: Street
    admin: User
    mentor: WorkerProfile  # a worker who also holds the mentor role
    mentee: WorkerProfile  # a new entrant paired with the mentor
    pairing: MentorPairing
    worker: WorkerProfile  # an ordinary worker, talked with by the leader
    leader: User  # a talk leader responsible for the street's community
    other_mentor: WorkerProfile  # a mentor of the same street without this mentee
    other_leader: User  # a talk leader of the same street responsible for nothing
    other_admin: User  # the admin of another street


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One hash of the test password: scrypt is slow, and a scene has many users."""
    return generate_password_hash(PASSWORD)


@pytest.fixture
def person(db, password_hash):
    """Make a user with roles in a street, reusing the one password hash."""

    def make(*roles: Role, street: Street | None = None, **fields) -> User:
        n = next(_seq)
        user = User(
            phone=fields.pop("phone", f"1370000{n:04d}"),
            name=fields.pop("name", f"社工{n}"),
            password_hash=password_hash,
            must_change_password=False,
            street_id=street.id if street else None,
            **fields,
        )
        user.role_rows = [UserRole(role=r) for r in roles]
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def staff(db, person):
    """Make a worker (user + profile) in a street's first community (or the given one)."""

    def make(
        street: Street,
        *,
        roles=(),
        started_on: date | None = None,
        community=None,
        **profile,
    ) -> WorkerProfile:
        user = person(Role.WORKER, *roles, street=street)
        started = started_on or local_today() - timedelta(days=5 * 365)
        worker = WorkerProfile(
            user=user,
            community=community or street.communities[0],
            post_type=profile.pop("post_type", PostType.STAFF),
            grade=profile.pop("grade", 3),
            community_work_started_on=started,
            joined_on=started,
            education=Education.BACHELOR,
            hiring_route=HiringRoute.RECRUITED,
            **profile,
        )
        db.session.add(worker)
        db.session.flush()
        return worker

    return make


@pytest.fixture
def pair(db):
    """Pair a mentor with a mentee from a date (default: 60 days ago)."""

    def make(mentor, mentee: WorkerProfile, *, starts_on: date | None = None, **fields):
        mentor_id = getattr(mentor, "user_id", None) or mentor.id
        pairing = MentorPairing(
            mentor_id=mentor_id,
            mentee_id=mentee.user_id,
            starts_on=starts_on or local_today() - timedelta(days=60),
            goals=fields.pop("goals", "熟悉社区情况，掌握群众工作方法"),
            **fields,
        )
        db.session.add(pairing)
        db.session.flush()
        return pairing

    return make


@pytest.fixture
def log(db):
    """Log a session of a pairing (created now unless ``created_at`` is given)."""

    def make(pairing: MentorPairing, *, held_on: date | None = None, **fields) -> MentorSession:
        session = MentorSession(
            pairing_id=pairing.id,
            mentor_id=pairing.mentor_id,
            mentee_id=pairing.mentee_id,
            held_on=held_on or local_today() - timedelta(days=1),
            minutes=fields.pop("minutes", 45),
            topic=fields.pop("topic", MentoringTopic.MEDIATION),
            passed_on=fields.pop("passed_on", f"调解邻里纠纷的步骤{next(_seq)}"),
            next_step=fields.pop("next_step", "下周一起入户"),
            **fields,
        )
        db.session.add(session)
        db.session.flush()
        return session

    return make


@pytest.fixture
def hold(db):
    """Record a talk with a worker, with follow-ups given as (item, owner, due_on[, status])."""

    def make(
        leader: User, worker: WorkerProfile, *, held_on: date | None = None, follow_ups=(), **fields
    ) -> Talk:
        talk = Talk(
            leader_id=leader.id,
            worker_id=worker.user_id,
            held_on=held_on or local_today(),
            concerns=fields.pop("concerns", ["work", "family"]),
            notes=fields.pop("notes", f"谈到工作压力和家里老人住院{next(_seq)}"),
            help_promised=fields.pop("help_promised", "协调调班"),
            **fields,
        )
        for row in follow_ups:
            item, owner, due_on, *status = row
            talk.follow_ups.append(
                TalkFollowUp(
                    worker_id=worker.user_id,
                    item=item,
                    owner=owner,
                    due_on=due_on,
                    status=status[0] if status else FollowUpStatus.OPEN,
                )
            )
        db.session.add(talk)
        db.session.flush()
        return talk

    return make


@pytest.fixture
def responsible(db):
    """Make a talk leader responsible for a community."""

    def make(leader: User, community_id: int) -> None:
        db.session.add(TalkResponsibility(leader_id=leader.id, community_id=community_id))
        db.session.flush()

    return make


@pytest.fixture
def scene(make_street, person, staff, pair, responsible) -> Scene:
    """A street with every role, and an admin of another street."""
    today = local_today()
    street = make_street()
    admin = person(Role.STREET_ADMIN, street=street)
    mentor = staff(street, roles=(Role.MENTOR,), grade=10)
    mentee = staff(street, started_on=today - timedelta(days=100), grade=1)
    worker = staff(street)
    other_mentor = staff(street, roles=(Role.MENTOR,))
    leader = person(Role.TALK_LEADER, street=street)
    other_leader = person(Role.TALK_LEADER, street=street)
    responsible(leader, street.communities[0].id)
    other_admin = person(Role.STREET_ADMIN, street=make_street())
    pairing = pair(mentor, mentee, starts_on=today - timedelta(days=60))
    return Scene(
        street,
        admin,
        mentor,
        mentee,
        pairing,
        worker,
        leader,
        other_mentor,
        other_leader,
        other_admin,
    )


@pytest.fixture
def as_user(app, client):
    """Return a logged-in test client for a user or worker (each its own cookie jar)."""

    def make(who):
        user = who.user if isinstance(who, WorkerProfile) else who
        new_client = app.test_client()
        response = login(new_client, user.phone)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return new_client

    return make


def token(client, path: str) -> str:
    """Return the first CSRF token on a page (any form prefix)."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}: {page[:1500]}"
    return match.group(1)


def ago(**delta) -> datetime:
    """Return an aware UTC moment some time ago."""
    return datetime.now(UTC) - timedelta(**delta)
