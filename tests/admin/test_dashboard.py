"""The team dashboard: every figure against a small street whose numbers are worked out by hand.

The street (Jiangsu profile: training 5/3/3 days of 8 学时; exit after 2 × 不合格 or
3 × 基本合格, "基本" below) on the fixed day 2025-07-01 (day 182 of 365):

| worker | community | post, grade | education | party | certificate | training | results |
|---|---|---|---|---|---|---|---|
| A | 东 | 正职 10 | 本科 | yes | 社会工作师 | 40 of 40: done | 2023–24 合格 |
| B | 东 | 副职 6 | 大专 | yes | eligible 2021-01-01: overdue | 0 of 24: behind | 2024 不合格 |
| C | 东 | 一般 3 | 高中 | no | eligible 2022-09-01: 62 days | 16 of 24: on pace | 2022–24 基本 |
| D | 西 | 一般 1 | 硕士 | yes | 助理社会工作师 | 24 of 24: done | new entrant, mentored |
| E | 西 | 一般 2 | 大专 | no | not eligible | 0 of 24: behind | new, no mentor; 2024 不合格 draft |
| F | 西 | 副职 5, seconded | 本科 | yes | 高级社会工作师 | 24 of 24: done | — |
| G | 东 | 正职 12, exited | — | — | — | — | 2023–24 不合格 (exited: not counted) |

Talks this month: D and F (A's talk was last month). 东 has 10,000 residents, 西 1,000,
北 none entered.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.admin import dashboard, figures
from portal.admin.rules import SuggestedAction
from portal.enums import (
    AppraisalResult,
    CertificateKind,
    Education,
    PostType,
    Role,
    WorkerStatus,
)
from portal.extensions import db
from portal.models import Appraisal, Certificate, Community, MentorPairing, Talk
from portal.people.scope import admin_scope, scope_streets
from portal.policy.rules import CertLevel
from tests.admin.roster_support import build_team
from tests.factories import new_user, new_worker
from tests.helpers import logged_in

TODAY = date(2025, 7, 1)
PUBLISHED = datetime(2025, 1, 20, 2, 0, tzinfo=UTC)
Q, B_, U = AppraisalResult.QUALIFIED, AppraisalResult.BASIC, AppraisalResult.UNQUALIFIED


def _appraise(worker, results: dict[int, AppraisalResult], *, published: bool = True) -> None:
    for year, result in results.items():
        db.session.add(
            Appraisal(
                worker_id=worker.user_id,
                year=year,
                result=result,
                published_at=PUBLISHED if published else None,
            )
        )


def _certify(worker, kind: CertificateKind) -> None:
    db.session.add(
        Certificate(
            worker_id=worker.user_id,
            kind=kind,
            number=f"N{worker.user_id}",
            issued_on=date(2020, 1, 1),
        )
    )


def _train(make_training, attend, worker, hours: str) -> None:
    attend(worker, make_training(on=date(2025, 3, 3), hours=hours))


def _person(community, name, post, grade, education, party, **fields):
    worker = new_worker(community, name=name, post_type=post, grade=grade, **fields)
    worker.education = education
    worker.party_member = party
    return worker


@pytest.fixture
def street(db, make_training, attend):
    """Build the street of the module docstring; return (team, workers by letter)."""
    team = build_team(workers=0)
    team.east.name, team.west.name = "A东社区", "B西社区"
    team.east.population, team.west.population = 10000, 1000
    north = Community(street=team.street, name="C北社区", population=None)
    db.session.add(north)
    w = {
        "A": _person(team.east, "甲", PostType.HEAD, 10, Education.BACHELOR, True),
        "B": _person(
            team.east,
            "乙",
            PostType.DEPUTY,
            6,
            Education.COLLEGE,
            True,
            exam_eligible_on=date(2021, 1, 1),
        ),
        "C": _person(
            team.east,
            "丙",
            PostType.STAFF,
            3,
            Education.HIGH_SCHOOL,
            False,
            exam_eligible_on=date(2022, 9, 1),
        ),
        "D": _person(
            team.west,
            "丁",
            PostType.STAFF,
            1,
            Education.MASTER,
            True,
            started_on=date(2025, 3, 1),
        ),
        "E": _person(
            team.west,
            "戊",
            PostType.STAFF,
            2,
            Education.COLLEGE,
            False,
            started_on=date(2025, 5, 1),
        ),
        "F": _person(
            team.west,
            "己",
            PostType.DEPUTY,
            5,
            Education.BACHELOR,
            True,
            status=WorkerStatus.SECONDED,
        ),
        "G": _person(
            team.east,
            "庚",
            PostType.HEAD,
            12,
            Education.HIGH_SCHOOL,
            False,
            status=WorkerStatus.EXITED,
        ),
    }
    _certify(w["A"], CertificateKind.SOCIAL_WORKER)
    _certify(w["D"], CertificateKind.ASSISTANT_SOCIAL_WORKER)
    _certify(w["F"], CertificateKind.SENIOR_SOCIAL_WORKER)
    _certify(w["E"], CertificateKind.COUNSELLOR)  # not a social-work qualification
    _train(make_training, attend, w["A"], "40")
    _train(make_training, attend, w["C"], "16")
    _train(make_training, attend, w["D"], "24")
    _train(make_training, attend, w["F"], "24")
    _appraise(w["A"], {2023: Q, 2024: Q})
    _appraise(w["B"], {2024: U})
    _appraise(w["C"], {2022: B_, 2023: B_, 2024: B_})
    _appraise(w["E"], {2024: U}, published=False)
    _appraise(w["G"], {2023: U, 2024: U})
    leader = new_user(Role.TALK_LEADER, street=team.street)
    for worker, day in (
        (w["D"], date(2025, 7, 1)),
        (w["F"], date(2025, 7, 1)),
        (w["A"], date(2025, 6, 30)),
    ):
        db.session.add(Talk(worker_id=worker.user_id, leader_id=leader.id, held_on=day))
    db.session.add(
        MentorPairing(
            mentor_id=w["A"].user_id, mentee_id=w["D"].user_id, starts_on=date(2025, 3, 2)
        )
    )
    db.session.flush()
    return team, w


def _figures(team, today=TODAY):
    return dashboard.team_figures(admin_scope(team.admin), today)


def test_headcount_counts_workers_on_post_and_seconded_by_community_and_post(street):
    """Headcount: on-post plus seconded workers by community and post type; exited ones are out."""
    team, _w = street
    figures = _figures(team)
    assert figures.headcount == 6
    assert figures.by_post == {PostType.HEAD: 1, PostType.DEPUTY: 2, PostType.STAFF: 3}
    rows = {row.community: (row.by_post, row.total) for row in figures.communities}
    assert rows == {
        "A东社区": ({PostType.HEAD: 1, PostType.DEPUTY: 1, PostType.STAFF: 1}, 3),
        "B西社区": ({PostType.HEAD: 0, PostType.DEPUTY: 1, PostType.STAFF: 2}, 3),
        "C北社区": ({PostType.HEAD: 0, PostType.DEPUTY: 0, PostType.STAFF: 0}, 0),
    }


def test_grade_distribution_counts_each_grade_by_post_type(street):
    """The grade distribution has each worker once, at their grade and post type."""
    team, _w = street
    grades = _figures(team).grades
    assert sorted(grades) == list(range(1, 19))
    nonzero = {
        (grade, post): n for grade, by_post in grades.items() for post, n in by_post.items() if n
    }
    assert nonzero == {
        (10, PostType.HEAD): 1,
        (6, PostType.DEPUTY): 1,
        (5, PostType.DEPUTY): 1,
        (3, PostType.STAFF): 1,
        (2, PostType.STAFF): 1,
        (1, PostType.STAFF): 1,
    }


def test_rates_against_the_targets_of_003(street):
    """Certified 3/6, party 4/6, college 5/6: each short of 60/70/90 % by exactly one worker."""
    team, _w = street
    figures = _figures(team)
    assert (figures.certified.count, figures.certified.total, figures.certified.percent) == (
        3,
        6,
        50,
    )
    assert (figures.party.count, figures.party.percent) == (4, 66)
    assert (figures.college.count, figures.college.percent) == (5, 83)
    for rate, target in ((figures.certified, 60), (figures.party, 70), (figures.college, 90)):
        assert rate.target == target
        assert not rate.met
        assert rate.missing == 1


def test_rate_meets_target_exactly_not_after_rounding():
    """A target is met at exactly its share, never by rounding up (69.9 % is not 70 %)."""
    assert figures.Rate(7, 10, 70).met and figures.Rate(7, 10, 70).missing == 0
    assert not figures.Rate(699, 1000, 70).met and figures.Rate(699, 1000, 70).percent == 69
    assert figures.Rate(0, 0, 60).percent is None and not figures.Rate(0, 0, 60).met


def test_training_compliance_splits_done_on_pace_and_behind(street):
    """Training: A, D, F done; C on pace (16 ≥ 12 expected); B and E behind."""
    team, w = street
    training = _figures(team).training
    assert (training.done, training.on_pace, training.behind, training.total) == (3, 1, 2, 6)
    assert [row.worker_id for row in training.behind_rows] == [w["B"].user_id, w["E"].user_id]
    assert [row.progress.missing for row in training.behind_rows] == [Decimal(24), Decimal(24)]


def test_certificate_deadlines_overdue_and_within_180_days(street):
    """B's deadline passed (2024-01-01); C's is 62 days away (2025-09-01); others are not listed."""
    team, w = street
    figures = _figures(team)
    assert [(r.worker_id, r.deadline) for r in figures.overdue] == [
        (w["B"].user_id, date(2024, 1, 1))
    ]
    assert [(r.worker_id, r.state.days_left, r.state.level) for r in figures.due_soon] == [
        (w["C"].user_id, 62, CertLevel.RED)
    ]


def test_exit_risks_list_who_is_at_or_one_result_from_a_rule_with_help_first(street):
    """C has hit 3 × 基本合格 (talk, training); B is one 不合格 away (talk, mentor); others not."""
    team, w = street
    rows = _figures(team).exit_risks
    assert [row.worker.user_id for row in rows] == [w["C"].user_id, w["B"].user_id]
    c, b = rows
    assert c.triggered and [(r.rule_code, r.streak) for r in c.risks] == [("basic_3y", 3)]
    assert c.actions == [SuggestedAction.TALK, SuggestedAction.TRAINING]
    assert not b.triggered and [(r.rule_code, r.streak, r.one_away) for r in b.risks] == [
        ("unqualified_2y", 1, True)
    ]
    assert b.actions == [SuggestedAction.TALK, SuggestedAction.MENTOR]


def test_talk_and_mentoring_coverage(street):
    """Talked with this month: D and F of six (33 %); new entrants D and E, one with a mentor."""
    team, _w = street
    mentoring = _figures(team).mentoring
    assert (mentoring.talks.talked, mentoring.talks.total, mentoring.talks.percent) == (2, 6, 33)
    assert (mentoring.new_entrants, mentoring.with_mentor, mentoring.awaiting_mentor) == (2, 1, 1)
    assert mentoring.mentor_percent == 50


def test_talk_coverage_agrees_with_the_mentoring_page(street):
    """The dashboard's 谈心 coverage is the same figure the mentoring admin page shows."""
    from portal.mentoring import queries as mentoring_queries

    team, _w = street
    report = mentoring_queries.street_report(team.street.id, TODAY, TODAY)
    mentoring = _figures(team).mentoring
    assert (mentoring.talks.talked, mentoring.talks.total) == (
        report.coverage.talked,
        report.coverage.total,
    )
    assert mentoring.awaiting_mentor == len(report.awaiting_mentor)


def test_staffing_against_18_per_10000_residents(street):
    """东: 3 workers for 10,000 residents (18 called for); 西: 3 for 1,000 (1.8); 北 not entered."""
    team, _w = street
    figures = _figures(team)
    rows = {
        row.community: (row.population, row.headcount, row.quota, row.per_10000, row.short)
        for row in figures.staffing
    }
    assert rows == {
        "A东社区": (10000, 3, Decimal("18.0"), Decimal("3.0"), True),
        "B西社区": (1000, 3, Decimal("1.8"), Decimal("30.0"), False),
    }
    total = figures.staffing_total
    assert (total.population, total.headcount, total.quota, total.per_10000) == (
        11000,
        6,
        Decimal("19.8"),
        Decimal("5.5"),
    )


def test_dashboard_page_shows_the_figures(app, street):
    """The page shows the headline figures, the risks with their help, and an accessible chart."""
    team, _w = street
    client = logged_in(app, team.admin)
    page = client.get("/street/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "队伍概况" in html and "队伍底数" in html
    assert "6 人中 3 人 · 目标 60%" in html  # certified
    assert "距目标还差 1 人" in html
    assert "丙" in html and "乙" in html  # exit risks
    assert "谈心谈话" in html and "导师帮带" in html
    assert 'role="img"' in html and "<desc" in html and "<title" in html
    assert "庚" not in html  # exited
    assert team.sister_worker.user.name not in html


def test_street_admin_sees_only_their_street(street):
    """The sister street's worker is in no figure of the street admin's dashboard."""
    team, _w = street
    figures = _figures(team)
    assert figures.headcount == 6
    assert not figures.streets  # no per-street table for a street admin


def test_district_view_sums_every_street_and_compares_them(street):
    """A district admin sees the whole district (7 workers) and one summary row per street."""
    team, _w = street
    scope = admin_scope(team.district_admin)
    streets = scope_streets(scope)
    figures = dashboard.team_figures(scope, TODAY, streets=streets)
    assert figures.headcount == 7
    summary = {row.street.id: row for row in figures.streets}
    assert set(summary) == {team.street.id, team.sister.id}
    assert summary[team.street.id].headcount == 6
    assert summary[team.street.id].certified.count == 3
    assert summary[team.street.id].training_behind == 2
    assert summary[team.street.id].certificates_overdue == 1
    assert summary[team.street.id].exit_risks == 2
    assert summary[team.sister.id].headcount == 1


def test_district_admin_narrows_to_one_street_of_the_district_only(street):
    """The street selector narrows to one street; a street of another district is ignored."""
    team, _w = street
    scope = admin_scope(team.district_admin)
    streets = scope_streets(scope)
    view = dashboard.narrowed(scope, team.sister.id, streets)
    assert dashboard.team_figures(view, TODAY).headcount == 1
    assert dashboard.narrowed(scope, team.other_street.id, streets) is scope
