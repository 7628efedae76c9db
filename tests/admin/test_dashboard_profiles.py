"""The dashboard's targets, norms and ratios follow the district's policy profile.

One street on 2025-07-01, under each of the three profiles:

| worker | community | post | started | county training | 全科社工 | title |
|---|---|---|---|---|---|---|
| A | 东 | 正职 | 2015 | 2025-03 (this year) | current | 社会工作师 (中级) |
| B | 西 | 一般 | 2025-03 (new entrant) | — | — | — |
| C | 东 | 一般 | 2018 | 2022-05 | expired 2024 | 助理社会工作师 (初级) |
| D | 东 | 副职 | 2018 | 2023-06; a street training in 2025 | — | 高级 + 助理 (高级) |
| E | 西 | 一般 | 2016 | never before; 2025-04 | current | — |
| F | 东 | 正职, exited | 2010 | — | current | 高级 (not counted) |

Rotation (003 §6, Jiangsu): A yearly (正职), B new entrant, C's 3 years end in 2025, E never
trained: 4 due, A and E attended. 004 §8 (national, Baoshan) names no new entrants: 3 due.
"""

from __future__ import annotations

from datetime import date

import pytest

from portal.admin import dashboard, dashboard_views, rotation
from portal.enums import CertificateKind, OrganiserLevel, PostType, WorkerStatus
from portal.extensions import db
from portal.models import Certificate, Community
from portal.people.scope import admin_scope
from portal.policy.rules import RotationReason, TitleLevel
from tests.admin.roster_support import build_team
from tests.factories import new_worker
from tests.helpers import logged_in

TODAY = date(2025, 7, 1)
JIANGSU_TARGET = "目标：力争自 2024 年起 5 年内达到 60% 以上（苏社〔2024〕52号 第1条）"


def _certify(worker, kind, *, expires_on=None):
    db.session.add(
        Certificate(
            worker_id=worker.user_id,
            kind=kind,
            number=f"{kind.value}-{worker.user_id}",
            issued_on=date(2015, 1, 1),
            expires_on=expires_on,
        )
    )


def _street(policy, make_training, attend):
    team = build_team(policy=policy, workers=0)
    team.east.name, team.west.name = "A东社区", "B西社区"
    db.session.add(Community(street=team.street, name="C北社区"))

    def county(on):
        training = make_training(on=on)
        training.level = OrganiserLevel.COUNTY
        return training

    w = {
        "A": new_worker(team.east, name="甲", post_type=PostType.HEAD, grade=10,
                        started_on=date(2015, 1, 1)),
        "B": new_worker(team.west, name="乙", started_on=date(2025, 3, 1)),
        "C": new_worker(team.east, name="丙", started_on=date(2018, 1, 1)),
        "D": new_worker(team.east, name="丁", post_type=PostType.DEPUTY, grade=6,
                        started_on=date(2018, 1, 1)),
        "E": new_worker(team.west, name="戊", started_on=date(2016, 1, 1)),
        "F": new_worker(team.east, name="己", post_type=PostType.HEAD, grade=12,
                        started_on=date(2010, 1, 1), status=WorkerStatus.EXITED),
    }  # fmt: skip
    attend(w["A"], county(date(2025, 3, 3)))
    attend(w["C"], county(date(2022, 5, 10)))
    attend(w["D"], county(date(2023, 6, 1)))
    attend(w["D"], make_training(on=date(2025, 2, 1)))  # street level: not the county's
    attend(w["E"], county(date(2025, 4, 1)))
    _certify(w["A"], CertificateKind.GENERALIST)
    _certify(w["A"], CertificateKind.SOCIAL_WORKER)
    _certify(w["C"], CertificateKind.GENERALIST, expires_on=date(2024, 12, 31))
    _certify(w["C"], CertificateKind.ASSISTANT_SOCIAL_WORKER)
    _certify(w["D"], CertificateKind.SENIOR_SOCIAL_WORKER)
    _certify(w["D"], CertificateKind.ASSISTANT_SOCIAL_WORKER)
    _certify(w["E"], CertificateKind.GENERALIST)
    _certify(w["F"], CertificateKind.GENERALIST)
    _certify(w["F"], CertificateKind.SENIOR_SOCIAL_WORKER)
    db.session.flush()
    return team, w


@pytest.fixture
def jiangsu(db, make_training, attend):
    """The street under the Jiangsu profile (003)."""
    return _street("jiangsu", make_training, attend)


@pytest.fixture(params=["shanghai_baoshan", "national"])
def elsewhere(request, db, make_training, attend):
    """The street under a profile without Jiangsu's targets."""
    return request.param, _street(request.param, make_training, attend)


@pytest.fixture
def on_today(monkeypatch):
    """Pages see 2025-07-01 as today."""
    monkeypatch.setattr(dashboard_views, "local_today", lambda: TODAY)


def _figures(team):
    return dashboard.team_figures(admin_scope(team.admin), TODAY)


def _page(app, who, path="/street/dashboard"):
    response = logged_in(app, who).get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# -- figures ---------------------------------------------------------------------------


def test_jiangsu_rates_carry_the_targets_of_003_1(jiangsu):
    """003 §1: 60 / 70 / 90 % within 5 years from 2024, on a Jiangsu street."""
    team, _w = jiangsu
    figures = _figures(team)
    assert (figures.certified.target, figures.party.target, figures.college.target) == (
        60,
        70,
        90,
    )
    assert (figures.targets.within_years, figures.targets.from_year) == (5, 2024)
    assert figures.certified.count == 3  # A, C, D (F exited)


def test_no_target_outside_jiangsu(elsewhere):
    """004 and 001/002 set no shares: the rates have no target, no verdict, nothing missing."""
    _code, (team, _w) = elsewhere
    figures = _figures(team)
    assert figures.targets is None
    for rate in (figures.certified, figures.party, figures.college):
        assert rate.target is None and not rate.met and rate.missing == 0
    assert figures.certified.count == 3


def test_generalists_per_community_count_current_certificates_only(jiangsu):
    """003 §8: 东 has A (C's expired, F exited), 西 has E, 北 none: all below the minimum 2."""
    team, _w = jiangsu
    figures = _figures(team)
    rows = {row.community: (row.count, row.minimum, row.short, row.missing)
            for row in figures.generalists}  # fmt: skip
    assert rows == {
        "A东社区": (1, 2, True, 1),
        "B西社区": (1, 2, True, 1),
        "C北社区": (0, 2, True, 2),
    }
    assert figures.generalists_short == 3


def test_generalists_without_a_minimum_outside_jiangsu(elsewhere):
    """No seed but 003 §8 sets a number: the count shows, no community is short."""
    _code, (team, _w) = elsewhere
    figures = _figures(team)
    assert {row.community: (row.count, row.minimum) for row in figures.generalists} == {
        "A东社区": (1, None),
        "B西社区": (1, None),
        "C北社区": (0, None),
    }
    assert figures.generalists_short == 0


def test_rotation_under_003_6_counts_new_entrants(jiangsu):
    """003 §6: A (正职), B (new entrant), C (3 years since 2022), E (never): 4 due, 2 attended."""
    team, w = jiangsu
    figures = _figures(team).rotation
    assert (figures.due, figures.attended, figures.still_due) == (4, 2, 2)
    rows = rotation.still_due(admin_scope(team.admin), TODAY)
    assert [(r.worker_id, r.reason, r.last_trained_on) for r in rows] == [
        (w["C"].user_id, RotationReason.ROTATION, date(2022, 5, 10)),
        (w["B"].user_id, RotationReason.NEW_ENTRANT, None),
    ]


def test_rotation_under_004_8_leaves_new_entrants_to_the_three_years(elsewhere):
    """004 §8: only 书记、主任 yearly; B (joined 2025) is not due before 2027: 3 due, 2 attended."""
    _code, (team, w) = elsewhere
    figures = _figures(team).rotation
    assert (figures.due, figures.attended) == (3, 2)
    rows = rotation.still_due(admin_scope(team.admin), TODAY)
    assert [r.worker_id for r in rows] == [w["C"].user_id]


@pytest.mark.parametrize("code", ["jiangsu", "national", "shanghai_baoshan"])
def test_title_mix_counts_the_highest_qualification(db, make_training, attend, code):
    """A 中级, C 初级, D 高级 (its 助理 ignored); B and E hold none; only 002 §5(2) sets 4:4:2."""
    team, _w = _street(code, make_training, attend)
    titles = _figures(team).titles
    assert [(s.level, s.count, s.percent) for s in titles.shares] == [
        (TitleLevel.JUNIOR, 1, 33),
        (TitleLevel.MIDDLE, 1, 33),
        (TitleLevel.SENIOR, 1, 33),
    ]
    assert (titles.titled, titles.untitled) == (3, 2)
    expected = [40, 40, 20] if code == "shanghai_baoshan" else [None, None, None]
    assert [s.target for s in titles.shares] == expected


# -- what the admin reads -----------------------------------------------------------------


def test_jiangsu_page_shows_the_targets_and_their_source(app, jiangsu, on_today):
    """A Jiangsu street reads 003's targets, norm, minimum and rotation with their documents."""
    team, _w = jiangsu
    html = _page(app, team.admin)
    assert JIANGSU_TARGET in html
    assert "距目标还差" in html
    assert (
        "按每万城镇常住人口配备 18 名社区工作者，2025 年底前全面达标（苏社〔2024〕52号 第1条）"
        in html
    )
    assert "每个社区应有 2 名以上全科社工（苏社〔2024〕52号 第8条）" in html
    assert "3 个社区未达要求" in html and "差 2 人" in html
    assert "今年应参加县级轮训 4 人，已参加 2 人" in html
    assert "县级每年至少培训正职和新入职社区工作者 1 次" in html
    assert "苏社〔2024〕52号 第6条" in html
    assert "查看尚未参加的 2 人" in html
    assert "初级（助理社会工作师）" in html and "另有 2 人未持证" in html
    assert "建议占比" not in html  # 003 sets no title mix
    assert "（003 §1）" not in html


def test_page_elsewhere_shows_no_jiangsu_target_or_citation(app, elsewhere, on_today):
    """A Shanghai-Baoshan or national street: figures without 003's targets or its articles."""
    code, (team, _w) = elsewhere
    html = _page(app, team.admin)
    assert "6 人中" not in html  # headcount 5: nothing like "6 人中 3 人 · 目标 60%"
    assert "5 人中 3 人" in html  # certified 3 of 5, no target
    assert "目标：" not in html and "距目标还差" not in html and "目标 60%" not in html
    for article in ("第1条", "第6条", "第8条"):
        assert f"苏社〔2024〕52号 {article}" not in html
    assert "（003 §1）" not in html
    assert "按每万城镇常住人口配备 18 名社区工作者（中办发〔2024〕33号 第3条）" in html
    assert "年底前全面达标" not in html
    assert "每个社区应有" not in html and "未达要求" not in html
    assert "今年应参加县级轮训 3 人，已参加 2 人" in html
    assert "县级每年至少培训正职 1 次，其他社区工作者每 3 年至少轮训 1 次" in html
    assert "中办发〔2024〕33号 第8条" in html
    if code == "shanghai_baoshan":
        assert "建议占比" in html and "控制在 4 : 4 : 2 左右" in html
    else:
        assert "建议占比" not in html and "4 : 4 : 2" not in html


def test_still_due_list_names_who_and_why(app, jiangsu, on_today):
    """The link from the dashboard lists C (rotation, last 2022) and B (new entrant), not A or E."""
    team, _w = jiangsu
    html = _page(app, team.admin, "/street/dashboard/rotation")
    assert "2025 年应参加而尚未参加（2 人）" in html
    assert "丙" in html and "轮训到期" in html and "2022年5月10日" in html
    assert "乙" in html and "今年新入职" in html and "无记录" in html
    assert "甲" not in html and "戊" not in html and "己" not in html


def test_district_admin_sees_the_whole_district_still_due(app, jiangsu, on_today):
    """The district admin's list holds the street's two and the sister street's untrained one."""
    team, _w = jiangsu
    html = _page(app, team.district_admin, "/street/dashboard/rotation")
    assert "（3 人）" in html and team.sister_worker.user.name in html
    narrowed = _page(
        app, team.district_admin, f"/street/dashboard/rotation?street={team.street.id}"
    )
    assert "（2 人）" in narrowed and team.sister_worker.user.name not in narrowed


def test_still_due_list_is_for_admins_only(app, jiangsu):
    """A worker gets 403 on the list."""
    _team, w = jiangsu
    response = logged_in(app, w["A"]).get("/street/dashboard/rotation")
    assert response.status_code == 403


def test_staffing_row_without_a_norm_calls_for_nothing():
    """A profile without [staffing]: the per-10,000 figure shows, no quota and never short."""
    from portal.admin.figures import StaffingRow

    row = StaffingRow(community="东", street="", population=10000, headcount=3, norm=None)
    assert (row.quota, row.short, row.per_10000) == (None, False, 3)
    normed = StaffingRow(community="东", street="", population=10000, headcount=3, norm=18)
    assert (normed.quota, normed.short) == (18, True)
