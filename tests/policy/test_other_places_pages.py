"""A Shanghai-Baoshan street and a national-profile street never see Jiangsu's rules.

Their admin pages (dashboard, roster, a worker's pages, absence, appraisals, care, trainings,
mentoring, imports, exports, audit) show no raw seed code ("003 §6", "001 一(六)"), none of
Jiangsu's 60/70/90 % team targets [003 §1], and no 苏社〔2024〕52号 — except where a value
is adopted from it, which the page says next to the citation ("…未规定具体数值，本平台沿用
江苏省标准"). A Jiangsu street is the control: the same checks find its targets.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.enums import AppraisalResult, HiringRoute
from portal.models import Appraisal
from portal.timeutil import local_today
from tests.absence.conftest import add_days
from tests.admin.roster_support import build_team
from tests.factories import new_worker
from tests.helpers import logged_in
from tests.policy.test_no_policy_constants import SEED_CODE

JIANGSU_DOCUMENT = "苏社〔2024〕52号"
# An adopted value: the citation link, then the note naming whose standard is adopted.
ADOPTED = re.compile(
    r'<a class="cite"[^>]*>[^<]*苏社〔2024〕52号[^<]*</a>\s*'
    r'<span class="cite-note">[^<]*未规定具体数值，本平台沿用江苏省标准</span>'
)
TARGETS = re.compile(r"(?<![\d.])(60|70|90)\s*%|目标\s*(60|70|90)|达到\s*(60|70|90)")
TAGS = re.compile(r"<[^>]+>")

STREET_PAGES = (
    "/street/dashboard",
    "/street/dashboard/rotation",
    "/street/workers",
    "/street/workers/new",
    "/street/workers/{worker}",
    "/street/workers/{worker}/edit",
    "/street/workers/{worker}/status",
    "/workers/{worker}/appraisals",
    "/workers/{worker}/care",
    "/workers/{worker}/certificates",
    "/workers/{worker}/grade",
    "/workers/{worker}/training",
    "/street/absence",
    "/street/appraisals",
    "/street/care",
    "/street/care-fund",
    "/street/care/leave",
    "/street/mentoring",
    "/street/mentoring/talk-leaders",
    "/street/outside-training",
    "/street/import",
    "/street/exports",
    "/street/audit",
    "/trainings",
    "/trainings/new",
)


def _scene(db, code: str):
    """A street of ``code`` with exit risks on appraisal and recorded days of absence."""
    team = build_team(policy=code, workers=2)
    published = datetime(2025, 1, 20, tzinfo=UTC)
    at_risk = new_worker(team.east, name="风险社工", hiring_route=HiringRoute.RECRUITED)
    for year, result in ((2022, AppraisalResult.BASIC), (2023, AppraisalResult.UNQUALIFIED)):
        db.session.add(
            Appraisal(worker_id=at_risk.user_id, year=year, result=result, published_at=published)
        )
    basic = new_worker(team.west, name="基本合格社工")
    for year in (2022, 2023, 2024):
        db.session.add(
            Appraisal(
                worker_id=basic.user_id,
                year=year,
                result=AppraisalResult.BASIC,
                published_at=published,
            )
        )
    yesterday = local_today() - timedelta(days=1)
    days = [yesterday - timedelta(days=i) for i in range(30)]
    add_days(team.workers[0], [d for d in days if d.weekday() < 5 and d.year == yesterday.year])
    db.session.flush()
    return team, at_risk


def _pages(app, team, worker) -> dict[str, str]:
    client = logged_in(app, team.admin)
    shown: dict[str, str] = {}
    for pattern in STREET_PAGES:
        path = pattern.format(worker=worker.user_id)
        response = client.get(path)
        assert response.status_code == 200, path
        shown[path] = response.get_data(as_text=True)
    district = logged_in(app, team.district_admin).get("/street/dashboard")
    assert district.status_code == 200
    shown["/street/dashboard (district admin)"] = district.get_data(as_text=True)
    return shown


def _problems(html: str) -> list[str]:
    found = [f"seed code {m.group(0)!r}" for m in SEED_CODE.finditer(html)]
    text = TAGS.sub(" ", html)
    found += [f"team target {m.group(0)!r}" for m in TARGETS.finditer(text)]
    unexplained = ADOPTED.sub("", html)
    found += [f"{JIANGSU_DOCUMENT} not marked as adopted"] * unexplained.count(JIANGSU_DOCUMENT)
    return found


@pytest.mark.parametrize("code", ["shanghai_baoshan", "national"])
def test_admin_pages_show_no_jiangsu_rule(app, db, code):
    team, worker = _scene(db, code)
    problems = {
        path: found
        for path, html in _pages(app, team, worker).items()
        if (found := _problems(html))
    }
    assert problems == {}


def test_the_jiangsu_control_shows_what_the_others_must_not(app, db):
    """The checks are not blind: a Jiangsu dashboard shows 60/70/90 % and 苏社〔2024〕52号."""
    team, _worker = _scene(db, "jiangsu")
    html = logged_in(app, team.admin).get("/street/dashboard").get_data(as_text=True)
    text = TAGS.sub(" ", html)
    assert {m.group(1) or m.group(2) or m.group(3) for m in TARGETS.finditer(text)} >= {
        "60",
        "70",
        "90",
    }
    assert f"{JIANGSU_DOCUMENT} not marked as adopted" in _problems(html)


def test_an_adopted_value_says_so_beside_its_citation(app, db):
    """Baoshan's certificate deadline is Jiangsu's 3 years [003 §4(4)], and the page says so."""
    team, _worker = _scene(db, "shanghai_baoshan")
    html = logged_in(app, team.admin).get("/street/dashboard").get_data(as_text=True)
    match = ADOPTED.search(html)
    assert match is not None
    assert "上海政策研究未规定具体数值，本平台沿用江苏省标准" in match.group(0)
