"""Fixtures for the trainer side: a street with its people and trainings relative to now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from portal.enums import (
    AudienceScope,
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
    WorkerProfile,
)
from portal.timeutil import utcnow
from tests.factories import new_worker, years_ago


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


@pytest.fixture
def crew(db, make_street, make_user) -> Crew:
    """Build the street and its people (workers three years in post)."""
    street = make_street(communities=2)
    other = make_street()
    east, west = street.communities

    def worker(name, community, post_type=PostType.STAFF, roles=()) -> WorkerProfile:
        return new_worker(
            community, roles=roles, name=name, post_type=post_type, started_on=years_ago(3)
        )

    organiser = worker("周培训", east, roles=(Role.TRAINER,)).user
    workers = [
        worker("李一", east, PostType.HEAD),
        worker("李二", east),
        worker("李三", east),
        worker("王四", west),
        worker("王五", west),
    ]
    outsider = worker("外街道", other.communities[0])
    return Crew(
        street=street,
        east=east,
        west=west,
        organiser=organiser,
        assigned=make_user(Role.TRAINER, street=street, name="吴助教"),
        bystander=make_user(Role.TRAINER, street=street, name="郑旁观"),
        admin=make_user(Role.STREET_ADMIN, street=street, name="刘管理"),
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
