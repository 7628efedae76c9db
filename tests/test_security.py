"""Security headers, CSP, cookies, caching and htmx response rules."""

from __future__ import annotations

from tests.helpers import login


def test_security_headers_on_every_page(client):
    """Pages carry CSP, frame, content-type and referrer protections."""
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_over_https(client):
    """Over HTTPS the browser is told to stay on HTTPS for a year."""
    response = client.get("/login", base_url="https://portal.example")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_personal_pages_are_not_cached(client, make_worker):
    """A worker's pages are never stored by shared caches."""
    worker = make_worker()
    login(client, worker.user.phone)
    assert client.get("/").headers["Cache-Control"] == "private, no-store"


def test_pages_vary_on_hx_request(client):
    """Pages that answer htmx with fragments tell caches so."""
    assert "HX-Request" in client.get("/login").headers["Vary"]


def test_no_inline_script_or_style_in_pages(client, make_worker):
    """Pages work under the strict CSP: no inline scripts, handlers or style attributes."""
    worker = make_worker()
    login(client, worker.user.phone)
    for path in ["/", f"/workers/{worker.user_id}/training", "/login"]:
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " onclick=" not in page and " style=" not in page


def test_english_is_available(client, make_worker):
    """Switching to English translates the interface and is remembered."""
    worker = make_worker()
    login(client, worker.user.phone)
    page = client.get("/").get_data(as_text=True)
    assert "岗位等级" in page
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/language/en", data={"csrf_token": token, "next": "/"})
    english = client.get("/").get_data(as_text=True)
    assert "Post and grade" in english and 'lang="en"' in english


def test_pages_are_compressed_for_weak_networks(client):
    """Pages travel compressed when the phone accepts it."""
    page = client.get("/login", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in page.headers["Vary"]


def test_static_assets_are_versioned_and_cached_for_a_year(client):
    """Assets load under content-hashed URLs that browsers keep for a year."""
    import re

    page = client.get("/login").get_data(as_text=True)
    url = re.search(r'src="(/static/js/htmx-2\.0\.11\.min\.js\?v=[0-9a-f]{12})"', page).group(1)
    with client.get(url) as script:
        assert script.status_code == 200
        assert "max-age=31536000" in script.headers["Cache-Control"]
