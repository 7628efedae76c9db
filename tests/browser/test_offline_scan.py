"""Offline at the door: scans queue in IndexedDB and arrive exactly once when the signal returns."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.enums import AttendanceMethod
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_trainer_scan import (
    SECOND_WORKER,
    TRAINER,
    WORKER,
    attendance_rows,
    create_running_training,
    current_code,
    user_id_of,
)


def submit(page, code: str) -> dict:
    """Hand a decoded code to the scanner page, as its camera loop does."""
    return page.evaluate("code => window.portalScanner.submit(code)", code)


def expect_pending(page, count: int) -> None:
    """Wait until the page shows `count` scans waiting to sync (hidden at zero)."""
    pending = page.locator("#scan-pending")
    expect(pending).to_have_attribute("data-count", str(count))
    if count:
        expect(pending).to_be_visible()
        expect(pending).to_contain_text(f"{count} 条待同步")
    else:
        expect(pending).to_be_hidden()


def test_two_offline_scans_queue_and_arrive_exactly_once(page, phone, live_server, live_app):
    """Offline, two scans wait as "2 条待同步"; back online both are recorded once, nothing lost."""
    training_id = create_running_training(live_app, "扫码签到演练（离线）")
    log_in(page, live_server, TRAINER)
    page.goto(f"{live_server}/trainings/{training_id}/scan")
    expect_pending(page, 0)
    codes = [current_code(live_app, WORKER), current_code(live_app, SECOND_WORKER)]

    phone.set_offline(True)
    for code in codes:
        assert submit(page, code) == {"outcome": "queued"}

    expect_pending(page, 2)
    expect(page.locator("#scan-result")).to_contain_text("已保存在本机")
    assert attendance_rows(live_app, training_id) == []
    screenshot(page, "trainer-scan-offline-390x844")

    phone.set_offline(False)  # the `online` event replays the queue

    expect_pending(page, 0)
    expect(page.locator("#scan-count")).to_have_text("2")
    expect(page.locator("#scan-log")).to_contain_text("已同步")
    screenshot(page, "trainer-scan-synced-390x844")
    expected = {
        (user_id_of(live_app, WORKER), AttendanceMethod.TRAINER_SCAN),
        (user_id_of(live_app, SECOND_WORKER), AttendanceMethod.TRAINER_SCAN),
    }
    rows = attendance_rows(live_app, training_id)
    assert sorted(rows) == sorted(expected)
    # A further sync finds nothing to send, and scanning again is only "already".
    assert page.evaluate("window.portalScanner.sync()") == {"sent": 0, "pending": 0}
    assert submit(page, codes[0])["outcome"] == "already"
    assert len(attendance_rows(live_app, training_id)) == 2


def _lose_posts(route) -> None:
    if route.request.method == "POST":
        route.abort("internetdisconnected")
    else:
        route.continue_()


def test_scan_lost_on_the_network_is_kept_through_a_reload_and_sent_on_load(
    page, live_server, live_app
):
    """A POST that fails on the network is kept in IndexedDB, survives a reload and is sent then."""
    training_id = create_running_training(live_app, "扫码签到演练（网络中断）")
    log_in(page, live_server, TRAINER)
    scan_url = f"{live_server}/trainings/{training_id}/scan"
    page.goto(scan_url)
    page.route(scan_url, _lose_posts)  # the phone believes it is online; POSTs never arrive

    assert submit(page, current_code(live_app, WORKER)) == {"outcome": "queued"}

    expect_pending(page, 1)
    page.get_by_role("button", name="立即同步").click()  # still failing: still kept
    expect_pending(page, 1)
    page.reload()
    expect_pending(page, 1)  # kept in IndexedDB; the replay on load failed again
    assert attendance_rows(live_app, training_id) == []

    page.unroute(scan_url)
    page.reload()  # loading the page replays what is waiting

    expect_pending(page, 0)
    expect(page.locator("#scan-count")).to_have_text("1")
    assert attendance_rows(live_app, training_id) == [
        (user_id_of(live_app, WORKER), AttendanceMethod.TRAINER_SCAN)
    ]


def test_code_used_at_another_door_is_refused_when_the_queue_syncs(
    page, phone, live_server, live_app
):
    """A code recorded at one training, queued offline at another, syncs as a named refusal."""
    first_id = create_running_training(live_app, "扫码签到演练（主会场）")
    second_id = create_running_training(live_app, "扫码签到演练（分会场）")
    log_in(page, live_server, TRAINER)
    code = current_code(live_app, WORKER)
    page.goto(f"{live_server}/trainings/{first_id}/scan")
    assert submit(page, code)["outcome"] == "checked_in"

    page.goto(f"{live_server}/trainings/{second_id}/scan")
    phone.set_offline(True)
    assert submit(page, code) == {"outcome": "queued"}
    expect_pending(page, 1)
    phone.set_offline(False)

    expect_pending(page, 0)
    expect(page.locator("#scan-log")).to_contain_text("已用于另一场培训的签到")
    expect(page.locator("#scan-count")).to_have_text("0")
    screenshot(page, "trainer-scan-code-used-elsewhere-390x844")
    assert attendance_rows(live_app, second_id) == []
    assert attendance_rows(live_app, first_id) == [
        (user_id_of(live_app, WORKER), AttendanceMethod.TRAINER_SCAN)
    ]
