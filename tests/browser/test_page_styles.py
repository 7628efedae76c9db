"""Every page's styles come with the first page: boosted navigation never leaves one unstyled."""

from __future__ import annotations

import io
import re
from datetime import date

from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in


def _photo(tmp_path):
    """A 1600 × 1200 photo, as a phone camera takes it."""
    path = tmp_path / "certificate.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (200, 180, 120)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_proof_photo_is_a_thumbnail_after_a_menu_click(browser, page, live_server, tmp_path):
    """The admin reaches the review page by the menu: the photo is a thumbnail, the page fits."""
    title = "页面样式测试：网络课程结业证书"
    log_in(page, live_server, "13800000001")
    page.goto(f"{live_server}/me/outside-training")
    page.get_by_label("培训名称").fill(title)
    page.get_by_label("主办单位").fill("区民政局")
    page.get_by_label("学时").fill("2")
    page.get_by_label("完成日期").fill(date.today().isoformat())
    page.get_by_label(re.compile("证书或")).set_input_files(str(_photo(tmp_path)))
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text(title)).to_be_visible()

    admin = browser.new_context(**PHONE)
    try:
        desk = admin.new_page()
        log_in(desk, live_server, "13800000005")
        desk.get_by_role("link", name="外部培训审核").click()  # boosted: only the body is swapped
        expect(desk).to_have_url(re.compile(r"/street/outside-training"))
        thumb = desk.get_by_role("img", name="证明材料：certificate.jpg")
        expect(thumb).to_be_visible()
        box = thumb.bounding_box()
        assert box is not None and box["width"] <= 120 and box["height"] <= 120
        assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        assert desk.evaluate("document.querySelectorAll('body link[rel=stylesheet]').length") == 0
    finally:
        admin.close()
