"""Who may use the dashboard, appraisal, care and audit pages, as a matrix.

A street admin reads and changes their own street; a district admin reads every street
of their district and every write answers 403 with nothing changed; other roles get 403
on role pages; a record outside the admin's street answers 404.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.enums import CareKind, CareStatus, Role
from portal.extensions import db
from portal.models import Appraisal, AuditEntry, CareRecord
from portal.timeutil import local_today
from tests.admin.roster_support import build_team
from tests.factories import new_user
from tests.helpers import csrf_token, logged_in

YEAR = local_today().year - 1
ROLES = [
    "street_admin",
    "district_admin",
    "worker",
    "trainer",
    "mentor",
    "talk_leader",
    "platform_admin",
]
NOT_ADMINS = ["worker", "trainer", "mentor", "talk_leader", "platform_admin"]


@pytest.fixture
def team(db):
    """A street with two workers, a sister street of the district, another district."""
    return build_team(workers=2)


def _user(team, who: str):
    if who == "street_admin":
        return team.admin
    if who == "district_admin":
        return team.district_admin
    if who == "worker":
        return team.workers[0].user
    if who == "platform_admin":  # sets up the tree; reads no street's records
        return new_user(Role.PLATFORM_ADMIN)
    return new_user(Role(who), street=team.street)


def _worker(team, whose: str):
    return {"own": team.workers[1], "sister": team.sister_worker, "other": team.other_worker}[whose]


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


READ_PAGES = [
    "/street/dashboard",
    f"/street/appraisals?year={YEAR}",
    "/street/care",
    "/street/care-fund",
    "/street/audit",
]


@pytest.mark.parametrize("path", READ_PAGES)
@pytest.mark.parametrize("who", ROLES)
def test_read_pages_by_role(app, team, path, who):
    """Admins (street or district) read these pages; every other role gets 403."""
    client = logged_in(app, _user(team, who))
    expected = 403 if who in NOT_ADMINS else 200
    assert client.get(path).status_code == expected


@pytest.mark.parametrize("who", ROLES)
def test_leave_table_is_the_streets_own(app, team, who):
    """The leave-days table is kept by the street: 200 for its admin, 403 for anyone else."""
    client = logged_in(app, _user(team, who))
    expected = 200 if who == "street_admin" else 403
    assert client.get("/street/care/leave").status_code == expected


def _application(worker) -> CareRecord:
    record = CareRecord(
        worker_id=worker.user_id,
        kind=CareKind.CARE_FUND,
        year=local_today().year,
        occurred_on=local_today(),
        quantity=1000,
        status=CareStatus.APPLIED,
        note="困难帮扶",
    )
    db.session.add(record)
    db.session.flush()
    return record


def _writes(team, whose: str) -> list[tuple[str, dict]]:
    """Return every write of these pages aimed at a record of ``whose`` street."""
    worker = _worker(team, whose)
    application, other = _application(worker), _application(worker)
    prefix = f"w{worker.user_id}-"
    return [
        (
            f"/street/appraisals/{YEAR}/workers/{worker.user_id}",
            {prefix + "result": "excellent", prefix + "csrf_token": None},
        ),
        (
            f"/street/care-fund/{application.id}/approve",
            {f"a{application.id}-comment": "同意", f"a{application.id}-csrf_token": None},
        ),
        (
            f"/street/care-fund/{other.id}/reject",
            {f"r{other.id}-comment": "不同意", f"r{other.id}-csrf_token": None},
        ),
    ]


WRITE_EXPECTED = {
    ("street_admin", "own"): {200, 303},
    ("street_admin", "sister"): {404},
    ("street_admin", "other"): {404},
    ("district_admin", "own"): {403},
    ("district_admin", "sister"): {403},
    ("district_admin", "other"): {403},
}


@pytest.mark.parametrize("whose", ["own", "sister", "other"])
@pytest.mark.parametrize("who", ["street_admin", "district_admin"])
def test_record_writes_matrix(app, team, who, whose):
    """Record writes: the street admin's own street only (404 elsewhere); the district admin 403."""
    client = logged_in(app, _user(team, who))
    for path, data in _writes(team, whose):
        token = csrf_token(client, "/street/dashboard")
        data = {key: (token if value is None else value) for key, value in data.items()}
        before = (_count(AuditEntry), _count(Appraisal))
        status = client.post(path, data=data).status_code
        assert status in WRITE_EXPECTED[(who, whose)], (path, status)
        if status in {403, 404}:
            assert (_count(AuditEntry), _count(Appraisal)) == before  # nothing changed


ROLE_WRITES = [
    (f"/street/appraisals/{YEAR}/publish", {}),
    ("/street/care", {"kind": "health_check", "occurred_on": local_today().isoformat()}),
    ("/street/care/leave", {}),
]


@pytest.mark.parametrize(("path", "data"), ROLE_WRITES)
@pytest.mark.parametrize("who", ["district_admin", *NOT_ADMINS])
def test_street_writes_refused_to_district_admin_and_other_roles(app, team, path, data, who):
    """Publishing, recording benefits and leave days: 403 for the district admin and other roles."""
    client = logged_in(app, _user(team, who))
    before = _count(AuditEntry)
    token = csrf_token(client, "/")
    response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code == 403
    assert _count(AuditEntry) == before


def test_district_admin_pages_offer_no_writes(app, team):
    """The district admin's pages show no form that would write."""
    _application(team.workers[0])
    client = logged_in(app, team.district_admin)
    grid = client.get(f"/street/appraisals?year={YEAR}").get_data(as_text=True)
    assert "hx-post" not in grid and "/publish" not in grid
    assert "/approve" not in client.get("/street/care-fund").get_data(as_text=True)
    assert 'action="/street/care"' not in client.get("/street/care").get_data(as_text=True)


def test_district_admin_chooses_any_street_of_the_district_only(app, team):
    """The street selector shows a sister street; a street of another district is never shown."""
    client = logged_in(app, team.district_admin)
    sister = client.get(f"/street/dashboard?street={team.sister.id}").get_data(as_text=True)
    assert team.sister.name in sister
    other = client.get(f"/street/dashboard?street={team.other_street.id}").get_data(as_text=True)
    assert team.other_street.name not in other and team.district.name in other
    grid = client.get(f"/street/appraisals?year={YEAR}&street={team.sister.id}")
    assert team.sister_worker.user.name in grid.get_data(as_text=True)
    grid = client.get(f"/street/appraisals?year={YEAR}&street={team.other_street.id}")
    assert team.other_worker.user.name not in grid.get_data(as_text=True)


def test_street_admin_cannot_choose_another_street(app, team):
    """A street admin's ?street= is ignored: their own street is shown."""
    client = logged_in(app, team.admin)
    grid = client.get(f"/street/appraisals?year={YEAR}&street={team.sister.id}").get_data(
        as_text=True
    )
    assert team.sister_worker.user.name not in grid and team.workers[0].user.name in grid
    page = client.get(f"/street/dashboard?street={team.sister.id}").get_data(as_text=True)
    assert team.street.name in page and team.sister.name not in page


@pytest.mark.parametrize("who", ["street_admin", "district_admin", "trainer"])
def test_care_fund_application_page_is_for_workers(app, team, who):
    """Only a worker applies to the care fund; users without a worker record get 403."""
    client = logged_in(app, _user(team, who))
    assert client.get("/me/care-fund").status_code == 403
    assert (
        client.post("/me/care-fund", data={"csrf_token": csrf_token(client, "/")}).status_code
        == 403
    )


def test_worker_sees_only_their_own_applications(app, team):
    """A worker's care-fund page lists their applications, not a colleague's."""
    _application(team.workers[1])
    page = logged_in(app, team.workers[0].user).get("/me/care-fund").get_data(as_text=True)
    assert "困难帮扶" not in page


def test_team_nav_link_leads_to_the_dashboard(app, team):
    """The "Team" link of the admin's navigation opens the team dashboard."""
    page = logged_in(app, team.admin).get("/street/workers").get_data(as_text=True)
    assert 'href="/street/dashboard"' in page
