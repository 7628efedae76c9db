"""On a phone: the demo street admin imports a roster file through the page, preview then result."""

from __future__ import annotations

import io

import openpyxl
from playwright.sync_api import expect

from portal.imports.templates import Kind, headers
from tests.browser.conftest import log_in, screenshot

ADMIN = "13800000005"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _roster_file() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers(Kind.ROSTER))
    for name, phone, grade in (
        ("浏览器导入甲", "13977770001", 2),
        ("浏览器导入乙", "13977770002", 3),
    ):
        sheet.append(
            [
                name,
                phone,
                "",
                "山西路社区",
                "一般工作人员",
                grade,
                "2024-09-01",
                "",
                "本科",
                "否",
                "招聘",
                "",
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_admin_imports_a_roster_file_and_sees_preview_and_result(page, admin_import_server):
    """Upload → the preview lists what will be created → confirm → the result and the roster."""
    server = admin_import_server
    log_in(page, server, ADMIN)

    page.goto(f"{server}/street/import")
    expect(page.get_by_role("heading", level=1)).to_have_text("从 Excel 导入")
    page.get_by_label("导入内容").select_option("roster")
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(
        files=[{"name": "花名册.xlsx", "mimeType": XLSX, "buffer": _roster_file()}]
    )
    page.get_by_role("button", name="检查文件").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("导入预览")
    expect(page.get_by_role("status")).to_have_text(
        "检查通过：将新建 2 条，更新 0 条，0 条无变化。"
    )
    expect(page.locator(".import-created")).to_contain_text("浏览器导入甲（13977770001）")
    screenshot(page, "admin-import-preview-390x844")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("button", name="确认导入 2 处改动").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("导入完成")
    expect(page.get_by_role("status")).to_have_text("导入完成：新建 2 条，更新 0 条，0 条无变化。")
    screenshot(page, "admin-import-result-390x844")

    page.get_by_role("link", name="花名册").last.click()
    page.get_by_label("按姓名、手机号或工号搜索").fill("浏览器导入")
    expect(page.locator(".roster-item")).to_have_count(2)
    expect(page.locator(".roster-item", has_text="浏览器导入甲")).to_contain_text("山西路社区")
    screenshot(page, "admin-roster-search-390x844")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="浏览器导入甲").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("浏览器导入甲")
    expect(page.locator(".facts")).to_contain_text("13977770001")
    screenshot(page, "admin-worker-file-390x844")
