"""The offline page and the install tags every page carries."""

from __future__ import annotations

import pytest

from portal.enums import Role
from tests.helpers import login


def test_offline_page_works_logged_out(client):
    """Without logging in, /offline shows the Chinese "network unavailable" page with a retry."""
    response = client.get("/offline")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "网络不可用" in page and "重试" in page and "data-retry" in page
    assert response.headers["Cache-Control"] == "no-cache"


def test_offline_page_holds_nothing_personal(client, make_worker):
    """A logged-in worker's offline page is the anonymous one: no name, phone, token or menu."""
    anonymous = client.get("/offline").get_data(as_text=True)
    worker = make_worker(name="王小红")
    login(client, worker.user.phone)
    page = client.get("/offline").get_data(as_text=True)
    assert page == anonymous
    for personal in ("王小红", worker.user.phone, "csrf_token", 'action="/logout"', "rolenav"):
        assert personal not in page


def test_offline_page_has_no_inline_code(client):
    """The offline page runs under the strict CSP: no inline scripts, handlers or styles."""
    page = client.get("/offline").get_data(as_text=True)
    assert "<script>" not in page and " onclick=" not in page and " style=" not in page


HEAD_TAGS = [
    '<link rel="manifest" href="/manifest.webmanifest">',
    '<link rel="apple-touch-icon" sizes="180x180" href="/static/icons/apple-touch-icon-180.',
    '<meta name="apple-mobile-web-app-capable" content="yes">',
    '<meta name="mobile-web-app-capable" content="yes">',
    '<meta name="apple-mobile-web-app-title" content="社工服务">',
    '<meta name="apple-mobile-web-app-status-bar-style" content="default">',
    '<script src="/static/js/app.',
]


@pytest.mark.parametrize("who", [None, Role.WORKER, Role.STREET_ADMIN])
def test_pages_carry_the_install_tags(client, make_worker, make_user, make_street, who):
    """Every page, logged in or not, links the manifest, the iOS icon and tags, and app.js."""
    if who is Role.WORKER:
        login(client, make_worker().user.phone)
    elif who is not None:
        login(client, make_user(who, street=make_street()).phone)
    page = client.get("/" if who else "/login").get_data(as_text=True)
    head = page.split("</head>", 1)[0]
    for tag in HEAD_TAGS:
        assert tag in head
    assert "添加到主屏幕" in head and "iOS 16.4" in head


def test_apple_touch_icon_is_180_px(client):
    """The home-screen icon iOS uses is a 180 px opaque PNG."""
    import io
    import re

    from PIL import Image

    page = client.get("/login").get_data(as_text=True)
    url = re.search(r'rel="apple-touch-icon" sizes="180x180" href="([^"]+)"', page).group(1)
    with client.get(url) as response:
        image = Image.open(io.BytesIO(response.data))
    assert image.format == "PNG" and image.size == (180, 180)
    assert image.mode == "RGB"  # iOS paints transparent corners black
