"""The projector QR code, read by a camera, checks a worker in; the screen's count goes up.

The projector's own clock is set 5 min 7 s ahead: it must still rotate on the server's
15 s boundaries, because the page learns the server time from each code it receives.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from portal.checkin.codes import PROJECTOR_STEP_SECONDS, check_projector_code, time_step
from portal.enums import AudienceScope, OrganiserLevel, TrainingKind
from portal.extensions import db
from portal.models import Training, TrainingAudience, User
from portal.training.queries import expected_count
from tests.browser.conftest import PHONE, log_in, screenshot

TRAINER = "13800000002"
WORKER = "13800000001"
PROJECTOR_CLOCK_AHEAD = timedelta(minutes=5, seconds=7)  # not a whole number of steps


@pytest.fixture
def training_now(live_app):
    """A training of the demo street happening now, organised by the demo trainer."""
    with live_app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.phone == TRAINER))
        worker = db.session.scalar(sa.select(User).where(User.phone == WORKER))
        street_id = worker.worker.community.street_id
        start = datetime.now(UTC) - timedelta(minutes=5)
        training = Training(
            title="投屏签到：社区应急处置实务",
            kind=TrainingKind.SPECIAL,
            level=OrganiserLevel.STREET,
            street_id=street_id,
            organiser_id=trainer.id,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="湖南路街道党群服务中心",
            credited_hours=Decimal("2"),
        )
        training.audience.append(TrainingAudience(scope=AudienceScope.STREET, street_id=street_id))
        db.session.add(training)
        db.session.commit()
        return {
            "id": training.id,
            "secret": training.checkin_secret,
            "expected": expected_count(training.id),
        }


def decode_qr(png: bytes) -> str:
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("RGB"))
    return barcode.text


def test_worker_scans_projector_code_and_count_goes_up(
    browser, live_server, live_app, training_now
):
    """A worker opening the URL in the projector's QR is checked in; the count rises, no reload."""
    expected = training_now["expected"]
    projector = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    projector.clock.install(time=datetime.now(UTC) + PROJECTOR_CLOCK_AHEAD)
    worker = browser.new_context(**PHONE)
    try:
        screen = projector.new_page()
        log_in(screen, live_server, TRAINER)
        screen.goto(f"{live_server}/trainings/{training_now['id']}/projector")
        count = screen.locator("#projector-count")
        expect(count).to_have_text(f"已签到 0 / {expected}")
        expect(screen.locator(".countdown")).to_contain_text("秒后刷新")
        screen.evaluate("window.notReloaded = true")
        screenshot(screen, "projector-1920x1080")

        url = decode_qr(screen.locator("#projector-qr").screenshot())
        assert url.startswith(f"{live_server}/c/{training_now['id']}/")

        phone = worker.new_page()
        log_in(phone, live_server, WORKER)
        phone.goto(url)
        expect(phone.get_by_role("heading", level=1)).to_have_text("签到成功")
        expect(phone.locator("#checkin-result")).to_contain_text("已计入 2 学时")
        screenshot(phone, "worker-scan-checked-in-390x844")

        expect(count).to_have_text(f"已签到 1 / {expected}", timeout=10_000)
        assert screen.evaluate("window.notReloaded") is True

        # The next rotation comes on the server's step boundary despite the projector's clock.
        code = screen.locator("#projector-code")
        shown_step = int(code.get_attribute("data-step"))
        expect(code).not_to_have_attribute("data-step", str(shown_step), timeout=20_000)
        server_now = datetime.now(UTC)
        into_step = server_now.timestamp() % PROJECTOR_STEP_SECONDS
        assert into_step < 3, f"rotated {into_step:.1f} s after the server's boundary"
        new_step = int(code.get_attribute("data-step"))
        assert new_step == time_step(server_now)
        new_url = decode_qr(screen.locator("#projector-qr").screenshot())
        _, _, training_id, step, mac = urlsplit(new_url).path.split("/")
        assert int(step) == new_step
        check = check_projector_code(
            training_now["secret"], int(training_id), int(step), mac, now=datetime.now(UTC)
        )
        assert check.ok
        assert screen.evaluate("window.notReloaded") is True
    finally:
        projector.close()
        worker.close()


def test_projector_fits_a_phone_held_up(browser, live_server, training_now):
    """On a 390×844 phone the whole QR code is on screen, with no sideways scrolling."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        log_in(page, live_server, TRAINER)
        page.goto(f"{live_server}/trainings/{training_now['id']}/projector")
        qr = page.locator("#projector-qr")
        expect(qr).to_be_visible()
        box = qr.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert box["y"] + box["height"] <= 844
        assert box["width"] >= 300  # big enough to read from a few steps away
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        expect(page.locator("#projector-count")).to_have_text(re.compile(r"已签到 \d+ / \d+"))
        assert decode_qr(qr.screenshot()).startswith(f"{live_server}/c/{training_now['id']}/")
        screenshot(page, "projector-390x844")
    finally:
        context.close()
