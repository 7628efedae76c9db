"""On a phone: a mentor logs a session in three taps, then the mentee confirms it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.timeutil import local_today
from tests.browser.conftest import DEMO_PASSWORD, PHONE, log_in, screenshot

MENTOR, MENTEE = "13800000003", "13900000105"
NEW_PASSWORD = "Yutong-pass-2"  # noqa: S105 - test fixture


class Taps:
    """Count the taps (clicks) a user makes."""

    def __init__(self) -> None:
        self.count = 0

    def tap(self, locator) -> None:
        self.count += 1
        locator.click()


def test_mentor_logs_a_session_in_three_taps_and_the_mentee_confirms(browser, mentoring_server):
    """Open the app → 我的带教对象 → the mentee → type → save: three taps; the mentee confirms."""
    mentor = browser.new_context(**PHONE)
    mentee = browser.new_context(**PHONE)
    try:
        page = mentor.new_page()
        log_in(page, mentoring_server, MENTOR, lands_home=False)
        expect(page).to_have_url(f"{mentoring_server}/")  # the app is open

        taps = Taps()
        taps.tap(page.get_by_role("link", name="我的带教对象"))
        taps.tap(page.locator(".mentee-tile", has_text="郑雨桐"))
        expect(page.get_by_role("heading", level=1)).to_have_text("郑雨桐")
        # Date, length and topic come prefilled: today, and the last session's length and topic.
        expect(page.get_by_label("日期")).to_have_value(local_today().isoformat())
        expect(page.get_by_label("时长（分钟）")).to_have_value("60")
        expect(page.get_by_label("主题")).to_have_value("mass_work")
        expect(page.get_by_label("传授内容")).to_be_focused()
        page.get_by_label("传授内容").fill("独居老人走访：先电话预约，带好联系卡")
        screenshot(page, "mentor-session-form-390x844")
        taps.tap(page.get_by_role("button", name="保存带教记录"))

        expect(page.get_by_role("status")).to_contain_text("带教记录已保存")
        assert taps.count <= 3, taps.count
        logged = page.locator(".session", has_text="独居老人走访：先电话预约")
        expect(logged).to_contain_text("带教对象尚未确认")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "mentor-session-saved-390x844")

        other = mentee.new_page()
        log_in(other, mentoring_server, MENTEE, lands_home=False)
        # A new entrant sets her own password on first login.
        other.get_by_label("当前密码").fill(DEMO_PASSWORD)
        other.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
        other.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
        other.get_by_role("button", name="保存新密码").click()
        expect(other).to_have_url(f"{mentoring_server}/")
        other.goto(f"{mentoring_server}/mentoring/mine")
        session = other.locator(".session", has_text="独居老人走访：先电话预约")
        expect(session).to_contain_text("群众工作")
        form = session.locator("xpath=following-sibling::form[1]")
        form.get_by_label("我的感想（可不填）").fill("记住了先预约再上门")
        form.get_by_role("button", name="确认").click()
        expect(other.get_by_role("status")).to_contain_text("已确认带教记录")
        confirmed = other.locator(".session", has_text="独居老人走访：先电话预约")
        expect(confirmed).to_contain_text(re.compile("带教对象已于 .+ 确认"))
        expect(confirmed).to_contain_text("记住了先预约再上门")
        assert other.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(other, "mentee-confirmed-390x844")

        page.reload()
        expect(page.locator(".session", has_text="独居老人走访：先电话预约")).to_contain_text(
            "带教对象已于"
        )
    finally:
        mentor.close()
        mentee.close()
