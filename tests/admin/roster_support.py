"""Helpers for the roster, import and export tests: a street with its admin and workers."""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field
from datetime import date

import openpyxl
from werkzeug.security import generate_password_hash

from portal.enums import Education, HiringRoute, PostType, Role, WorkerStatus
from portal.extensions import db
from portal.imports.templates import Kind, headers
from portal.org.models import Community, District, Street
from portal.people.models import User, UserRole, WorkerProfile
from tests.conftest import PASSWORD, login

# One cheap hash for every test user: scrypt would cost ~0.1 s a user.
CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_seq = itertools.count(1)


def add_user(*roles: Role, street: Street | None = None, district=None, **fields) -> User:
    """Add a user with roles and the test password."""
    n = next(_seq)
    user = User(
        phone=fields.pop("phone", f"1360000{n:04d}"),
        name=fields.pop("name", f"管理测试{n}"),
        password_hash=CHEAP_HASH,
        must_change_password=False,
        street_id=street.id if street else None,
        district_id=district.id if district else None,
        **fields,
    )
    user.role_rows = [UserRole(role=role) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user


def add_worker(
    community: Community,
    *,
    name: str | None = None,
    phone: str | None = None,
    staff_no: str | None = None,
    post_type: PostType = PostType.STAFF,
    grade: int = 3,
    started_on: date = date(2018, 3, 1),
    exam_eligible_on: date | None = None,
    status: WorkerStatus = WorkerStatus.ACTIVE,
    hiring_route: HiringRoute = HiringRoute.RECRUITED,
) -> WorkerProfile:
    """Add a worker to a community."""
    user = add_user(
        Role.WORKER,
        street=community.street,
        **({"phone": phone} if phone else {}),
        **({"name": name} if name else {}),
        staff_no=staff_no,
    )
    worker = WorkerProfile(
        user=user,
        community=community,
        post_type=post_type,
        grade=grade,
        community_work_started_on=started_on,
        joined_on=started_on,
        education=Education.BACHELOR,
        party_member=False,
        hiring_route=hiring_route,
        exam_eligible_on=exam_eligible_on,
        status=status,
    )
    db.session.add(worker)
    db.session.flush()
    return worker


@dataclass
class Team:
    """A street (two communities) with its admin and workers, a sister street, another district."""

    district: District
    street: Street
    east: Community
    west: Community
    admin: User
    sister: Street  # same district, other street
    sister_admin: User
    district_admin: User
    other_street: Street  # another district
    other_admin: User
    workers: list[WorkerProfile] = field(default_factory=list)
    sister_worker: WorkerProfile | None = None
    other_worker: WorkerProfile | None = None


def build_team(*, policy: str = "jiangsu", workers: int = 3) -> Team:
    """Build the team: ``workers`` workers in the street, one in each other street."""
    n = next(_seq)
    district = District(name=f"测试区{n}", policy_code=policy)
    street = Street(district=district, name=f"测试街道{n}")
    east = Community(street=street, name=f"东社区{n}", population=10000)
    west = Community(street=street, name=f"西社区{n}", population=8000)
    sister = Street(district=district, name=f"姊妹街道{n}")
    sister_community = Community(street=sister, name=f"姊妹社区{n}")
    other_district = District(name=f"他区{n}", policy_code="national")
    other_street = Street(district=other_district, name=f"他街道{n}")
    other_community = Community(street=other_street, name=f"他社区{n}")
    db.session.add_all([district, other_district])
    db.session.flush()
    team = Team(
        district=district,
        street=street,
        east=east,
        west=west,
        admin=add_user(Role.STREET_ADMIN, street=street, name="街道管理员"),
        sister=sister,
        sister_admin=add_user(Role.STREET_ADMIN, street=sister),
        district_admin=add_user(Role.DISTRICT_ADMIN, district=district),
        other_street=other_street,
        other_admin=add_user(Role.STREET_ADMIN, street=other_street),
    )
    for i in range(workers):
        team.workers.append(
            add_worker(east if i % 2 == 0 else west, name=f"社工{n}-{i}", staff_no=f"T{n}-{i:04d}")
        )
    team.sister_worker = add_worker(sister_community, name=f"姊妹社工{n}")
    team.other_worker = add_worker(other_community, name=f"他区社工{n}")
    return team


def logged_in(app, user: User):
    """Return a fresh client logged in as a user."""
    client = app.test_client()
    response = login(client, user.phone)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def token_of(client, path: str = "/") -> str:
    """Return a CSRF token of the logged-in session."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def post(client, path: str, data: dict | None = None, **kwargs):
    """Post a form with the session's CSRF token."""
    return client.post(path, data={"csrf_token": token_of(client), **(data or {})}, **kwargs)


def workbook(kind: Kind, rows: list[list], *, header: list | None = None) -> bytes:
    """Return an .xlsx with the template's headers (or others) and the given rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header if header is not None else headers(kind))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_sheet(data: bytes) -> list[tuple]:
    """Return the rows of the first sheet of an .xlsx."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
