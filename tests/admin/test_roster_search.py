"""The roster: search as you type, filters, pages, the certificate state, few queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.admin import rules as admin_rules
from portal.enums import CertificateKind, PostType, WorkerStatus
from portal.models import Certificate
from portal.policy import load_profile, rules
from portal.policy.rules import CertLevel
from portal.timeutil import local_today
from tests.admin.roster_support import build_team
from tests.factories import new_worker
from tests.helpers import logged_in

HX = {"HX-Request": "true"}


@pytest.fixture
def team(db):
    """A street with named workers of every kind the filters tell apart."""
    team = build_team(workers=0)
    today = local_today()
    east, west = team.east, team.west
    team.workers = [
        new_worker(east, name="张晓红", phone="13811110001", staff_no="HN-0001"),
        new_worker(east, name="李建国", phone="13811110002", post_type=PostType.HEAD, grade=9),
        new_worker(west, name="王小明", phone="13811110003", staff_no="HN-0777", grade=5),
        new_worker(
            west,
            name="赵借调",
            phone="13811110004",
            status=WorkerStatus.SECONDED,
            exam_eligible_on=today - timedelta(days=3 * 365 + 30),  # overdue
        ),
        new_worker(east, name="钱退出", phone="13811110005", status=WorkerStatus.EXITED),
    ]
    return team


def _names(page: str, team) -> set[str]:
    return {w.user.name for w in team.workers if w.user.name in page}


def test_search_matches_name_phone_and_staff_number(app, team):
    """The search box finds workers by part of the name, the phone or the staff number."""
    client = logged_in(app, team.admin)
    by_name = client.get("/street/workers?q=晓").get_data(as_text=True)
    assert _names(by_name, team) == {"张晓红"}
    by_phone = client.get("/street/workers?q=10003").get_data(as_text=True)
    assert _names(by_phone, team) == {"王小明"}
    by_staff = client.get("/street/workers?q=HN-07").get_data(as_text=True)
    assert _names(by_staff, team) == {"王小明"}
    nothing = client.get("/street/workers?q=%25").get_data(as_text=True)  # % is not a wildcard
    assert _names(nothing, team) == set()
    assert "没有符合条件的社工" in nothing


def test_htmx_search_returns_the_results_block_only(app, team):
    """Typing sends an htmx request; the answer is the results block, not the whole page."""
    client = logged_in(app, team.admin)
    response = client.get("/street/workers?q=李", headers=HX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in fragment and 'id="q"' not in fragment
    assert _names(fragment, team) == {"李建国"}
    assert "HX-Request" in response.headers["Vary"]
    page = client.get("/street/workers").get_data(as_text=True)
    assert 'hx-trigger="input changed delay:300ms, search"' in page


def test_filters(app, team):
    """Community, post type, grade, status and certificate state narrow the list."""
    client = logged_in(app, team.admin)

    def names(query: str) -> set[str]:
        return _names(client.get(f"/street/workers?{query}").get_data(as_text=True), team)

    assert names("") == {"张晓红", "李建国", "王小明", "赵借调"}  # the current team
    assert names(f"community={team.west.id}") == {"王小明", "赵借调"}
    assert names("post=head") == {"李建国"}
    assert names("grade=5") == {"王小明"}
    assert names("status=seconded") == {"赵借调"}
    assert names("status=exited") == {"钱退出"}
    assert names("status=all") == {"张晓红", "李建国", "王小明", "赵借调", "钱退出"}
    assert names("cert=overdue") == {"赵借调"}
    assert names("cert=not_eligible") == {"张晓红", "李建国", "王小明"}
    sister_community = team.sister_worker.community_id
    assert names(f"community={sister_community}") == names("")  # not in scope: ignored


def test_certified_filter_and_badge(app, db, team):
    """A social-work certificate makes a worker certified; a 全科社工 certificate alone does not."""
    db.session.add_all(
        [
            Certificate(
                worker_id=team.workers[0].user_id,
                kind=CertificateKind.ASSISTANT_SOCIAL_WORKER,
                number="A-1",
                issued_on=date(2022, 1, 1),
            ),
            Certificate(
                worker_id=team.workers[1].user_id,
                kind=CertificateKind.GENERALIST,
                number="G-1",
                issued_on=date(2022, 1, 1),
            ),
        ]
    )
    db.session.flush()
    client = logged_in(app, team.admin)
    page = client.get("/street/workers?cert=certified").get_data(as_text=True)
    assert _names(page, team) == {"张晓红"}
    assert "已持证" in page


def test_pages(app, db, team):
    """Fifty workers a page; the next page carries the filters along."""
    for i in range(55):
        new_worker(team.east, name=f"分页{i:02d}", phone=f"1382222{i:04d}")
    client = logged_in(app, team.admin)
    first = client.get(f"/street/workers?community={team.east.id}").get_data(as_text=True)
    assert "共 57 人" in first and "第 1 / 2 页" in first
    assert f"community={team.east.id}" in first.split("下一页")[0].rsplit("href=", 1)[1]
    second = client.get(f"/street/workers?community={team.east.id}&page=2").get_data(as_text=True)
    assert "第 2 / 2 页" in second
    assert second.count('class="roster-item') == 7


def _sql_level(profile, eligible: date, today: date) -> CertLevel:
    """Return the level the roster's SQL bands give an uncertified worker."""
    if eligible <= admin_rules.latest_eligibility_for_deadline(profile, today - timedelta(days=1)):
        return CertLevel.OVERDUE
    red = admin_rules.latest_eligibility_for_deadline(
        profile, today + timedelta(days=profile.certificate.red_days)
    )
    if eligible <= red:
        return CertLevel.RED
    amber = admin_rules.latest_eligibility_for_deadline(
        profile, today + timedelta(days=profile.certificate.amber_days)
    )
    return CertLevel.AMBER if eligible <= amber else CertLevel.OK


@pytest.mark.parametrize("today", [date(2025, 3, 1), date(2024, 2, 29), date(2028, 2, 28)])
@pytest.mark.parametrize("policy", ["jiangsu", "national", "shanghai_baoshan"])
def test_sql_certificate_bands_agree_with_the_rules(policy, today):
    """For every eligibility date over four years, the SQL bands match certificate_state."""
    profile = load_profile(policy)
    start = today - timedelta(days=4 * 366)
    for offset in range(0, 4 * 366 + 400):
        eligible = start + timedelta(days=offset)
        deadline = rules.certificate_deadline(profile, eligible)
        expected = rules.certificate_state(profile, deadline, today, certified=False).level
        assert _sql_level(profile, eligible, today) is expected, (eligible, today)


def _team_of(size: int):
    team = build_team(workers=size)
    for worker in team.workers[::3]:
        worker.exam_eligible_on = local_today() - timedelta(days=400)
    return team


@pytest.mark.parametrize("query", ["", "?q=社工", "?cert=amber&post=staff", "?status=all&grade=3"])
def test_roster_queries_do_not_grow_with_the_street(app, db, count_queries, query):
    """The roster costs the same few queries for 5 workers as for 60."""
    counts = []
    for size in (5, 60):
        team = _team_of(size)
        client = logged_in(app, team.admin)
        client.get("/street/workers")  # warm up: the session user, the profile
        with count_queries() as statements:
            response = client.get(f"/street/workers{query}")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[1] <= 7
