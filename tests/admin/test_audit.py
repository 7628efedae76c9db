"""The audit-log viewer: the admin's street only, filters, pages, and readable changes.

Scoping rule (portal.audit.queries): an entry about a worker belongs to the worker's
street; otherwise to the street it names (an import); otherwise to the actor's street.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.audit.operations import record
from portal.enums import AppraisalResult, CareKind, Role
from portal.extensions import db
from portal.models import Appraisal, AuditEntry, CareRecord, Talk
from portal.talks.operations import record_talk_read
from portal.timeutil import local_today
from tests.admin.roster_support import build_team
from tests.factories import new_user
from tests.helpers import logged_in


@pytest.fixture
def log(db):
    """A street's team and a log with entries of every kind of subject, in and out of scope."""
    team = build_team(workers=2)
    own, other_own = team.workers
    leader = new_user(Role.TALK_LEADER, street=team.street, name="谈心负责人")
    talk = Talk(worker_id=own.user_id, leader_id=leader.id, held_on=local_today())
    appraisal = Appraisal(worker_id=other_own.user_id, year=2024, result=AppraisalResult.QUALIFIED)
    sister_care = CareRecord(
        worker_id=team.sister_worker.user_id,
        kind=CareKind.HEALTH_CHECK,
        year=2025,
        occurred_on=date(2025, 3, 1),
    )
    db.session.add_all([talk, appraisal, sister_care])
    db.session.flush()
    entries = {
        "own_worker": record(
            "worker_updated", own, actor=team.admin, before={"grade": 3}, after={"grade": 4}
        ),
        "sister_worker": record("worker_updated", team.sister_worker, actor=team.sister_admin),
        "talk_read": None,
        "appraisal": record(
            "appraisal_updated",
            appraisal,
            actor=team.admin,
            worker_id=other_own.user_id,
            before={"result": "qualified"},
            after={"result": "excellent"},
            reason="复核更正",
        ),
        "sister_care": record("care_record_created", sister_care, actor=team.sister_admin),
        "import": record("import_committed", team.street, actor=team.admin, kind="roster"),
        "admin_password": record("password_changed", team.admin, actor=team.admin),
        "sister_password": record("password_changed", team.sister_admin, actor=team.sister_admin),
        "deleted": record(
            "appraisal_deleted",
            Appraisal(id=999_999),
            actor=team.admin,
            worker_id=own.user_id,
            before={"result": "basic"},
        ),
        "other_district": record("worker_updated", team.other_worker, actor=team.other_admin),
    }
    record_talk_read(talk, actor=leader, via="page")
    db.session.flush()
    entries["talk_read"] = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "talk_note_read")
    ).one()
    return team, leader, entries


def _shown(html: str, entries: dict) -> set[str]:
    """Return which named entries appear on the page (each entry's id is in its markup)."""
    return {name for name, entry in entries.items() if f'data-entry="{entry.id}"' in html}


IN_STREET = {"own_worker", "talk_read", "appraisal", "import", "admin_password", "deleted"}
IN_SISTER = {"sister_worker", "sister_care", "sister_password"}


def test_street_admin_sees_only_entries_of_their_street(app, log):
    """Writes on the street's workers, reads of their talk notes, its import, the admin's own."""
    team, _leader, entries = log
    html = logged_in(app, team.admin).get("/street/audit").get_data(as_text=True)
    assert _shown(html, entries) == IN_STREET


def test_sister_street_admin_sees_their_own_entries(app, log):
    """The sister street's admin sees the sister street's entries and none of the street's."""
    team, _leader, entries = log
    html = logged_in(app, team.sister_admin).get("/street/audit").get_data(as_text=True)
    assert _shown(html, entries) == IN_SISTER


def test_district_admin_sees_every_street_of_the_district_only(app, log):
    """The district admin sees both streets of the district, not the other district."""
    team, _leader, entries = log
    html = logged_in(app, team.district_admin).get("/street/audit").get_data(as_text=True)
    assert _shown(html, entries) == IN_STREET | IN_SISTER


@pytest.mark.parametrize("role", [Role.WORKER, Role.TALK_LEADER, Role.MENTOR, Role.TRAINER])
def test_other_roles_are_refused(app, log, role):
    """The audit log is a role page: 403 for everyone but admins."""
    team, _leader, _entries = log
    user = team.workers[0].user if role is Role.WORKER else new_user(role, street=team.street)
    assert logged_in(app, user).get("/street/audit").status_code == 403


def test_filter_by_action_shows_the_reads_of_talk_notes(app, log):
    """Filtering on "talk note read" leaves the read, with who read whose note."""
    team, _leader, entries = log
    html = (
        logged_in(app, team.admin).get("/street/audit?action=talk_note_read").get_data(as_text=True)
    )
    assert _shown(html, entries) == {"talk_read"}
    assert "查阅谈心记录" in html and "谈心负责人" in html and team.workers[0].user.name in html


def test_filter_by_actor_name(app, log):
    """Filtering on who acted keeps that person's entries only."""
    team, _leader, entries = log
    html = logged_in(app, team.admin).get("/street/audit?actor=谈心负责").get_data(as_text=True)
    assert _shown(html, entries) == {"talk_read"}


def test_filter_by_worker_concerned(app, log):
    """Filtering on a worker's name keeps the entries about that worker, whoever acted."""
    team, _leader, entries = log
    name = team.workers[0].user.name
    html = logged_in(app, team.admin).get(f"/street/audit?worker={name}").get_data(as_text=True)
    assert _shown(html, entries) == {"own_worker", "talk_read", "deleted"}


def test_filter_by_date_range(app, log):
    """The date range keeps entries made on those Beijing-time days."""
    team, _leader, entries = log
    old = entries["own_worker"]
    old.created_at = datetime(2024, 5, 1, 17, 0, tzinfo=UTC)  # 2024-05-02 01:00 in Beijing
    db.session.flush()
    client = logged_in(app, team.admin)
    html = client.get("/street/audit?from=2024-05-02&to=2024-05-02").get_data(as_text=True)
    assert _shown(html, entries) == {"own_worker"}
    html = client.get("/street/audit?to=2024-05-01").get_data(as_text=True)
    assert _shown(html, entries) == set()
    later = client.get("/street/audit?from=2024-05-03").get_data(as_text=True)
    assert "own_worker" not in _shown(later, entries) and "import" in _shown(later, entries)


def test_bad_date_is_explained_and_ignored(app, log):
    """A date that is not YYYY-MM-DD is named in Chinese; the rest of the log still shows."""
    team, _leader, entries = log
    html = logged_in(app, team.admin).get("/street/audit?from=昨天").get_data(as_text=True)
    assert "请按 YYYY-MM-DD 填写日期" in html
    assert _shown(html, entries) == IN_STREET


def test_changes_show_before_and_after_with_the_reason(app, log):
    """An entry shows what changed, from what to what, in words, and the reason given."""
    team, _leader, _entries = log
    html = (
        logged_in(app, team.admin)
        .get("/street/audit?action=appraisal_updated")
        .get_data(as_text=True)
    )
    assert "修改考核结果" in html
    assert "<del>合格</del> → <ins>优秀</ins>" in html
    assert "复核更正" in html


def test_pages_of_fifty_newest_first(app, log):
    """Sixty more entries: the first page has 50 and links to the older ones, holding the rest."""
    team, _leader, _entries = log
    for i in range(60):
        record("worker_updated", team.workers[1], actor=team.admin, step=i)
    db.session.flush()
    client = logged_in(app, team.admin)
    first = client.get("/street/audit").get_data(as_text=True)
    assert first.count('class="audit-entry"') == 50
    assert "step: 59" in first and "step: 10" in first and "step: 9" not in first
    older = (
        first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    )
    second = client.get(older).get_data(as_text=True)
    assert "step: 9" in second and "step: 59" not in second
    assert second.count('class="audit-entry"') == 60 + len(IN_STREET) - 50


def test_htmx_filter_answers_with_the_results_only(app, log):
    """The filter form's htmx request gets the results block, not the whole page."""
    team, _leader, _entries = log
    response = logged_in(app, team.admin).get(
        "/street/audit?action=import_committed", headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="audit-results"')
    assert "<html" not in html


def test_audit_page_is_a_handful_of_queries(app, log, count_queries):
    """The log page is the same few queries with 10 entries or 100."""
    team, _leader, _entries = log
    client = logged_in(app, team.admin)
    counts = []
    for _round in range(2):
        with count_queries() as statements:
            assert client.get("/street/audit").status_code == 200
        counts.append(len(statements))
        for i in range(90):
            record("worker_updated", team.workers[0], actor=team.admin, step=i)
        db.session.flush()
    assert counts[0] == counts[1] and counts[0] <= 6
