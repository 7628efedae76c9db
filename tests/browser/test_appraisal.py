"""The street admin on a phone: the team dashboard, and the appraisal grid saving a row inline.

Runs the real app (demo street) in headless Chromium under the strict CSP: the row saves
through htmx with the CSRF header, a refused row comes back showing why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect

from portal import demo
from portal.extensions import db
from portal.timeutil import local_today
from tests.browser.conftest import DEMO_PASSWORD, PHONE, log_in, screenshot
from tests.conftest import make_test_app
from tests.servers import serve

ADMIN = "13800000005"


@pytest.fixture(scope="module")
def appraisal_server(tmp_path_factory) -> Iterator[str]:
    """Serve the demo street on a database of its own: these tests save and publish results."""
    tmp = tmp_path_factory.mktemp("appraisal-browser")
    app = make_test_app(f"sqlite:///{tmp / 'demo.db'}", str(tmp))
    with app.app_context():
        upgrade()
        demo.build_demo(password=DEMO_PASSWORD, today=local_today())
        db.session.commit()
    with serve(app) as url:
        yield url


def test_dashboard_on_a_phone(page, appraisal_server):
    """The Team link opens the dashboard: figures, risks and the grade chart fit the phone."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, appraisal_server, ADMIN)
    page.get_by_role("link", name="队伍概况").first.click()
    expect(page).to_have_url(f"{appraisal_server}/street/dashboard")
    expect(page.get_by_role("heading", level=1)).to_contain_text("队伍概况")
    expect(page.locator("#exit-risks")).to_contain_text("谈心谈话")
    expect(page.get_by_role("img", name=re.compile("岗位等级分布"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "admin-dashboard-390x844")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_appraisal_row_saves_inline(page, appraisal_server):
    """Choosing a result saves the row at once; a bad score comes back refused, in Chinese."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, appraisal_server, ADMIN)
    year = local_today().year
    page.goto(f"{appraisal_server}/street/appraisals?year={year}")
    row = page.locator("form.grid-row").first
    row_id = row.get_attribute("id")
    row.locator("select").select_option("excellent")
    saved = page.locator(f"#{row_id}")
    expect(saved).to_have_class(re.compile("is-saved"))
    expect(saved.locator(".row-status")).to_contain_text("已保存")

    score = saved.locator("input[name$='-score']")
    score.fill("120")
    score.press("Tab")
    refused = page.locator(f"#{row_id}")
    expect(refused).to_have_class(re.compile("is-error"))
    expect(refused).to_contain_text("得分请填写 0 到 100")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "admin-appraisal-grid-390x844")

    page.reload()
    expect(page.locator(f"#{row_id} select")).to_have_value("excellent")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_publish_after_inline_saves(page, appraisal_server):
    """Saved rows bring up the publish button; publishing asks first, then says who was told."""
    log_in(page, appraisal_server, ADMIN)
    year = local_today().year
    page.goto(f"{appraisal_server}/street/appraisals?year={year}")
    rows = page.locator("form.grid-row")
    second = rows.nth(1).get_attribute("id")
    rows.nth(1).locator("select").select_option("qualified")
    expect(page.locator(f"#{second}")).to_have_class(re.compile("is-saved"))
    button = page.locator("#publication").get_by_role("button", name=re.compile(r"发布 \d+ 条结果"))
    expect(button).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    expect(page.locator(".flash")).to_contain_text(re.compile(r"已通知 \d+ 名社工"))
    expect(page.locator(f"#{second} input[name$='-reason']")).to_be_visible()


def _save_shown_row(page, row_id: str) -> None:
    """Choose a result in a row; in a published year the change also needs a reason."""
    row = page.locator(f"#{row_id}")
    row.locator("select").select_option("basic")
    reason = row.locator("input[name$='-reason']")
    if reason.count():
        reason.fill("浏览器测试")
    row.locator("input[name$='-comment']").fill("筛选后保存")


def test_filter_and_search_narrow_the_grid_and_a_row_still_saves_inline(page, appraisal_server):
    """Community and search (boosted navigation) narrow the grid; a row saves in that view."""
    log_in(page, appraisal_server, ADMIN)
    year = local_today().year - 1
    page.goto(f"{appraisal_server}/street/appraisals?year={year}")
    first = page.locator("form.grid-row").first
    name = first.locator(".cell-name a").inner_text()
    community = first.locator(".cell-name .muted").inner_text()
    page.get_by_label("所在社区").select_option(label=community)
    page.get_by_label("按姓名、手机号或工号搜索").fill(name)
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"community=\d+.*q="))
    expect(page.locator("form.grid-row")).to_have_count(1)
    expect(page.locator(".appraisal-grid .count")).to_have_text("共 1 人")
    row_id = page.locator("form.grid-row").get_attribute("id")
    row = page.locator(f"#{row_id}")
    # The text first, without events, then one change: the row posts once, whole. (Typed
    # field by field, each blur posts the row, and in a published year the first post,
    # before the reason, is refused and swaps the row while the test still types.)
    for field, text in (("comment", "筛选后保存"), ("reason", "浏览器测试")):
        box = row.locator(f"input[name$='-{field}']")
        if box.count():  # the reason box is there only in a published year
            box.evaluate("(el, text) => { el.value = text }", text)
    row.locator("select").select_option("basic")
    expect(page.locator(f"#{row_id}")).to_have_class(re.compile("is-saved"))
    expect(page).to_have_url(re.compile(r"community=\d+.*q="))  # still the same view


def test_without_javascript_a_saved_row_comes_back_to_the_same_view(browser, appraisal_server):
    """Without JavaScript the row's Save button posts, and the filtered view comes back."""
    context = browser.new_context(**PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, appraisal_server, ADMIN)
        year = local_today().year - 1
        page.goto(f"{appraisal_server}/street/appraisals?year={year}")
        first = page.locator("form.grid-row").nth(1)
        name = first.locator(".cell-name a").inner_text()
        page.get_by_label("按姓名、手机号或工号搜索").fill(name)
        page.get_by_role("button", name="筛选").click()
        expect(page.locator("form.grid-row")).to_have_count(1)
        row_id = page.locator("form.grid-row").get_attribute("id")
        _save_shown_row(page, row_id)
        page.locator(f"#{row_id}").get_by_role("button", name="保存").click()
        expect(page.locator(".flash")).to_contain_text(f"已保存：{name}")
        expect(page).to_have_url(re.compile(r"[?&]q="))
        expect(page.locator("form.grid-row")).to_have_count(1)
        expect(page.locator(f"#{row_id} select")).to_have_value("basic")
    finally:
        context.close()
