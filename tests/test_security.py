"""Security headers, CSP, cookies, caching and htmx response rules."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from portal import PROJECT_ROOT
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


@pytest.mark.parametrize(
    ("encoding", "decode"), [("br", brotli.decompress), ("gzip", gzip.decompress), ("", bytes)]
)
def test_static_assets_are_hashed_precompressed_and_cached_for_a_year(client, encoding, decode):
    """Assets load under content-hashed names, sent compressed and kept a year by browsers."""
    page = client.get("/login").get_data(as_text=True)
    url = re.search(r'src="(/static/js/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js)"', page).group(1)
    original = (PROJECT_ROOT / "static" / "js" / "htmx-2.0.11.min.js").read_bytes()
    with client.get(url, headers={"Accept-Encoding": encoding} if encoding else {}) as script:
        assert script.status_code == 200
        assert script.headers.get("Content-Encoding", "") == encoding
        assert "Accept-Encoding" in script.headers["Vary"]
        assert "immutable" in script.headers["Cache-Control"]
        assert "max-age=315360000" in script.headers["Cache-Control"]
        assert script.headers["X-Content-Type-Options"] == "nosniff"
        body = b"".join(script.response)
    assert decode(body) == original
    assert len(body) < len(original) / 2 or not encoding


def test_only_the_built_names_of_static_files_are_served(client):
    """The source name of a file is not served: every page links the hashed one."""
    assert client.get("/static/js/htmx-2.0.11.min.js").status_code == 404
    assert client.get("/static/css/app.css").status_code == 404


def test_every_page_loads_one_stylesheet_in_its_head(client, make_worker, make_user, make_street):
    """One stylesheet, in <head>: boosted navigation swaps only the body, so none is in it."""
    pages = [client.get("/login").get_data(as_text=True)]
    login(client, make_worker().user.phone)
    pages += [client.get(path).get_data(as_text=True) for path in ("/", "/inbox")]
    for page in pages:
        head, body = page.split("</head>", 1)
        assert len(re.findall(r'<link rel="stylesheet"', head)) == 1
        assert 'rel="stylesheet"' not in body
