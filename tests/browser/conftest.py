"""Browser fixtures: the real app served on 127.0.0.1 with demo data, and one headless Chromium.

Browser tests use their own database (the demo street) and a real HTTP server in a
thread; the rest of the suite's rolled-back sessions are not involved.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from portal import demo
from portal.extensions import db
from tests.conftest import make_test_app
from tests.servers import serve

CHROMIUM = "/usr/bin/chromium"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
DEMO_PASSWORD = "Demo-pass-1"  # noqa: S105 - test fixture
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", "test-artifacts"))


def pytest_collection_modifyitems(items):
    """Mark every test in this folder as a browser test."""
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """Serve the app with the demo street on a free port of 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("live")
    app = make_test_app(f"sqlite:///{tmp / 'live.db'}", str(tmp))
    with app.app_context():
        upgrade()
        demo.build_demo(password=DEMO_PASSWORD, today=date.today())
        db.session.commit()
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the whole session."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-test-deps (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser) -> Iterator[BrowserContext]:
    """A fresh phone-sized browser context (390×844), no cookies."""
    context = browser.new_context(**PHONE)
    yield context
    context.close()


@pytest.fixture
def page(phone) -> Page:
    """A page in the phone context."""
    return phone.new_page()


def log_in(
    page: Page, server: str, phone: str, password: str = DEMO_PASSWORD, *, lands_home: bool = True
) -> None:
    """Log in through the form, as a person would; by default, check it lands on the home page."""
    page.goto(f"{server}/login")
    page.get_by_label("手机号或工号").fill(phone)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    if lands_home:
        expect(page).to_have_url(f"{server}/")


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under the test run's artifacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def live_app(live_server, tmp_path_factory):
    """An app on the live server's database, to arrange data (commit!) that the browser then sees.

    Same test configuration, hence the same secret key (personal codes made here are the
    server's) and the same SQLite file, which WAL lets both apps use at once.
    """
    # live_server's folder is "live0": not "livecurrent" (a link to it), nor another server's.
    [database] = [
        path
        for path in tmp_path_factory.getbasetemp().glob("live*/live.db")
        if path.parent.name[4:].isdigit()
    ]
    app = make_test_app(f"sqlite:///{database}", str(database.parent))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def mentoring_server(tmp_path_factory) -> Iterator[str]:
    """Serve the demo street with its 传帮带 and 谈心日 records (issue 5) on a free port."""
    from portal.timeutil import local_today  # the app's "today" (Asia/Shanghai)

    tmp = tmp_path_factory.mktemp("live-mentoring")
    app = make_test_app(f"sqlite:///{tmp / 'live.db'}", str(tmp))
    with app.app_context():
        upgrade()
        demo.build_demo(password=DEMO_PASSWORD, today=local_today())
        demo.build_mentoring_demo(today=local_today())  # adds nothing if build_demo did
        db.session.commit()
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def admin_import_server(tmp_path_factory) -> Iterator[str]:
    """Serve the demo street on its own database for the import test, which adds workers."""
    tmp = tmp_path_factory.mktemp("live-admin-import")
    app = make_test_app(f"sqlite:///{tmp / 'live.db'}", str(tmp))
    with app.app_context():
        upgrade()
        demo.build_demo(password=DEMO_PASSWORD, today=date.today())
        db.session.commit()
    with serve(app) as url:
        yield url
