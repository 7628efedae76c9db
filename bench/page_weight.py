"""Page weight: the bytes a phone downloads for the worker home, first and repeat load.

    python -m bench.page_weight [--check]

Serves the demo street over HTTP on 127.0.0.1 and drives Debian's Chromium at a phone
viewport. Bytes are counted where they leave the server (status line, headers and body of
every answer, the service worker's own fetches included), so nothing the browser asks for
is missed. First load: a signed-in phone with an empty cache opens the home page and the
service worker installs. Repeat load: the same phone opens the home page again.
Writes ``home_first_load_bytes`` and ``home_repeat_load_bytes`` to bench/results.json;
with ``--check`` exits 1 when either is over its budget (issue 12: 35 KB and 4 KB).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from portal import create_app, demo
from portal.config import TestConfig
from portal.extensions import db

FIRST_LOAD_BUDGET = 35 * 1024
REPEAT_LOAD_BUDGET = 4 * 1024
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Demo-pass-1"  # noqa: S105 - a throwaway demo database
WORKER = "13800000001"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


@dataclass
class ByteCounter:
    """WSGI middleware counting what the server sends: status line, headers and body."""

    app: Callable
    answers: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ, start_response):
        head = 0

        def counting_start(status, headers, exc_info=None):
            nonlocal head
            head = len(f"HTTP/1.1 {status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers)
            return start_response(status, headers, exc_info)

        body = self.app(environ, counting_start)
        return self._counted(environ.get("PATH_INFO", ""), body, lambda: head)

    def _counted(
        self, path: str, body: Iterable[bytes], head: Callable[[], int]
    ) -> Iterator[bytes]:
        sent = 0
        try:
            for chunk in body:
                sent += len(chunk)
                yield chunk
        finally:
            getattr(body, "close", lambda: None)()
            with self.lock:
                self.answers.append((path, head() + 2 + sent))

    def take(self) -> list[tuple[str, int]]:
        """Return the answers counted since the last call, and start again."""
        with self.lock:
            answers, self.answers = self.answers, []
        return answers


def demo_app(folder: Path) -> Flask:
    """An app on a fresh SQLite database holding the demo street."""
    config = TestConfig(str(folder), database_url=f"sqlite:///{folder / 'weight.db'}")
    # Plain http on 127.0.0.1: cookies without the Secure flag, so any HTTP client keeps them.
    config.SESSION_COOKIE_SECURE = config.REMEMBER_COOKIE_SECURE = False
    app = create_app(config)
    with app.app_context():
        upgrade()
        demo.build_demo(password=PASSWORD, today=date.today())
        db.session.commit()
    return app


@contextmanager
def serving(app: Flask) -> Iterator[tuple[str, ByteCounter]]:
    """Serve the app on a free port of 127.0.0.1, counting every answer's bytes."""
    counter = ByteCounter(app.wsgi_app)
    app.wsgi_app = counter  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", counter
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


def _settle(page, counter: ByteCounter, quiet: float = 0.5) -> None:
    """Wait until the page and its service worker have stopped fetching."""
    page.wait_for_load_state("networkidle")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    seen = -1
    while seen != len(counter.answers):
        seen = len(counter.answers)
        time.sleep(quiet)


def measure(browser, base_url: str, counter: ByteCounter) -> dict:
    """Return the bytes of the worker home's first and repeat load, with what made them up."""
    signing_in = browser.new_context(**PHONE)
    page = signing_in.new_page()
    page.goto(f"{base_url}/login")
    page.get_by_label("手机号或工号").fill(WORKER)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")
    cookies = signing_in.cookies()
    signing_in.close()

    phone = browser.new_context(**PHONE)
    phone.add_cookies(cookies)
    page = phone.new_page()
    counter.take()
    page.goto(f"{base_url}/")
    _settle(page, counter)
    first = counter.take()
    page.goto(f"{base_url}/")
    _settle(page, counter)
    repeat = counter.take()
    phone.close()
    return {
        "home_first_load_bytes": sum(size for _, size in first),
        "home_repeat_load_bytes": sum(size for _, size in repeat),
        "home_first_load_answers": sorted(first, key=lambda answer: -answer[1]),
        "home_repeat_load_answers": sorted(repeat, key=lambda answer: -answer[1]),
    }


def run() -> dict:
    """Measure the page weight on a throwaway demo database."""
    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    with tempfile.TemporaryDirectory(prefix="portal-weight-") as folder:
        app = demo_app(Path(folder))
        with serving(app) as (url, counter), sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                return measure(browser, url, counter)
            finally:
                browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when over budget")
    args = parser.parse_args(argv)
    from bench.run import merge_results

    figures = run()
    results = {
        "home_first_load_bytes": figures["home_first_load_bytes"],
        "home_repeat_load_bytes": figures["home_repeat_load_bytes"],
        "home_first_load_budget_bytes": FIRST_LOAD_BUDGET,
        "home_repeat_load_budget_bytes": REPEAT_LOAD_BUDGET,
    }
    merge_results(results)
    for key in ("home_first_load", "home_repeat_load"):
        print(f"{key}: {figures[key + '_bytes']} bytes")
        for path, size in figures[key + "_answers"]:
            print(f"  {size:>7}  {path}")
    over = (
        figures["home_first_load_bytes"] > FIRST_LOAD_BUDGET
        or figures["home_repeat_load_bytes"] > REPEAT_LOAD_BUDGET
    )
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
