"""The one set of row factories: users, workers, streets. Fixtures in tests/conftest.py wrap them.

Every factory adds to ``db.session`` and flushes; the test's transaction is rolled back after it.
Scenes of an area (tests/admin's team, tests/training's crew, tests/mentoring's scene) are
built from these.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from werkzeug.security import generate_password_hash

from portal.enums import (
    AudienceScope,
    Education,
    HiringRoute,
    OrganiserLevel,
    PostType,
    Role,
    TrainingKind,
    WorkerStatus,
)
from portal.extensions import db
from portal.models import (
    Community,
    District,
    Street,
    Training,
    TrainingAudience,
    User,
    UserRole,
    WorkerProfile,
)
from portal.timeutil import local_today, utcnow
from tests.helpers import PASSWORD

# One cheap hash of the test password for every test user: scrypt costs ~0.1 s a user.
CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

_seq = itertools.count(1)


def next_number() -> int:
    """Return a number no other factory call of the session has had (for unique names)."""
    return next(_seq)


def new_street(policy: str = "jiangsu", *, communities: int = 1) -> Street:
    """Add a district (with a policy profile) and a street with its communities."""
    n = next_number()
    district = District(name=f"区{n}", policy_code=policy)
    street = Street(district=district, name=f"街道{n}")
    for i in range(communities):
        street.communities.append(Community(name=f"社区{n}-{i}", population=10000))
    db.session.add(district)
    db.session.flush()
    return street


def new_user(
    *roles: Role,
    street: Street | None = None,
    district: District | None = None,
    must_change: bool = False,
    password: str = PASSWORD,
    **fields,
) -> User:
    """Add a user with roles; the password is PASSWORD (cheaply hashed) unless given."""
    n = next_number()
    user = User(
        phone=fields.pop("phone", None) or f"1340{n:07d}",
        name=fields.pop("name", None) or f"测试用户{n}",
        must_change_password=must_change,
        street_id=street.id if street else fields.pop("street_id", None),
        district_id=district.id if district else fields.pop("district_id", None),
        **fields,
    )
    if password == PASSWORD:
        user.password_hash = CHEAP_HASH
    else:
        user.set_password(password)
    user.role_rows = [UserRole(role=role) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user


def new_worker(
    community: Community,
    *,
    roles: tuple[Role, ...] = (),
    post_type: PostType = PostType.STAFF,
    grade: int = 3,
    started_on: date = date(2018, 3, 1),
    exam_eligible_on: date | None = None,
    hiring_route: HiringRoute = HiringRoute.RECRUITED,
    status: WorkerStatus = WorkerStatus.ACTIVE,
    party_member: bool = False,
    education: Education = Education.BACHELOR,
    **user_fields,
) -> WorkerProfile:
    """Add a worker (user with the worker role + profile) to a community.

    They started community work on 1 March 2018 unless ``started_on`` says otherwise.
    """
    user = new_user(Role.WORKER, *roles, street=community.street, **user_fields)
    worker = WorkerProfile(
        user=user,
        community=community,
        post_type=post_type,
        grade=grade,
        community_work_started_on=started_on,
        joined_on=started_on,
        education=education,
        party_member=party_member,
        hiring_route=hiring_route,
        exam_eligible_on=exam_eligible_on,
        status=status,
    )
    db.session.add(worker)
    db.session.flush()
    return worker


def years_ago(years: int) -> date:
    """Return today's date (Asia/Shanghai) some years back (29 February → 28 February)."""
    return local_today() - relativedelta(years=years)


def new_training_now(street: Street, organiser: User | None = None) -> Training:
    """Add a two-hour street training that began ten minutes ago, for the whole street."""
    starts = utcnow() - timedelta(minutes=10)
    training = Training(
        title="社区治理能力提升培训",
        kind=TrainingKind.IN_SERVICE,
        level=OrganiserLevel.STREET,
        street_id=street.id,
        organiser_id=organiser.id if organiser is not None else None,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="街道党群服务中心",
        credited_hours=Decimal("2"),
        audience=[TrainingAudience(scope=AudienceScope.STREET, street_id=street.id)],
    )
    db.session.add(training)
    db.session.flush()
    return training
