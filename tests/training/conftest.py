"""Fixtures for the trainer side: a street with its people and trainings relative to now."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from werkzeug.security import generate_password_hash

from portal.enums import (
    AudienceScope,
    Education,
    HiringRoute,
    OrganiserLevel,
    PostType,
    Role,
    TrainingKind,
)
from portal.models import (
    Community,
    JoinRequest,
    Street,
    Training,
    TrainingAudience,
    TrainingStaff,
    User,
    UserRole,
    WorkerProfile,
)
from portal.timeutil import local_today, utcnow
from tests.conftest import PASSWORD, login


@dataclass
class Crew:
    """A street with two communities, its trainers, its admin and five workers."""

    street: Street
    east: Community
    west: Community
    organiser: User  # trainer (also a worker of the street)
    assigned: User  # trainer assigned to the training
    bystander: User  # trainer of the street, not running the training
    admin: User  # street admin
    workers: list[WorkerProfile]  # three in east (one head), two in west
    outsider: WorkerProfile  # a worker of another street


# One cheap hash for every test user: scrypt costs ~0.2 s a user, and a crew has nine.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_seq = itertools.count(1)


@pytest.fixture
def person(db):
    """Make a user with roles quickly (cheap password hash); optionally a worker profile."""

    def make(
        *roles: Role,
        street: Street | None,
        name: str | None = None,
        community: Community | None = None,
        post_type: PostType = PostType.STAFF,
    ) -> User:
        n = next(_seq)
        user = User(
            phone=f"1370000{n:04d}",
            name=name or f"培训测试{n}",
            password_hash=_CHEAP_HASH,
            must_change_password=False,
            street_id=street.id if street else None,
        )
        user.role_rows = [UserRole(role=role) for role in roles]
        db.session.add(user)
        if community is not None:
            today = local_today()
            db.session.add(
                WorkerProfile(
                    user=user,
                    community=community,
                    post_type=post_type,
                    grade=3,
                    community_work_started_on=today.replace(year=today.year - 3),
                    joined_on=today.replace(year=today.year - 3),
                    education=Education.BACHELOR,
                    hiring_route=HiringRoute.RECRUITED,
                )
            )
        db.session.flush()
        return user

    return make


@pytest.fixture
def crew(db, make_street, person) -> Crew:
    """Build the street and its people."""
    street = make_street(communities=2)
    other = make_street()
    east, west = street.communities

    def worker(name, community, post_type=PostType.STAFF) -> WorkerProfile:
        user = person(
            Role.WORKER, street=street, name=name, community=community, post_type=post_type
        )
        return user.worker

    organiser = person(Role.WORKER, Role.TRAINER, street=street, name="周培训", community=east)
    workers = [
        worker("李一", east, PostType.HEAD),
        worker("李二", east),
        worker("李三", east),
        worker("王四", west),
        worker("王五", west),
    ]
    outsider = person(
        Role.WORKER, street=other, name="外街道", community=other.communities[0]
    ).worker
    return Crew(
        street=street,
        east=east,
        west=west,
        organiser=organiser,
        assigned=person(Role.TRAINER, street=street, name="吴助教"),
        bystander=person(Role.TRAINER, street=street, name="郑旁观"),
        admin=person(Role.STREET_ADMIN, street=street, name="刘管理"),
        workers=workers,
        outsider=outsider,
    )


@pytest.fixture
def make_live_training(db, crew):
    """Make a training of the crew's street, by default running now (started an hour ago)."""

    def make(
        *,
        starts_in: timedelta = timedelta(hours=-1),
        length: timedelta = timedelta(hours=3),
        hours: str = "3",
        credits_by_time: bool = False,
        audience: list[TrainingAudience] | None = None,
        title: str = "社区治理专题培训",
        staff: tuple[User, ...] | None = None,
    ) -> Training:
        start = (utcnow() + starts_in).replace(second=0, microsecond=0)
        training = Training(
            title=title,
            kind=TrainingKind.SPECIAL,
            level=OrganiserLevel.STREET,
            street_id=crew.street.id,
            organiser_id=crew.organiser.id,
            starts_at=start,
            ends_at=start + length,
            place="街道会议室",
            credited_hours=Decimal(hours),
            credits_by_time=credits_by_time,
        )
        # By default the east community is expected.
        training.audience = audience or [
            TrainingAudience(scope=AudienceScope.COMMUNITY, community_id=crew.east.id)
        ]
        staff_users = (crew.assigned,) if staff is None else staff
        training.staff = [TrainingStaff(user_id=user.id) for user in staff_users]
        db.session.add(training)
        db.session.flush()
        return training

    return make


@pytest.fixture
def join_request(db):
    """Insert a pending join request (the worker side creates them in the app)."""

    def make(training: Training, worker: WorkerProfile, *, created_at=None) -> JoinRequest:
        row = JoinRequest(
            training_id=training.id, worker_id=worker.user_id, created_at=created_at or utcnow()
        )
        db.session.add(row)
        db.session.flush()
        return row

    return make


def token_of(client, path: str = "/") -> str:
    """Return a CSRF token of the logged-in session (every page carries one)."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def logged_in(app, user: User):
    """Return a fresh client logged in as a user."""
    client = app.test_client()
    response = login(client, user.phone)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def post(client, path: str, data: dict | None = None, **kwargs):
    """Post a form with the session's CSRF token."""
    return client.post(path, data={"csrf_token": token_of(client), **(data or {})}, **kwargs)


HX = {"HX-Request": "true"}
