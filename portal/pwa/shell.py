"""What makes the portal installable: the manifest and the app shell the service worker keeps.

The service worker caches only what is the same for everyone: versioned static assets
and the offline page. Pages and API answers differ per user and are never cached.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from flask import url_for

from portal.web import assets
from portal.web.assets import asset_url

APP_NAME = "社区工作者服务平台"
# The manifest and home-screen title describe the installed app, not the page: they are
# fixed (lang zh-CN) rather than following each visitor's language choice.
SHORT_NAME = "社工服务"
DESCRIPTION = "社区工作者自助服务：岗位等级、培训学时、证书期限、考核结果与关爱待遇"
THEME_COLOR = "#b3261e"
BACKGROUND_COLOR = "#f6f4f2"

# (file under static/icons, size in pixels, purpose); drawn by scripts/make-icons.
ICONS = (
    ("icon-192.png", 192, "any"),
    ("icon-512.png", 512, "any"),
    ("icon-maskable-512.png", 512, "maskable"),
)
APPLE_TOUCH_ICON = "icons/apple-touch-icon-180.png"

# Precached: the app shell, i.e. what the layout (base.html and the offline page) loads on
# every page: the one stylesheet, the layout's script, the icon and the vendored htmx.
# Nothing else can render offline anyway (pages are never cached), so page-specific
# scripts are left to the cache-first rule: kept the first time a page uses them. A short
# list also keeps the install light on a weak network. Names are logical (the build's
# manifest maps each to its hashed file, portal/web/asset_build.py).
SHELL_FILES = ("css/portal.css", "js/app.js", "icons/icon.svg")
SHELL_GLOBS = ("js/htmx-*.min.js",)  # the vendored htmx, whatever its pinned version
# Scripts the service worker loads with importScripts(), when present (web push).
WORKER_IMPORTS = ("js/sw-push.js",)


def manifest() -> dict:
    """Return the web app manifest."""
    return {
        "id": "/",
        "name": APP_NAME,
        "short_name": SHORT_NAME,
        "description": DESCRIPTION,
        "lang": "zh-CN",
        "dir": "ltr",
        "start_url": url_for("home.index", source="pwa"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["productivity", "education"],
        "icons": [
            {
                "src": asset_url(f"icons/{name}"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": purpose,
            }
            for name, size, purpose in ICONS
        ],
    }


def precached_files(files: Iterable[str]) -> list[str]:
    """Return the logical names of the app shell among a build's files."""
    names = set(files)
    globbed = {name for pattern in SHELL_GLOBS for name in fnmatch.filter(names, pattern)}
    return sorted({*SHELL_FILES, *globbed})


def worker_imports(files: Iterable[str]) -> list[str]:
    """Return the hashed URLs of the scripts the service worker imports."""
    names = set(files)
    return [asset_url(name) for name in WORKER_IMPORTS if name in names]


@dataclass(frozen=True)
class AppShell:
    """The URLs the service worker precaches, and a version that changes with them."""

    urls: list[str]
    version: str


def app_shell(offline_page: str) -> AppShell:
    """Return the precache list (hashed shell URLs + the offline page) and the cache version.

    The version hashes the URL of every static file (each carries its content hash) and
    the offline page itself: any deploy that changes one of them changes the service
    worker's bytes, so phones install it and drop the old cache, page-specific files
    cached on first use included.
    """
    files = assets.manifest().files
    shell_urls = [asset_url(name) for name in precached_files(files)]
    urls = [*shell_urls, url_for("pwa.offline")]
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(asset_url(name).encode() + b"\n")
    digest.update(offline_page.encode())
    return AppShell(urls=urls, version=digest.hexdigest()[:16])
