"""Who may use the admin pages, as a matrix: roles × own street / sister street / other district.

A street admin reads and changes their own street; a district admin reads every street of
their district and changes nothing (403 on every write); other roles get 403; a worker
outside the admin's scope answers 404.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.enums import Role
from portal.models import AuditEntry
from tests.admin.roster_support import build_team
from tests.factories import new_user
from tests.helpers import logged_in, post_form


@pytest.fixture
def team(db):
    """A street with three workers, a sister street of the district, another district."""
    return build_team()


def _user(team, who: str):
    if who in {"worker", "trainer", "mentor", "talk_leader"}:
        if who == "worker":
            return team.workers[0].user
        return new_user(Role(who), street=team.street)
    if who == "platform_admin":  # sets up the tree; reads no roster
        return new_user(Role.PLATFORM_ADMIN)
    return {
        "street_admin": team.admin,
        "district_admin": team.district_admin,
    }[who]


def _worker(team, whose: str):
    return {"own": team.workers[1], "sister": team.sister_worker, "other": team.other_worker}[whose]


NOT_ADMINS = ["worker", "trainer", "mentor", "talk_leader", "platform_admin"]
WHOSE = ["own", "sister", "other"]

READ_EXPECTED = {
    ("street_admin", "own"): 200,
    ("street_admin", "sister"): 404,
    ("street_admin", "other"): 404,
    ("district_admin", "own"): 200,
    ("district_admin", "sister"): 200,
    ("district_admin", "other"): 404,
}
WRITE_EXPECTED = {
    ("street_admin", "own"): 200,
    ("street_admin", "sister"): 404,
    ("street_admin", "other"): 404,
    ("district_admin", "own"): 403,
    ("district_admin", "sister"): 403,
    ("district_admin", "other"): 403,
}
WORKER_READS = ["/street/workers/{w}"]
WORKER_WRITE_PAGES = ["/street/workers/{w}/edit", "/street/workers/{w}/status"]
WORKER_POSTS = [
    ("/street/workers/{w}/edit", {"name": "改名"}),
    ("/street/workers/{w}/status", {"status": "exited", "since": "2024-01-01", "reason": "x"}),
    ("/street/workers/{w}/password", {}),
]
ROLE_PAGES = [
    "/street",
    "/street/workers",
    "/street/exports",
    "/street/export/roster.xlsx",
    "/street/export/exit-risks.xlsx",
    "/street/import/template/roster.xlsx",
]
WRITE_ROLE_PAGES = ["/street/workers/new", "/street/import"]
WRITE_ROLE_POSTS = ["/street/workers/new", "/street/import", "/street/import/commit"]


def _audit_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


@pytest.mark.parametrize("who", NOT_ADMINS)
@pytest.mark.parametrize("path", ROLE_PAGES + WRITE_ROLE_PAGES + WORKER_READS + WORKER_WRITE_PAGES)
def test_other_roles_get_403(app, team, who, path):
    """Workers, trainers, mentors, talk leaders and platform admins get 403 on every admin page."""
    client = logged_in(app, _user(team, who))
    response = client.get(path.format(w=team.workers[1].user_id))
    assert response.status_code == 403
    assert "您无权访问此页面" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", NOT_ADMINS)
@pytest.mark.parametrize(("path", "data"), WORKER_POSTS)
def test_other_roles_cannot_write(app, db, team, who, path, data):
    """A worker-record write by another role is refused with 403 and changes nothing."""
    target = team.workers[1]
    before = (_audit_count(db), target.user.name, target.status)
    client = logged_in(app, _user(team, who))
    response = post_form(client, path.format(w=target.user_id), data)
    assert response.status_code == 403
    db.session.expire_all()
    assert (_audit_count(db), target.user.name, target.status) == before


@pytest.mark.parametrize("who", ["street_admin", "district_admin"])
@pytest.mark.parametrize("path", ROLE_PAGES)
def test_admins_open_read_pages(app, team, who, path):
    """Street and district admins open the roster, the exports and the templates."""
    client = logged_in(app, _user(team, who))
    response = client.get(path)
    assert response.status_code in {200, 302}


@pytest.mark.parametrize("path", WRITE_ROLE_PAGES)
def test_district_admin_gets_403_on_write_pages(app, team, path):
    """A district admin may not open the new-worker and import pages."""
    client = logged_in(app, team.district_admin)
    assert client.get(path).status_code == 403
    assert logged_in(app, team.admin).get(path).status_code == 200


@pytest.mark.parametrize("path", WRITE_ROLE_POSTS)
def test_district_admin_posts_are_refused(app, db, team, path):
    """A district admin's new worker, upload or commit is refused with 403, nothing saved."""
    before = _audit_count(db)
    client = logged_in(app, team.district_admin)
    response = post_form(client, path, {"name": "新人", "phone": "13912345678", "token": "x"})
    assert response.status_code == 403
    assert _audit_count(db) == before


@pytest.mark.parametrize("whose", WHOSE)
@pytest.mark.parametrize("who", ["street_admin", "district_admin"])
@pytest.mark.parametrize("path", WORKER_READS)
def test_reading_a_worker(app, team, who, whose, path):
    """A worker's file opens for the admin of their street or district, else 404."""
    client = logged_in(app, _user(team, who))
    response = client.get(path.format(w=_worker(team, whose).user_id))
    assert response.status_code == READ_EXPECTED[(who, whose)]


@pytest.mark.parametrize("whose", WHOSE)
@pytest.mark.parametrize("who", ["street_admin", "district_admin"])
@pytest.mark.parametrize("path", WORKER_WRITE_PAGES)
def test_write_pages_of_a_worker(app, team, who, whose, path):
    """Edit and status pages open for the worker's own street admin only."""
    client = logged_in(app, _user(team, who))
    response = client.get(path.format(w=_worker(team, whose).user_id))
    assert response.status_code == WRITE_EXPECTED[(who, whose)]


@pytest.mark.parametrize("whose", ["sister", "other"])
@pytest.mark.parametrize("who", ["street_admin", "district_admin"])
@pytest.mark.parametrize(("path", "data"), WORKER_POSTS)
def test_writes_outside_scope_change_nothing(app, db, team, who, whose, path, data):
    """Writes to a worker of another street are refused (404 / 403) and change nothing."""
    target = _worker(team, whose)
    before = (_audit_count(db), target.user.name, target.status, target.user.password_hash)
    client = logged_in(app, _user(team, who))
    response = post_form(client, path.format(w=target.user_id), data)
    assert response.status_code == WRITE_EXPECTED[(who, whose)]
    db.session.expire_all()
    after = (_audit_count(db), target.user.name, target.status, target.user.password_hash)
    assert after == before


def test_district_admin_cannot_write_own_district_worker(app, db, team):
    """Even in their own district, a district admin's edit is refused with 403."""
    target = team.workers[0]
    client = logged_in(app, team.district_admin)
    response = post_form(client, f"/street/workers/{target.user_id}/password")
    assert response.status_code == 403
    db.session.expire_all()
    assert target.user.password_hash.startswith("pbkdf2")


def test_district_admin_sees_every_street_of_the_district(app, team):
    """The district admin's roster lists both streets of the district, not the other district."""
    page = logged_in(app, team.district_admin).get("/street/workers").get_data(as_text=True)
    assert team.workers[0].user.name in page
    assert team.sister_worker.user.name in page
    assert team.other_worker.user.name not in page
    assert "/street/workers/new" not in page  # no write buttons for a read-only admin


def test_street_admin_roster_is_their_street_only(app, team):
    """A street admin's roster lists only their own street's workers."""
    page = logged_in(app, team.admin).get("/street/workers").get_data(as_text=True)
    assert all(worker.user.name in page for worker in team.workers)
    assert team.sister_worker.user.name not in page
    assert team.other_worker.user.name not in page


def test_missing_worker_is_404(app, team):
    """A worker that does not exist answers 404."""
    assert logged_in(app, team.admin).get("/street/workers/99999999").status_code == 404
