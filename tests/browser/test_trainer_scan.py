"""The trainer at the door scans a worker's 我的签到码 with the phone camera (jsQR in Chromium).

Chromium's fake camera plays a y4m video made from the worker's current personal code,
so the whole path runs for real: getUserMedia → jsQR → POST → attendance row → roster.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import qrcode
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Browser, expect

from portal.checkin.codes import PERSONAL_STEP_SECONDS, personal_code, personal_key, time_step
from portal.enums import AttendanceMethod, AudienceScope, OrganiserLevel, TrainingKind
from portal.extensions import db
from portal.models import Attendance, PersonalCodeUse, Training, TrainingAudience, User
from portal.timeutil import utcnow
from tests.browser.conftest import CHROMIUM, PHONE, log_in, screenshot

TRAINER = "13800000002"
WORKER = "13800000001"  # 李晓雯
SECOND_WORKER = "13800000003"  # 陈国华, the mentor, also a worker
FRAME_SIZE = (640, 480)

_BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def create_running_training(live_app, title: str) -> int:
    """Commit a training running now, organised by the demo trainer, for the whole street.

    The browser tests share one database and run within seconds of each other, so a demo
    worker's code scanned in an earlier test has claimed its step for that test's training
    (a code counts at one door only): each new training starts with those claims cleared.
    """
    with live_app.app_context():
        db.session.execute(sa.delete(PersonalCodeUse))
        trainer = db.session.scalars(sa.select(User).where(User.phone == TRAINER)).one()
        starts = utcnow() - timedelta(minutes=5)
        training = Training(
            title=title,
            kind=TrainingKind.IN_SERVICE,
            level=OrganiserLevel.STREET,
            street_id=trainer.street_id,
            organiser_id=trainer.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            place="街道会议室",
            credited_hours=Decimal("3"),
        )
        training.audience.append(
            TrainingAudience(scope=AudienceScope.STREET, street_id=trainer.street_id)
        )
        db.session.add(training)
        db.session.commit()
        return training.id


def user_id_of(live_app, phone: str) -> int:
    """Return the id of a demo user."""
    with live_app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.phone == phone))


def current_code(live_app, phone: str) -> str:
    """Return a demo worker's personal code as their phone shows it now."""
    key = personal_key(live_app.secret_key)
    return personal_code(
        key, user_id_of(live_app, phone), time_step(utcnow(), PERSONAL_STEP_SECONDS)
    )


def attendance_rows(live_app, training_id: int) -> list[tuple[int, AttendanceMethod]]:
    """Return (worker id, method) of each attendance row of a training."""
    with live_app.app_context():
        result = db.session.execute(
            sa.select(Attendance.worker_id, Attendance.method).where(
                Attendance.training_id == training_id
            )
        )
        return [tuple(row) for row in result]


def write_y4m(text: str, path: Path, frames: int = 10) -> Path:
    """Write a short 640×480 YUV 4:2:0 video showing `text` as a QR code on white."""
    code = qrcode.QRCode(box_size=9, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    symbol = Image.open(buffer).convert("RGB")
    frame = Image.new("RGB", FRAME_SIZE, "white")
    frame.paste(symbol, ((FRAME_SIZE[0] - symbol.width) // 2, (FRAME_SIZE[1] - symbol.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (FRAME_SIZE[0] // 2, FRAME_SIZE[1] // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{FRAME_SIZE[0]} H{FRAME_SIZE[1]} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + (b"FRAME\n" + planes) * frames)
    return path


def camera_browser(browser: Browser, video: Path) -> Browser:
    """Launch a second Chromium whose camera plays a video file (the session one has none)."""
    return browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *_BROWSER_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


def test_trainer_scans_worker_code_with_the_camera(browser, live_server, live_app, tmp_path):
    """The camera reads the worker's code; the page shows name, initial and count; a row exists."""
    training_id = create_running_training(live_app, "扫码签到演练（摄像头）")
    worker_id = user_id_of(live_app, WORKER)
    video = write_y4m(current_code(live_app, WORKER), tmp_path / "worker-code.y4m")
    chromium = camera_browser(browser, video)
    try:
        context = chromium.new_context(**PHONE, permissions=["camera"])
        page = context.new_page()
        log_in(page, live_server, TRAINER)

        page.goto(f"{live_server}/trainings/{training_id}/scan")

        result = page.locator("#scan-result")
        expect(result).to_be_visible(timeout=15_000)
        expect(result.locator("[data-name]")).to_have_text("李晓雯")
        expect(result.locator("[data-initial]")).to_have_text("李")
        expect(result.locator("[data-message]")).to_have_text("李晓雯 签到成功。")
        expect(page.locator("#scan-count")).to_have_text("1")
        expect(page.locator("#scan-log li").first).to_contain_text("李晓雯")
        assert page.evaluate("'BarcodeDetector' in window") is False  # so jsQR did the reading
        assert page.evaluate("typeof window.jsQR") == "function"
        screenshot(page, "trainer-scan-camera-390x844")
        # The same code stays in front of the camera: it is not sent again and again.
        page.wait_for_timeout(1500)
        assert page.locator("#scan-log li").count() == 1
        context.close()
    finally:
        chromium.close()

    assert attendance_rows(live_app, training_id) == [(worker_id, AttendanceMethod.TRAINER_SCAN)]


def test_worker_shows_their_code_and_it_rotates_on_the_server_step(page, live_server, live_app):
    """The worker's 我的签到码 shows their current code and swaps it at the step boundary."""
    log_in(page, live_server, WORKER)
    page.get_by_role("link", name="我的签到码").click()  # the nav link: a boosted navigation

    panel = page.locator("#mycode-panel")
    expect(panel.locator("svg")).to_be_visible()
    expect(page.locator(".person-name")).to_have_text("李晓雯")
    first = panel.get_attribute("data-code")
    assert first == current_code(live_app, WORKER) or first.split(".")[2] == str(
        time_step(utcnow(), PERSONAL_STEP_SECONDS) - 1
    )
    screenshot(page, "worker-mycode-390x844")
    # Within one step (30 s, plus the margin) the script fetches the next code by itself.
    expect(page.locator("#mycode-panel")).not_to_have_attribute(
        "data-code", first, timeout=(PERSONAL_STEP_SECONDS + 5) * 1000
    )
    second = page.locator("#mycode-panel").get_attribute("data-code")
    assert int(second.split(".")[2]) == int(first.split(".")[2]) + 1
