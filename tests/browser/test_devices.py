"""Signed-in devices on a phone: the list on the password page and "sign out all other devices"."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in, screenshot

LEADER = "13800000004"  # the demo talk leader: no other browser test signs in as them


def test_sign_out_all_other_devices_from_the_password_page(browser, live_server):
    """A phone lists both devices and signs the other one out; that one is asked to log in."""
    tablet = browser.new_context(**PHONE)
    phone = browser.new_context(**PHONE)
    try:
        elsewhere = tablet.new_page()
        log_in(elsewhere, live_server, LEADER, lands_home=False)
        expect(elsewhere).to_have_url(f"{live_server}/")

        page = phone.new_page()
        log_in(page, live_server, LEADER, lands_home=False)
        page.goto(f"{live_server}/password")
        devices = page.locator("section", has=page.get_by_role("heading", name="登录的设备"))
        expect(devices.locator("li")).to_have_count(2)
        expect(devices.locator("li").first).to_contain_text("本设备")
        expect(devices).to_contain_text("最近使用")
        screenshot(page, "password-devices-390x844")

        page.get_by_role("button", name="退出其他所有设备").click()
        expect(page.get_by_role("status").or_(page.locator(".flash"))).to_contain_text(
            "已让其他 1 台设备退出登录"
        )
        expect(devices.locator("li")).to_have_count(1)

        elsewhere.reload()
        expect(elsewhere).to_have_url(f"{live_server}/login?next=%2F")
    finally:
        tablet.close()
        phone.close()
