"""Fixtures for mentoring and talks: a street with a mentor, a mentee, a talk leader, an admin."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.enums import FollowUpStatus, MentoringTopic, Role
from portal.models import (
    MentorPairing,
    MentorSession,
    Street,
    Talk,
    TalkFollowUp,
    TalkResponsibility,
    User,
    WorkerProfile,
)
from portal.timeutil import local_today

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
def scene(make_street, make_user, make_worker, pair, responsible) -> Scene:
    """A street with every role, and an admin of another street."""
    today = local_today()
    street = make_street()
    admin = make_user(Role.STREET_ADMIN, street=street)
    mentor = make_worker(street=street, extra_roles=(Role.MENTOR,), grade=10)
    mentee = make_worker(street=street, started_on=today - timedelta(days=100), grade=1)
    worker = make_worker(street=street)
    other_mentor = make_worker(street=street, extra_roles=(Role.MENTOR,))
    leader = make_user(Role.TALK_LEADER, street=street)
    other_leader = make_user(Role.TALK_LEADER, street=street)
    responsible(leader, street.communities[0].id)
    other_admin = make_user(Role.STREET_ADMIN, street=make_street())
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


def ago(**delta) -> datetime:
    """Return an aware UTC moment some time ago."""
    return datetime.now(UTC) - timedelta(**delta)
