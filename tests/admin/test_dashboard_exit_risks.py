"""The dashboard's exit-risk list, table-driven from each policy profile's exit rules.

For every profile, rule and hiring route, a worker whose published results end in a
streak of the rule's result is listed when the streak is one short of the rule or has
reached it — and only when the rule covers their hiring route — with help to offer first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.admin import dashboard
from portal.admin.rules import SuggestedAction
from portal.enums import AppraisalResult, HiringRoute
from portal.models import Appraisal
from portal.people.scope import admin_scope
from portal.policy.profiles import load_profile
from tests.admin.roster_support import build_team
from tests.factories import new_worker
from tests.helpers import logged_in

TODAY = date(2025, 7, 1)
LAST = 2024  # the latest appraised year
PROFILES = ("national", "jiangsu", "shanghai_baoshan")


def _cases():
    for code in PROFILES:
        for rule in load_profile(code).exit_rules:
            for route in HiringRoute:
                for streak in range(max(rule.consecutive_years - 2, 1), rule.consecutive_years + 1):
                    yield pytest.param(
                        code, rule, route, streak, id=f"{code}-{rule.code}-{route.value}-{streak}"
                    )


def _expected_actions(result: AppraisalResult, *, triggered: bool, one_away: bool):
    """Help first: talk after 不合格 or at the rule, training for 基本合格, a mentor one away."""
    wanted = set()
    if triggered or result is not AppraisalResult.BASIC:
        wanted.add(SuggestedAction.TALK)
    if result is AppraisalResult.BASIC:
        wanted.add(SuggestedAction.TRAINING)
    if one_away:
        wanted.add(SuggestedAction.MENTOR)
    return [action for action in SuggestedAction if action in wanted]


@pytest.mark.parametrize(("code", "rule", "route", "streak"), list(_cases()))
def test_exit_risk_cases_from_the_rules(db, code, rule, route, streak):
    """Listed iff the rule covers the route and the streak is one short of it or at it."""
    team = build_team(policy=code, workers=0)
    worker = new_worker(team.east, name="风险社工", hiring_route=route)
    published = datetime(LAST + 1, 1, 20, tzinfo=UTC)
    results = {LAST - streak: AppraisalResult.QUALIFIED}  # the streak starts after a good year
    results.update({year: rule.result for year in range(LAST - streak + 1, LAST + 1)})
    for year, result in results.items():
        db.session.add(
            Appraisal(worker_id=worker.user_id, year=year, result=result, published_at=published)
        )
    db.session.flush()

    rows = dashboard.team_figures(admin_scope(team.admin), TODAY).exit_risks
    risks = [risk for row in rows for risk in row.risks if risk.rule_code == rule.code]
    threshold = rule.consecutive_years
    listed = rule.applies_to(route) and streak >= threshold - 1
    assert bool(risks) == listed
    if listed:
        [risk] = risks
        assert (risk.streak, risk.triggered, risk.one_away) == (
            streak,
            streak >= threshold,
            streak == threshold - 1,
        )
        [row] = rows
        assert row.worker.user_id == worker.user_id
        if len(row.risks) == 1:
            assert row.actions == _expected_actions(
                rule.result, triggered=risk.triggered, one_away=risk.one_away
            )


def test_unpublished_results_do_not_count(db):
    """A result the worker has not been told of yet puts nobody on the list."""
    team = build_team(policy="jiangsu", workers=0)
    worker = new_worker(team.east)
    db.session.add_all(
        Appraisal(worker_id=worker.user_id, year=year, result=AppraisalResult.UNQUALIFIED)
        for year in (2023, 2024)
    )
    db.session.flush()
    assert dashboard.team_figures(admin_scope(team.admin), TODAY).exit_risks == []


def test_page_names_the_risk_and_the_help(app, db):
    """The dashboard names the worker, the rule's streak and the suggested help in Chinese."""
    team = build_team(policy="jiangsu", workers=0)
    worker = new_worker(team.east, name="钱丽萍")
    published = datetime(2025, 1, 20, tzinfo=UTC)
    for year in (2023, 2024):
        db.session.add(
            Appraisal(
                worker_id=worker.user_id,
                year=year,
                result=AppraisalResult.BASIC,
                published_at=published,
            )
        )
    db.session.flush()
    html = logged_in(app, team.admin).get("/street/dashboard").get_data(as_text=True)
    section = html.split('id="exit-risks"', 1)[1].split("</section>", 1)[0]
    assert "钱丽萍" in section and "基本合格" in section
    assert "培训" in section and "导师帮带" in section
