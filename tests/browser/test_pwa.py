"""The installable app in a browser: service worker, manifest, offline page, logout, iOS hint."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in, screenshot

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
IPHONE_WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI"
)

# Resolves once the service worker is active; rejects (so the test fails and says why)
# instead of waiting for ever when it never installs. page.evaluate has no timeout.
WORKER_ACTIVE = """async () => {
  const activated = (async () => {
    const registration = await navigator.serviceWorker.ready;
    const active = registration.active;
    if (active.state !== 'activated') {
      await new Promise((resolve) => active.addEventListener('statechange', () => {
        if (active.state === 'activated') resolve();
      }));
    }
    return { state: active.state, scope: registration.scope };
  })();
  const late = new Promise((resolve, reject) => setTimeout(async () => {
    const found = await navigator.serviceWorker.getRegistrations();
    reject(new Error('no active service worker after 20 s; registrations: ' + JSON.stringify(
      found.map((r) => ({
        installing: !!r.installing, waiting: !!r.waiting, active: !!r.active,
      })))));
  }, 20000));
  return Promise.race([activated, late]);
}"""

# Every cached response that is HTML, as "cache name path" strings.
CACHED_HTML = """async () => {
  const found = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request, { ignoreVary: true });
      if ((response.headers.get('Content-Type') || '').includes('text/html')) {
        const url = new URL(request.url);
        found.push(name + ' ' + url.pathname + url.search);
      }
    }
  }
  return found;
}"""


def settle(page) -> None:
    """Let the service worker finish installing before the test closes the browser context."""
    page.evaluate(WORKER_ACTIVE)


def worker_controls(page) -> dict:
    """Wait until the service worker is active and answers this page's requests."""
    worker = page.evaluate(WORKER_ACTIVE)
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        # This page's navigation started while the worker was still installing (the login
        # raced the install on a slow machine), and claim() passes over a document that is
        # not yet loaded: it will never be controlled. The next page a person opens is.
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return worker


def test_service_worker_registers_activates_and_precaches(page, live_server):
    """The service worker registers for the whole site, activates and holds the app shell."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/login")
    worker = worker_controls(page)
    assert worker == {"state": "activated", "scope": f"{live_server}/"}
    cached = page.evaluate(
        """async () => {
          const names = await caches.keys();
          const cache = await caches.open(names.find((n) => n.startsWith('portal-static-')));
          return (await cache.keys()).map((r) => new URL(r.url).pathname);
        }"""
    )
    assert "/offline" in cached
    assert any(re.fullmatch(r"/static/css/portal\.[0-9a-f]{12}\.css", path) for path in cached)
    assert any(
        re.fullmatch(r"/static/js/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js", path) for path in cached
    )
    assert page.evaluate(CACHED_HTML) and all(
        entry.endswith(" /offline") for entry in page.evaluate(CACHED_HTML)
    )
    assert errors == []  # no CSP violation, no script error


def test_manifest_is_valid_and_its_icons_load(page, live_server):
    """The page's manifest link resolves to a valid manifest whose icons decode at their sizes."""
    page.goto(f"{live_server}/login")
    manifest = page.evaluate(
        """async () => {
          const link = document.querySelector('link[rel=manifest]');
          const response = await fetch(link.href);
          const data = await response.json();
          const icons = [];
          for (const icon of data.icons) {
            const image = await createImageBitmap(await (await fetch(icon.src)).blob());
            icons.push({ sizes: icon.sizes, purpose: icon.purpose,
                         decoded: image.width + 'x' + image.height });
          }
          return { type: response.headers.get('Content-Type'), data, icons };
        }"""
    )
    assert manifest["type"] == "application/manifest+json"
    data = manifest["data"]
    assert data["name"] == "社区工作者服务平台" and data["display"] == "standalone"
    assert data["start_url"] == "/?source=pwa" and data["theme_color"] == "#b3261e"
    assert all(icon["decoded"] == icon["sizes"] for icon in manifest["icons"])
    assert {icon["purpose"] for icon in manifest["icons"]} == {"any", "maskable"}
    settle(page)


def test_offline_navigation_shows_the_offline_page(phone, page, live_server):
    """With the network off a page shows 网络不可用; retry tries again; back online it returns."""
    log_in(page, live_server, "13800000001")
    worker_controls(page)
    training_url = page.locator("#card-training").get_attribute("href")

    phone.set_offline(True)
    page.goto(f"{live_server}{training_url}")
    expect(page.get_by_role("heading", level=1)).to_have_text("网络不可用")
    # The offline page is styled from the cache: the brand bar is there, not a bare page.
    assert page.locator(".topbar").evaluate("e => getComputedStyle(e).position") == "sticky"
    screenshot(page, "pwa-offline-390x844")
    # Retry loads the page again (a new document replaces this one), still offline. A marker
    # on the old document shows the reload, without racing navigation events under load.
    page.evaluate("window.beforeRetry = true")
    page.get_by_role("button", name="重试").click()
    page.wait_for_function("() => window.beforeRetry === undefined")
    expect(page.get_by_role("heading", level=1)).to_have_text("网络不可用")
    assert page.url == f"{live_server}{training_url}"

    # Back online: the page comes back by itself.
    phone.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_contain_text("培训学时")
    expect(page).to_have_url(f"{live_server}{training_url}")


def test_offline_boosted_link_falls_back_to_the_offline_page(phone, page, live_server):
    """A tap on a boosted link with the network off lands on the offline page, not on nothing."""
    log_in(page, live_server, "13800000001")
    worker_controls(page)
    phone.set_offline(True)
    page.locator("#card-training").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("网络不可用")
    expect(page).to_have_url(re.compile(r"/workers/\d+/training$"))
    phone.set_offline(False)


def test_logout_leaves_no_html_but_the_offline_page(page, live_server):
    """After logout the caches hold no page but /offline, even one an older version left behind."""
    log_in(page, live_server, "13800000001")
    worker_controls(page)
    page.locator("#card-training").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("培训学时")
    # Pages are never cached while the worker browses …
    assert all(entry.endswith(" /offline") for entry in page.evaluate(CACHED_HTML))
    # … and a page left by an older worker version is swept out on logout.
    page.evaluate(
        """async () => {
          const names = await caches.keys();
          const current = await caches.open(names.find((n) => n.startsWith('portal-static-')));
          const html = { headers: { 'Content-Type': 'text/html; charset=utf-8' } };
          await current.put('/', new Response('<h1>王小红的首页</h1>', html));
          await (await caches.open('portal-pages-old')).put('/inbox', new Response('x', html));
        }"""
    )
    assert len(page.evaluate(CACHED_HTML)) == 3

    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.wait_for_function(
        """async () => {
          const names = await caches.keys();
          if (names.includes('portal-pages-old')) return false;
          const current = await caches.open(names.find((n) => n.startsWith('portal-static-')));
          return !(await current.match('/', { ignoreVary: true }));
        }"""
    )
    remaining = page.evaluate(CACHED_HTML)
    assert len(remaining) == 1 and remaining[0].endswith(" /offline")


def _context(browser, user_agent: str):
    return browser.new_context(**{**PHONE, "user_agent": user_agent})


def test_ios_safari_shows_the_add_to_home_screen_hint_until_dismissed(browser, live_server):
    """iOS Safari shows the 添加到主屏幕 hint; once dismissed it stays away."""
    context = _context(browser, IPHONE_SAFARI)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        hint = page.locator(".ios-hint")
        expect(hint).to_be_visible()
        expect(hint).to_contain_text("添加到主屏幕")
        expect(hint).to_contain_text("iOS 16.4")
        # The page makes room: its last line can scroll clear of the hint.
        assert page.evaluate("parseFloat(getComputedStyle(document.body).paddingBottom)") > 100
        screenshot(page, "pwa-ios-hint-390x844")
        hint.get_by_role("button", name="知道了").click()
        expect(hint).to_have_count(0)
        page.reload()
        expect(page.get_by_role("button", name="登录")).to_be_visible()
        page.wait_for_load_state("load")
        expect(page.locator(".ios-hint")).to_have_count(0)
        settle(page)
    finally:
        context.close()


def test_no_hint_outside_ios_safari(browser, page, live_server):
    """Chromium on Android and WeChat's in-app browser on iPhone get no iOS Safari hint."""
    page.goto(f"{live_server}/login")
    page.wait_for_load_state("load")
    expect(page.locator(".ios-hint")).to_have_count(0)
    settle(page)
    context = _context(browser, IPHONE_WECHAT)
    try:
        wechat = context.new_page()
        wechat.goto(f"{live_server}/login")
        wechat.wait_for_load_state("load")
        expect(wechat.locator(".ios-hint")).to_have_count(0)
        settle(wechat)
    finally:
        context.close()
