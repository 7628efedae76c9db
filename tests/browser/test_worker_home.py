"""A worker on a phone: log in, see the five cards with real figures, open one."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

CARDS = ["#card-grade", "#card-training", "#card-certificates", "#card-appraisals", "#card-care"]


def test_demo_worker_sees_five_cards_and_opens_one(page, live_server):
    """The demo worker logs in on a phone, sees five cards with figures, and opens training."""
    log_in(page, live_server, "13800000001", lands_home=False)
    expect(page).to_have_url(f"{live_server}/")
    for card in CARDS:
        expect(page.locator(card)).to_be_visible()
    expect(page.locator("#card-grade")).to_contain_text(re.compile(r"\d+ 级"))
    expect(page.locator("#card-training")).to_contain_text(re.compile(r"/ \d+(\.\d)? 学时"))
    expect(page.locator("#card-appraisals")).to_contain_text(re.compile(r"20\d\d"))
    expect(page.locator("#card-care")).to_contain_text("年假")
    # Nothing is wider than the phone: no sideways scrolling at 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "worker-home-390x844")

    page.locator("#card-training").click()
    expect(page).to_have_url(re.compile(r"/workers/\d+/training$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("培训学时")
    screenshot(page, "worker-training-390x844")


def test_wrong_password_shows_message_on_phone(page, live_server):
    """A mistyped password shows the generic message next to the field."""
    page.goto(f"{live_server}/login")
    page.get_by_label("手机号或工号").fill("13800000001")
    page.get_by_label("密码", exact=True).fill("wrong-pass-1")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("手机号/工号或密码不正确")
