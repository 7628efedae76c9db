"""The header bell on a phone: its unread count follows new and read notifications via htmx."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

WORKER = "13800000001"


def _count(page) -> int:
    badge = page.locator("#bell .bell-count")
    return int(badge.get_attribute("data-unread")) if badge.count() else 0


def test_bell_count_follows_new_and_read_notifications(phone, live_server):
    """A notification created elsewhere shows on the bell at the next poll; reading it clears it."""
    home = phone.new_page()
    log_in(home, live_server, WORKER)
    home.clock.install()  # htmx's 60-second poll runs on a clock the test can move
    home.goto(f"{live_server}/")
    bell = home.locator("#bell")
    expect(bell).to_have_attribute("hx-trigger", "every 60s, inbox-changed from:body")
    before = _count(home)

    # Another tab of the same phone asks for a test message: a new inbox row.
    settings = phone.new_page()
    settings.goto(f"{live_server}/settings/notifications")
    settings.get_by_role("button", name="给我发一条测试消息").click()
    expect(settings.locator(".flash").first).to_contain_text("测试消息已放入您的消息中心")
    settings.close()

    assert _count(home) == before  # not yet: the bell refreshes on its poll
    home.clock.fast_forward(61_000)
    expect(home.locator("#bell .bell-count")).to_have_attribute("data-unread", str(before + 1))
    expect(home.locator("#bell a")).to_have_attribute("aria-label", f"消息：{before + 1}条未读")

    # Reading it in the inbox: the htmx answer's HX-Trigger makes the bell refresh at once.
    home.locator("#bell a").click()
    expect(home).to_have_url(f"{live_server}/inbox")
    newest = home.locator(".inbox-item").first
    expect(newest).to_contain_text("测试通知")
    screenshot(home, "inbox-390x844")
    newest.get_by_role("button", name="标为已读").click()
    expect(home.locator(".inbox-item").first).not_to_have_class(re.compile(r"\bunread\b"))
    if before == 0:
        expect(home.locator("#bell .bell-count")).to_have_count(0)
    else:
        expect(home.locator("#bell .bell-count")).to_have_attribute("data-unread", str(before))
    assert home.evaluate("document.documentElement.scrollWidth") <= 390


def test_notification_settings_page_on_a_phone(page, live_server):
    """The settings page shows the switches and quiet hours, and fits a phone screen."""
    log_in(page, live_server, WORKER)
    page.goto(f"{live_server}/settings/notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("通知设置")
    expect(page.get_by_label("证书取得期限（到期前180、90、30、7天及逾期时）")).to_be_checked()
    expect(page.get_by_label("免打扰开始")).to_have_value("21:00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "notification-settings-390x844")
