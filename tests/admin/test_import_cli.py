"""The CLI twin: `flask import FILE --kind … --street ID [--dry-run]`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.imports.templates import Kind
from portal.models import AuditEntry, User
from tests.admin.roster_support import build_team, workbook


@pytest.fixture
def team(db):
    """A street with three workers, a sister street and another district."""
    return build_team()


def _row(team, name: str, phone: str, grade: int = 2) -> list:
    return [
        name,
        phone,
        "",
        team.east.name,
        "一般工作人员",
        grade,
        "2021-09-01",
        "",
        "本科",
        "是",
        "招聘",
        "",
        "",
    ]


def _file(tmp_path, rows) -> str:
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(workbook(Kind.ROSTER, rows))
    return str(path)


def _users(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=["import", *args])


def test_dry_run_reports_and_changes_nothing(app, db, team, tmp_path):
    """--dry-run prints the report, exits 0 and writes nothing."""
    before = _users(db)
    path = _file(tmp_path, [_row(team, "命令甲", "13933330001")])

    result = _invoke(app, path, "--kind", "roster", "--street", str(team.street.id), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "检查通过：将新建 1 条，更新 0 条，0 条无变化。" in result.output
    assert "--dry-run" in result.output
    assert _users(db) == before


def test_import_commits(app, db, team, tmp_path):
    """Without --dry-run the rows are imported and the audit log names the CLI."""
    before = _users(db)
    path = _file(
        tmp_path, [_row(team, "命令甲", "13933330001"), _row(team, "命令乙", "13933330002")]
    )

    result = _invoke(app, path, "--kind", "roster", "--street", str(team.street.id))

    assert result.exit_code == 0, result.output
    assert "导入完成：新建 2 条，更新 0 条，0 条无变化。" in result.output
    assert _users(db) == before + 2
    summary = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "import_committed")
    )
    assert summary.actor_id is None and summary.detail["via"] == "cli"
    again = _invoke(app, path, "--kind", "roster", "--street", str(team.street.id))
    assert "新建 0 条，更新 0 条，2 条无变化" in again.output


def test_errors_exit_1_and_change_nothing(app, db, team, tmp_path):
    """A file with bad rows prints every error, exits with status 1 and writes nothing."""
    before = _users(db)
    path = _file(
        tmp_path,
        [
            _row(team, "好", "13933330011"),
            _row(team, "坏", "12345"),
            _row(team, "高", "13933330013", 15),
        ],
    )

    result = _invoke(app, path, "--kind", "roster", "--street", str(team.street.id))

    assert result.exit_code == 1
    assert "第 3 行：手机号 12345 格式不正确" in result.output
    assert "第 4 行：岗位等级 15 超出一般工作人员的 1–12 级" in result.output
    assert _users(db) == before


def test_wrong_kind_of_file_exits_1(app, team, tmp_path):
    """A roster file imported as appraisals is refused as the wrong template."""
    path = _file(tmp_path, [_row(team, "甲", "13933330021")])
    result = _invoke(app, path, "--kind", "appraisals", "--street", str(team.street.id))
    assert result.exit_code == 1
    assert "这不是“年度考核结果”导入模板" in result.output


def test_unknown_street_is_refused(app, team, tmp_path):
    """An unknown street id is refused before anything is read."""
    path = _file(tmp_path, [_row(team, "甲", "13933330031")])
    result = _invoke(app, path, "--kind", "roster", "--street", "99999999")
    assert result.exit_code != 0
    assert "No street with id 99999999" in result.output
