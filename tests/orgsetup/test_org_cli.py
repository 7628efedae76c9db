"""`flask org …`: a new district set up from the command line, refusals changing nothing."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import Workbook

from portal.enums import Role
from portal.models import AuditEntry, User
from portal.org.models import Community, District, Street
from portal.platform.tree_import import COLUMNS


def _counts(db) -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (District, Street, Community, User)
    )


def test_a_district_set_up_from_empty_to_an_admin_who_must_change_password(runner, db):
    """add-district → add-street → add-community → add-admin → list, each audited."""
    steps = [
        ["org", "add-district", "新城区", "--profile", "jiangsu"],
        ["org", "add-street", "新城区", "东湖街道"],
        ["org", "add-community", "东湖街道", "柳岸社区"],
        ["org", "add-admin", "--street", "东湖街道", "--phone", "13912340001", "--name", "王芳"],
        ["org", "add-admin", "--district", "新城区", "--phone", "13912340002", "--name", "李强"],
    ]
    for args in steps:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    assert "一次性密码" in result.output
    district = db.session.scalar(sa.select(District).where(District.name == "新城区"))
    assert district.policy_code == "jiangsu"
    admin = db.session.scalar(sa.select(User).where(User.phone == "13912340001"))
    assert admin.must_change_password and admin.has_role(Role.STREET_ADMIN)
    assert admin.street.name == "东湖街道"
    reader = db.session.scalar(sa.select(User).where(User.phone == "13912340002"))
    assert reader.has_role(Role.DISTRICT_ADMIN) and reader.district_id == district.id
    listing = runner.invoke(args=["org", "list"]).output
    assert "新城区" in listing and "东湖街道" in listing and "柳岸社区" in listing
    assert "王芳 13912340001" in listing
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"org.district_added", "org.street_added", "org.community_added"} <= actions
    assert "org.admin_added" in actions


def test_duplicates_and_unknown_parents_are_refused_with_exit_1_and_nothing_changes(runner, db):
    """Each refusal names the problem in Chinese, exits 1 and writes nothing."""
    runner.invoke(args=["org", "add-district", "新城区", "--profile", "national"])
    runner.invoke(args=["org", "add-street", "新城区", "东湖街道"])
    runner.invoke(args=["org", "add-community", "东湖街道", "柳岸社区"])
    before = _counts(db)
    refusals = {
        ("add-district", "新城区", "--profile", "national"): "已存在",
        ("add-district", "老城区", "--profile", "mars"): "jiangsu",
        ("add-street", "无此区", "西街道"): "无此区",
        ("add-street", "新城区", "东湖街道"): "已有",
        ("add-community", "无此街道", "某社区"): "无此街道",
        ("add-community", "东湖街道", "柳岸社区"): "已有",
        ("add-admin", "--street", "无此街道", "--phone", "13912340009", "--name", "赵"): "无此街道",
        ("add-admin", "--street", "东湖街道", "--phone", "1391234", "--name", "赵"): "1391234",
        ("add-admin", "--phone", "13912340009", "--name", "赵"): "--street",
    }
    for args, named in refusals.items():
        result = runner.invoke(args=["org", *args])
        assert result.exit_code == 1, (args, result.output)
        assert named in result.output, (args, result.output)
    assert _counts(db) == before


def test_a_street_name_two_districts_share_needs_its_district(runner, db):
    """An ambiguous street is refused with both choices; "区/街道" picks one."""
    for district in ("甲区", "乙区"):
        runner.invoke(args=["org", "add-district", district, "--profile", "national"])
        runner.invoke(args=["org", "add-street", district, "中心街道"])
    ambiguous = runner.invoke(args=["org", "add-community", "中心街道", "一社区"])
    assert ambiguous.exit_code == 1
    assert "甲区/中心街道" in ambiguous.output and "乙区/中心街道" in ambiguous.output
    chosen = runner.invoke(args=["org", "add-community", "乙区/中心街道", "一社区"])
    assert chosen.exit_code == 0, chosen.output
    community = db.session.scalar(sa.select(Community).where(Community.name == "一社区"))
    assert community.street.district.name == "乙区"


def _tree_file(tmp_path, rows) -> str:
    book = Workbook()
    sheet = book.active
    sheet.append([column.header for column in COLUMNS])
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    path = tmp_path / "组织架构.xlsx"
    path.write_bytes(data.getvalue())
    return str(path)


def test_org_tree_import_is_all_or_nothing_and_idempotent(runner, db, tmp_path):
    """A good file builds the tree once; one bad row means nothing is written."""
    good = [
        ["河西区", "jiangsu", "滨江街道", "一社区", 5000, 1800],
        ["河西区", None, "滨江街道", "二社区", None, None],
        ["河西区", None, "沙洲街道", None, None, None],
    ]
    result = runner.invoke(args=["org", "import", _tree_file(tmp_path, good)])
    assert result.exit_code == 0, result.output
    assert "已导入" in result.output
    after = _counts(db)
    again = runner.invoke(args=["org", "import", _tree_file(tmp_path, good)])
    assert again.exit_code == 0 and _counts(db) == after
    one = db.session.scalar(sa.select(Community).where(Community.name == "一社区"))
    assert (one.population, one.households) == (5000, 1800)
    bad = [
        ["河东区", "national", "新街道", "甲社区", None, None],
        ["河东区", None, "新街道", "甲社区", None, None],  # the same community twice
        ["河西区", "national", "滨江街道", None, None, None],  # a file cannot change a profile
        ["河南区", None, "某街道", None, None, None],  # a new district needs its profile
    ]
    refused = runner.invoke(args=["org", "import", _tree_file(tmp_path, bad)])
    assert refused.exit_code == 1
    assert "第 3 行" in refused.output and "第 2 行" in refused.output
    assert "第 4 行" in refused.output and "第 5 行" in refused.output
    assert "未导入" in refused.output or "一行也" in refused.output or "没有导入" in refused.output
    assert _counts(db) == after
