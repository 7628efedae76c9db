"""The .xlsx exports: content, Chinese headers, Beijing time, a few queries whatever the size."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from portal.enums import AppraisalResult, AttendanceMethod, CertificateKind, PostType
from portal.models import Appraisal, Attendance, Certificate
from portal.policy import load_profile, rules
from portal.timeutil import LOCAL_TZ, local_today
from tests.admin.roster_support import build_team
from tests.factories import new_worker
from tests.helpers import logged_in

EXC, QUAL, BASIC, UNQ = (
    AppraisalResult.EXCELLENT,
    AppraisalResult.QUALIFIED,
    AppraisalResult.BASIC,
    AppraisalResult.UNQUALIFIED,
)
PUBLISHED = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def team(db):
    """A street with three plain workers, a sister street and another district."""
    return build_team()


def _book(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Cache-Control"] == "private, no-store"
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def _rows(book) -> list[tuple]:
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _appraise(db, worker, results: dict[int, AppraisalResult], published=PUBLISHED):
    for year, result in results.items():
        db.session.add(
            Appraisal(worker_id=worker.user_id, year=year, result=result, published_at=published)
        )
    db.session.flush()


def test_roster_export(app, team):
    """The roster export lists the street's workers with Chinese headers and Excel dates."""
    before = datetime.now(UTC)
    book = _book(logged_in(app, team.admin).get("/street/export/roster.xlsx"))
    rows = _rows(book)
    assert rows[0][:7] == ("姓名", "手机号", "工号", "街道", "所在社区", "岗位类别", "等级")
    names = {row[0] for row in rows[1:]}
    assert names == {w.user.name for w in team.workers}
    first = next(row for row in rows if row[0] == team.workers[0].user.name)
    assert first[1] == team.workers[0].user.phone
    assert first[5] == "一般工作人员" and first[6] == 3
    assert first[7] == datetime(2018, 3, 1)  # an Excel date
    about = dict(book.worksheets[1].iter_rows(values_only=True))
    exported = about["导出时间（北京时间）"]
    local_now = before.astimezone(LOCAL_TZ).replace(tzinfo=None, second=0, microsecond=0)
    assert abs(exported - local_now) < timedelta(minutes=2)  # Beijing wall time, not UTC


def test_roster_export_follows_the_filters(app, team):
    """The export of a filtered roster holds the filtered workers only."""
    client = logged_in(app, team.admin)
    rows = _rows(_book(client.get(f"/street/export/roster.xlsx?community={team.west.id}")))
    assert {row[0] for row in rows[1:]} == {team.workers[1].user.name}


def test_district_admin_exports_the_whole_district(app, team):
    """A district admin's export covers every street of the district, no other district."""
    rows = _rows(_book(logged_in(app, team.district_admin).get("/street/export/roster.xlsx")))
    names = {row[0] for row in rows[1:]}
    assert team.sister_worker.user.name in names and team.workers[0].user.name in names
    assert team.other_worker.user.name not in names


def test_training_compliance_export(app, db, team, make_training):
    """Hours this year against the minimum: done, on pace or behind, per the rules."""
    today = local_today()
    training = make_training(on=today, hours="24", street=team.street)
    db.session.add(
        Attendance(
            training_id=training.id,
            worker_id=team.workers[0].user_id,
            credited_on=today,
            credited_hours=Decimal(24),
            method=AttendanceMethod.SELF_SCAN,
        )
    )
    db.session.flush()
    rows = _rows(_book(logged_in(app, team.admin).get("/street/export/training.xlsx")))
    assert rows[0][4] == f"{today.year}年应修学时"
    by_name = {row[0]: row for row in rows[1:]}
    done = by_name[team.workers[0].user.name]
    assert (done[4], done[5], done[6], done[9]) == (24.0, 24.0, 0.0, "已完成")  # jiangsu: 3 days
    idle = by_name[team.workers[1].user.name]
    expected = rules.training_progress(Decimal(24), Decimal(0), today=today)
    assert idle[9] == ("进度正常" if expected.on_pace else "进度落后")


def test_appraisal_export_by_year(app, db, team):
    """One column per year; unpublished results are marked."""
    _appraise(db, team.workers[0], {2022: EXC, 2023: QUAL})
    _appraise(db, team.workers[1], {2023: BASIC}, published=None)
    rows = _rows(_book(logged_in(app, team.admin).get("/street/export/appraisals.xlsx")))
    assert rows[0][5:] == ("2022年度", "2023年度")
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name[team.workers[0].user.name][5:] == ("优秀", "合格")
    assert by_name[team.workers[1].user.name][5:] == (None, "基本合格（未公布）")


def test_certificate_deadline_export(app, db, team):
    """Uncertified workers within 180 days of the deadline or past it, soonest first."""
    today = local_today()
    profile = load_profile("jiangsu")
    overdue = new_worker(
        team.east, name="逾期", exam_eligible_on=today - timedelta(days=3 * 365 + 40)
    )
    soon = new_worker(
        team.east, name="临近", exam_eligible_on=today - timedelta(days=3 * 365 - 100)
    )
    new_worker(team.east, name="还早", exam_eligible_on=today - timedelta(days=365))
    certified = new_worker(
        team.east, name="已持证", exam_eligible_on=today - timedelta(days=3 * 365 + 40)
    )
    db.session.add(
        Certificate(
            worker_id=certified.user_id,
            kind=CertificateKind.SOCIAL_WORKER,
            number="SW-1",
            issued_on=date(2023, 1, 1),
        )
    )
    db.session.flush()
    rows = _rows(_book(logged_in(app, team.admin).get("/street/export/certificates.xlsx")))
    assert [row[0] for row in rows[1:]] == ["逾期", "临近"]
    deadline = rules.certificate_deadline(profile, overdue.exam_eligible_on)
    assert rows[1][5] == datetime.combine(deadline, datetime.min.time())
    assert rows[1][6] == (deadline - today).days < 0 and rows[1][7] == "已逾期"
    assert rows[2][7] in {"期限紧迫", "临近期限"}
    assert soon.user.name == rows[2][0]


def test_exit_risk_export(app, db, team):
    """Workers one result away or triggered, with their results, the risk and the help."""
    one_away = new_worker(team.east, name="差一次")
    triggered = new_worker(team.west, name="已触发")
    fine = new_worker(team.west, name="无风险")
    _appraise(db, one_away, {2023: QUAL, 2024: UNQ})
    _appraise(db, triggered, {2022: BASIC, 2023: BASIC, 2024: BASIC})
    _appraise(db, fine, {2023: UNQ, 2024: QUAL})
    rows = _rows(_book(logged_in(app, team.admin).get("/street/export/exit-risks.xlsx")))
    assert rows[0] == (
        "姓名",
        "工号",
        "所在社区",
        "岗位类别",
        "产生方式",
        "近年考核",
        "风险",
        "建议措施",
        "政策依据",
    )
    assert [row[0] for row in rows[1:]] == ["已触发", "差一次"]  # triggered first
    triggered_row, one_away_row = rows[1], rows[2]
    assert triggered_row[5] == "2022 基本合格；2023 基本合格；2024 基本合格"
    assert triggered_row[6] == "连续 3 年基本合格（满 3 年退出）：已触发"
    assert triggered_row[7] == "谈心谈话、培训"
    assert one_away_row[6] == "连续 1 年不合格（满 2 年退出）：差一次"
    assert one_away_row[7] == "谈心谈话、导师帮带"
    assert "苏社〔2024〕52号 第11条第（2）项" in one_away_row[8]


@pytest.mark.parametrize("kind", ["roster", "training", "appraisals", "certificates", "exit-risks"])
def test_exports_cost_the_same_queries_for_3_and_30_workers(app, db, count_queries, kind):
    """Each export is a handful of queries, whatever the size of the street."""
    counts = []
    for size in (3, 30):
        team = build_team(workers=size)
        for i, worker in enumerate(team.workers):
            _appraise(db, worker, {2023: QUAL, 2024: UNQ if i % 2 else BASIC})
            worker.exam_eligible_on = local_today() - timedelta(days=3 * 365 - 30)
        db.session.flush()
        client = logged_in(app, team.admin)
        client.get("/street/workers")
        with count_queries() as statements:
            response = client.get(f"/street/export/{kind}.xlsx")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6


def test_unknown_export_is_404(app, team):
    """An export that does not exist answers 404."""
    assert logged_in(app, team.admin).get("/street/export/salaries.xlsx").status_code == 404


def test_post_type_labels_in_exports(app, db, team):
    """Post types appear by their Chinese names."""
    new_worker(team.east, name="主任", post_type=PostType.HEAD, grade=10)
    rows = _rows(_book(logged_in(app, team.admin).get("/street/export/roster.xlsx")))
    assert next(row for row in rows if row[0] == "主任")[5] == "正职"
