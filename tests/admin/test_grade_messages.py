"""The roster form and the roster import refuse an impossible grade in the same words [003 §2]."""

from __future__ import annotations

import pytest
from flask import current_app
from flask_babel import force_locale

from portal.imports.commit import load_street, run_import
from portal.imports.reader import Limits
from portal.imports.templates import Kind
from portal.timeutil import local_today
from tests.admin.roster_support import build_team, workbook
from tests.admin.test_roster_edit import _form
from tests.helpers import logged_in, post_form

POSTS = {"head": "正职", "deputy": "副职", "staff": "一般工作人员"}

# (post type, grade typed, what the clerk reads) — the post type's range under 003 §2.
CASES = [
    pytest.param("head", 19, "岗位等级 19 超出正职的 7–18 级", id="003§2 head 19 above 18"),
    pytest.param("head", 0, "岗位等级 0 超出正职的 7–18 级", id="003§2 head 0 below 1"),
    pytest.param("head", 3, "岗位等级 3 超出正职的 7–18 级", id="003§2 head 3 below 7"),
    pytest.param("head", 100, "岗位等级 100 超出正职的 7–18 级", id="003§2 head 100"),
    pytest.param("deputy", -2, "岗位等级 -2 超出副职的 4–15 级", id="003§2 deputy negative"),
    pytest.param("deputy", 16, "岗位等级 16 超出副职的 4–15 级", id="003§2 deputy 16"),
    pytest.param("staff", 13, "岗位等级 13 超出一般工作人员的 1–12 级", id="003§2 staff 13"),
]


@pytest.mark.parametrize(("post", "grade", "says"), CASES)
def test_form_and_import_say_the_same(app, db, post, grade, says):
    """The form shows exactly the message the import gives for its row (with the row number)."""
    team = build_team()
    worker = team.workers[0]
    client = logged_in(app, team.admin)
    response = post_form(
        client,
        f"/street/workers/{worker.user_id}/edit",
        _form(worker, post_type=post, grade=str(grade), grade_reason="调整"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert says in page
    assert "请输入1至18级之间的等级" not in page  # no second, vaguer message

    row = [
        "等级测试",
        "13911119001",
        "",
        team.east.name,
        POSTS[post],
        grade,
        "2020-05-01",
        "",
        "本科",
        "是",
        "招聘",
        "",
        "",
    ]
    with force_locale("zh_Hans_CN"):
        report = run_import(
            workbook(
                Kind.ROSTER,
                [
                    [
                        "好人",
                        "13911119000",
                        "",
                        team.east.name,
                        "一般工作人员",
                        3,
                        "2020-05-01",
                        "",
                        "本科",
                        "是",
                        "招聘",
                        "",
                        "",
                    ],
                    row,
                ],
            ),
            Kind.ROSTER,
            street=load_street(team.street.id),
            actor=team.admin,
            today=local_today(),
            filename="花名册.xlsx",
            commit=True,
            limits=Limits.from_config(current_app.config),
        )
    assert not report.committed
    assert [error.text for error in report.errors] == [f"第 3 行：{says}"]
