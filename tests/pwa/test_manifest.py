"""The web app manifest and its icons: what a phone needs to install the portal."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.helpers import login


@pytest.fixture
def manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    return response


def test_manifest_is_served_as_a_manifest(manifest):
    """The manifest is public and carries the manifest content type, revalidated on each use."""
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.headers["Cache-Control"] == "no-cache"


def test_manifest_describes_a_standalone_chinese_app(manifest):
    """The installed app has a Chinese name, starts at home in its own window, in the brand red."""
    data = manifest.get_json(force=True)
    assert data["name"] == "社区工作者服务平台"
    assert data["short_name"] == "社工服务" and len(data["short_name"]) <= 12
    assert data["start_url"] == "/?source=pwa"
    assert data["scope"] == "/" and data["id"] == "/"
    assert data["display"] == "standalone"
    assert data["theme_color"] == "#b3261e"
    assert data["background_color"].startswith("#")
    assert data["lang"] == "zh-CN"
    for key in ("name", "short_name", "description", "start_url", "display", "lang"):
        assert isinstance(data[key], str) and data[key]


def test_manifest_offers_192_512_and_a_maskable_icon(manifest):
    """Android needs a 192 px and a 512 px icon, and a maskable one for adaptive shapes."""
    icons = manifest.get_json(force=True)["icons"]
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in icons}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert all(icon["type"] == "image/png" for icon in icons)


def test_every_icon_is_a_png_of_its_stated_size(client, manifest):
    """Each icon URL in the manifest serves a PNG exactly as large as the manifest says."""
    for icon in manifest.get_json(force=True)["icons"]:
        with client.get(icon["src"]) as response:
            assert response.status_code == 200, icon["src"]
            assert response.mimetype == "image/png"
            image = Image.open(io.BytesIO(response.data))
        assert image.format == "PNG"
        assert f"{image.width}x{image.height}" == icon["sizes"]


def test_maskable_icon_fills_its_square(client, manifest):
    """The maskable icon is opaque to the corners, so launchers can crop it to any shape."""
    (icon,) = [i for i in manifest.get_json(force=True)["icons"] if i["purpose"] == "maskable"]
    with client.get(icon["src"]) as response:
        image = Image.open(io.BytesIO(response.data)).convert("RGBA")
    for corner in [(0, 0), (image.width - 1, 0), (0, image.height - 1)]:
        assert image.getpixel(corner) == (0xB3, 0x26, 0x1E, 255)


def test_manifest_is_the_same_for_a_logged_in_worker(client, make_worker):
    """The manifest holds nothing personal: a logged-in worker gets the very same bytes."""
    anonymous = client.get("/manifest.webmanifest").data
    worker = make_worker()
    login(client, worker.user.phone)
    response = client.get("/manifest.webmanifest")
    assert response.data == anonymous
    assert worker.user.name not in response.get_data(as_text=True)
