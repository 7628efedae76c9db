"""The import pages: template, upload → preview → confirm, and what is refused on the way."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from portal.imports.templates import Kind, headers
from portal.models import User
from tests.admin.roster_support import build_team, workbook
from tests.helpers import csrf_token, logged_in, post_form


@pytest.fixture
def team(db):
    """A street with three workers, a sister street and another district."""
    return build_team()


def _roster_row(team, name: str, phone: str, **more) -> list:
    return [
        name,
        phone,
        more.get("staff", ""),
        team.east.name,
        "一般工作人员",
        more.get("grade", 2),
        "2021-09-01",
        "",
        "大专",
        "否",
        "招聘",
        "",
        "",
    ]


def _upload(client, data: bytes, kind: str = "roster", name: str = "花名册.xlsx"):
    return client.post(
        "/street/import",
        data={
            "csrf_token": csrf_token(client, "/street/import"),
            "kind": kind,
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def _commit_token(page: str) -> str:
    match = re.search(r'name="token"[^>]*value="([^"]+)"', page)
    assert match, page[:2000]
    return match.group(1)


def _users(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


@pytest.mark.parametrize("kind", list(Kind))
def test_templates_have_the_chinese_headers(app, team, kind):
    """Each template downloads as .xlsx whose first row is exactly the expected headers."""
    response = logged_in(app, team.admin).get(f"/street/import/template/{kind.value}.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    first = [cell.value for cell in book.worksheets[0][1]]
    assert first == headers(kind)
    assert book.sheetnames[1] == "填写说明"


def test_upload_preview_then_commit(app, db, team):
    """Upload shows a preview and writes nothing; confirming imports and shows the result."""
    client = logged_in(app, team.admin)
    before = _users(db)
    data = workbook(
        Kind.ROSTER,
        [_roster_row(team, "网页甲", "13922220001"), _roster_row(team, "网页乙", "13922220002")],
    )

    preview = _upload(client, data)

    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "导入预览" in page and "检查通过：将新建 2 条，更新 0 条，0 条无变化。" in page
    assert "网页甲（13922220001）" in page
    assert preview.headers["Cache-Control"] == "private, no-store"
    assert _users(db) == before

    result = post_form(client, "/street/import/commit", {"token": _commit_token(page)})

    page = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "导入完成：新建 2 条，更新 0 条，0 条无变化。" in page
    assert "暂不能登录" in page
    assert _users(db) == before + 2

    again = _upload(client, data).get_data(as_text=True)
    assert "没有需要导入的内容" in again
    assert "将新建 0 条" in again


def test_a_token_is_used_once(app, db, team):
    """Confirming the same preview twice imports once: the second asks for a new upload."""
    client = logged_in(app, team.admin)
    page = _upload(client, workbook(Kind.ROSTER, [_roster_row(team, "一次", "13922220011")]))
    token = _commit_token(page.get_data(as_text=True))
    assert post_form(client, "/street/import/commit", {"token": token}).status_code == 200
    after_first = _users(db)
    second = post_form(client, "/street/import/commit", {"token": token})
    assert second.status_code == 303
    assert _users(db) == after_first


def test_bad_rows_are_listed_and_nothing_can_be_committed(app, db, team):
    """A file with bad rows previews every error (422) and offers no confirm button."""
    client = logged_in(app, team.admin)
    before = _users(db)
    data = workbook(
        Kind.ROSTER,
        [
            _roster_row(team, "好", "13922220021"),
            _roster_row(team, "坏号", "139"),
            _roster_row(team, "坏级", "13922220023", grade=13),
        ],
    )

    response = _upload(client, data)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第 3 行：手机号 139 格式不正确" in page
    assert "第 4 行：岗位等级 13 超出一般工作人员的 1–12 级" in page
    assert "全部未导入" in page
    assert 'name="token"' not in page
    assert _users(db) == before


def test_wrong_template_is_refused_with_the_expected_headers(app, db, team):
    """A file whose first row is not the template's is refused, naming the expected headers."""
    client = logged_in(app, team.admin)
    data = workbook(Kind.ROSTER, [["张三", "13922220031"]], header=["名字", "电话"])

    response = _upload(client, data)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "这不是“花名册”导入模板" in page
    assert "、".join(headers(Kind.ROSTER)) in page


def test_appraisal_file_uploaded_as_roster_is_refused(app, team):
    """An appraisal template uploaded as a roster is refused as the wrong template."""
    client = logged_in(app, team.admin)
    response = _upload(client, workbook(Kind.APPRAISALS, []), kind="roster")
    assert response.status_code == 422
    assert "这不是“花名册”导入模板" in response.get_data(as_text=True)


def test_not_an_excel_file_is_refused(app, team):
    """A file that is not an .xlsx is refused with a clear message."""
    client = logged_in(app, team.admin)
    response = _upload(client, b"name,phone\n", name="roster.csv")
    assert response.status_code == 422
    assert "该文件不是 Excel 工作簿（.xlsx）" in response.get_data(as_text=True)


def test_another_admins_token_is_refused(app, db, team):
    """A preview token works only for the admin who uploaded the file."""
    owner = logged_in(app, team.admin)
    page = _upload(owner, workbook(Kind.ROSTER, [_roster_row(team, "别人", "13922220041")]))
    token = _commit_token(page.get_data(as_text=True))
    before = _users(db)

    thief = logged_in(app, team.sister_admin)
    response = post_form(thief, "/street/import/commit", {"token": token})

    assert response.status_code == 303  # back to the upload form: the token is not theirs
    assert _users(db) == before


def test_commit_checks_again(app, db, team):
    """If the records changed after the preview, the commit shows the new errors, writes nothing."""
    client = logged_in(app, team.admin)
    page = _upload(client, workbook(Kind.ROSTER, [_roster_row(team, "后来", "13922220051")]))
    token = _commit_token(page.get_data(as_text=True))
    team.sister_worker.user.phone = "13922220051"  # meanwhile another street took the number
    db.session.flush()
    before = _users(db)

    response = post_form(client, "/street/import/commit", {"token": token})

    assert response.status_code == 409
    assert "本街道花名册以外的账号" in response.get_data(as_text=True)
    assert _users(db) == before


def test_forged_token_is_refused(app, team):
    """A made-up token is refused and the admin is sent back to upload again."""
    client = logged_in(app, team.admin)
    response = post_form(client, "/street/import/commit", {"token": "not-a-token"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/street/import")
