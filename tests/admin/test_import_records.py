"""Appraisal, certificate and care imports: matched on their keys, street-scoped, idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from portal.enums import AppraisalResult, CareKind, CareStatus, CertificateKind
from portal.imports.commit import load_street, run_import
from portal.imports.reader import Limits
from portal.imports.templates import Kind
from portal.models import Appraisal, AuditEntry, CareRecord, Certificate
from portal.timeutil import local_today
from tests.admin.roster_support import build_team, workbook


@pytest.fixture(autouse=True)
def chinese(db):
    """Messages in the default language: these tests run outside any request."""
    with force_locale("zh_Hans_CN"):
        yield


@pytest.fixture
def team(db):
    """A street with three workers, a sister street and another district."""
    return build_team()


def _run(team, kind: Kind, rows: list[list], *, commit: bool = True):
    return run_import(
        workbook(kind, rows),
        kind,
        street=load_street(team.street.id),
        actor=team.admin,
        today=local_today(),
        filename="导入.xlsx",
        commit=commit,
        limits=Limits.from_config(current_app.config),
    )


def _who(worker, *, by_staff: bool = False) -> list:
    user = worker.user
    return [user.name, None if by_staff else user.phone, user.staff_no if by_staff else None]


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# -- appraisals -------------------------------------------------------------------------


def test_appraisals_are_set_but_not_published(db, team):
    """Imported results are stored unpublished, by phone or staff number, with audit entries."""
    year = local_today().year - 1
    rows = [
        [*_who(team.workers[0]), year, "优秀", 95, "表现突出"],
        [*_who(team.workers[1], by_staff=True), year, "基本合格", None, None],
    ]

    report = _run(team, Kind.APPRAISALS, rows)

    assert report.committed and len(report.created) == 2
    stored = db.session.scalars(sa.select(Appraisal).order_by(Appraisal.worker_id)).all()
    assert [(a.worker_id, a.result, a.published_at) for a in stored] == [
        (team.workers[0].user_id, AppraisalResult.EXCELLENT, None),
        (team.workers[1].user_id, AppraisalResult.BASIC, None),
    ]
    assert stored[0].score == Decimal("95.0") and stored[0].comment == "表现突出"
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("appraisal_created") == 2 and "import_committed" in actions
    again = _run(team, Kind.APPRAISALS, rows, commit=False)
    assert again.ok and again.changes == 0 and again.unchanged == 2


def test_appraisal_update_and_published_results(db, team):
    """An unpublished result may be changed by import; a published one is refused."""
    year = local_today().year - 1
    draft = Appraisal(
        worker_id=team.workers[0].user_id, year=year, result=AppraisalResult.QUALIFIED
    )
    published = Appraisal(
        worker_id=team.workers[1].user_id,
        year=year,
        result=AppraisalResult.QUALIFIED,
        published_at=datetime(year + 1, 1, 10, tzinfo=UTC),
    )
    db.session.add_all([draft, published])
    db.session.flush()

    ok = _run(team, Kind.APPRAISALS, [[*_who(team.workers[0]), year, "优秀", None, None]])
    assert ok.committed and len(ok.updated) == 1
    assert ok.updated[0].fields[0].old == "合格" and ok.updated[0].fields[0].new == "优秀"

    refused = _run(team, Kind.APPRAISALS, [[*_who(team.workers[1]), year, "不合格", None, None]])
    assert not refused.committed
    assert refused.errors[0].text.startswith(f"第 2 行：{team.workers[1].user.name} 的 {year} 年度")
    db.session.refresh(published)
    assert published.result is AppraisalResult.QUALIFIED


def test_appraisal_rows_are_checked(db, team):
    """Unknown workers, other streets' workers, wrong names, bad years: every row reported."""
    year = local_today().year - 1
    rows = [
        [*_who(team.workers[0]), year, "优秀", None, None],  # 2: fine
        ["无名", "13999999999", None, year, "合格", None, None],  # 3: no such worker
        [*_who(team.sister_worker), year, "合格", None, None],  # 4: another street
        ["错名字", team.workers[1].user.phone, None, year, "合格", None, None],  # 5: name
        [*_who(team.workers[2]), local_today().year + 1, "合格", None, None],  # 6: future
        [*_who(team.workers[0]), year, "良好", 101, None],  # 7: result, score, duplicate
        [team.workers[2].user.name, None, None, year, "合格", None, None],  # 8: no phone
    ]
    before = _count(db, Appraisal)

    report = _run(team, Kind.APPRAISALS, rows)

    assert not report.committed
    assert sorted({e.row for e in report.errors}) == [3, 4, 5, 6, 7, 8]
    texts = [e.text for e in report.errors]
    assert "第 3 行：本街道没有手机号为 13999999999 的社工" in texts
    assert f"第 4 行：本街道没有手机号为 {team.sister_worker.user.phone} 的社工" in texts
    assert any(t.startswith("第 5 行：姓名 错名字 与系统中的姓名") for t in texts)
    assert any(t.startswith("第 7 行：考核结果“良好”不是可选值") for t in texts)
    assert "第 7 行：分数 101 须在 0 到 100 之间" in texts
    assert "第 8 行：请填写手机号或工号。" in texts
    assert _count(db, Appraisal) == before


# -- certificates -----------------------------------------------------------------------


def test_certificates_match_on_kind_and_number(db, team):
    """Certificates are created once, updated by kind+number, and never moved between workers."""
    rows = [
        [
            *_who(team.workers[0]),
            "助理社会工作师",
            "ZS-001",
            date(2022, 6, 1),
            None,
            None,
            "民政部",
        ],
        [*_who(team.workers[1]), "全科社工", "QK-9", "2023-01-15", "2026-01-15", None, None],
    ]
    first = _run(team, Kind.CERTIFICATES, rows)
    assert first.committed and len(first.created) == 2
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == "ZS-001"))
    assert certificate.kind is CertificateKind.ASSISTANT_SOCIAL_WORKER
    assert certificate.worker_id == team.workers[0].user_id and certificate.issuer == "民政部"

    assert _run(team, Kind.CERTIFICATES, rows, commit=False).changes == 0

    moved = _run(
        team,
        Kind.CERTIFICATES,
        [[*_who(team.workers[2]), "助理社会工作师", "ZS-001", "2022-06-01", None, None, None]],
    )
    assert not moved.committed
    assert moved.errors[0].text == "第 2 行：证书编号 ZS-001 已登记在其他社工名下"

    bad_dates = _run(
        team,
        Kind.CERTIFICATES,
        [[*_who(team.workers[2]), "社会工作师", "SG-1", "2024-05-01", "2020-01-01", None, None]],
    )
    assert bad_dates.errors[0].text == "第 2 行：有效期至 2020-01-01 早于发证日期"


# -- care -------------------------------------------------------------------------------


def test_care_records_match_on_worker_kind_and_date(db, team):
    """Care rows create done records, match worker+kind+date, and need an amount where due."""
    year = local_today().year
    day = date(year, 1, 5)
    rows = [
        [*_who(team.workers[0]), "带薪年假", day, 3, "春节前休假"],
        [*_who(team.workers[1]), "健康体检", day, None, None],
    ]
    first = _run(team, Kind.CARE, rows)
    assert first.committed and len(first.created) == 2
    leave = db.session.scalar(sa.select(CareRecord).where(CareRecord.kind == CareKind.ANNUAL_LEAVE))
    assert (leave.year, leave.quantity, leave.status) == (year, Decimal("3.0"), CareStatus.DONE)

    changed = _run(team, Kind.CARE, [[*_who(team.workers[0]), "年假", day, 2, None]])
    assert changed.committed and len(changed.updated) == 1
    db.session.refresh(leave)
    assert leave.quantity == Decimal("2.0") and leave.note == "春节前休假"  # blank keeps

    missing = _run(team, Kind.CARE, [[*_who(team.workers[2]), "关爱基金", day, None, None]])
    assert missing.errors[0].text == "第 2 行：数量未填写：关爱基金须填写天数或金额"


def test_care_applications_are_not_changed_by_import(db, team):
    """A care-fund application awaiting a decision is refused, not overwritten."""
    day = date(local_today().year, 2, 1)
    application = CareRecord(
        worker_id=team.workers[0].user_id,
        kind=CareKind.CARE_FUND,
        year=day.year,
        occurred_on=day,
        quantity=Decimal(3000),
        status=CareStatus.APPLIED,
    )
    db.session.add(application)
    db.session.flush()

    report = _run(team, Kind.CARE, [[*_who(team.workers[0]), "关爱基金", day, 5000, None]])

    assert not report.committed
    assert "待审批" in report.errors[0].text
    db.session.refresh(application)
    assert application.quantity == Decimal(3000) and application.status is CareStatus.APPLIED
