"""The roster, import and export scene (a street with its admin and workers) and workbooks."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import openpyxl

from portal.enums import Role
from portal.extensions import db
from portal.imports.templates import Kind, headers
from portal.models import Community, District, Street, User, WorkerProfile
from tests.factories import new_user, new_worker, next_number


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
    n = next_number()
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
        admin=new_user(Role.STREET_ADMIN, street=street, name="街道管理员"),
        sister=sister,
        sister_admin=new_user(Role.STREET_ADMIN, street=sister),
        district_admin=new_user(Role.DISTRICT_ADMIN, district=district),
        other_street=other_street,
        other_admin=new_user(Role.STREET_ADMIN, street=other_street),
    )
    for i in range(workers):
        team.workers.append(
            new_worker(east if i % 2 == 0 else west, name=f"社工{n}-{i}", staff_no=f"T{n}-{i:04d}")
        )
    team.sister_worker = new_worker(sister_community, name=f"姊妹社工{n}")
    team.other_worker = new_worker(other_community, name=f"他区社工{n}")
    return team


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
