"""Rules over every route of the app (``app.url_map``): who may call it, and how it writes.

A new route is covered the day it is added: it needs a login unless it is on PUBLIC, and a
view that changes state takes SQLite's write lock up front (``@writes``) unless it is on
READ_ONLY_POSTS.
"""

from __future__ import annotations

import re
import tempfile

import pytest

from portal import config, create_app
from portal.database import takes_write_lock
from tests.helpers import csrf_token

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# Endpoints an anonymous visitor may reach, each with why.
PUBLIC = {
    "auth.login": "the login page itself",
    "auth.set_language": "the language switch on the login page",
    "static": "CSS, JavaScript, icons",
    "health.healthz": "the load balancer's probe",
    "observability.scrape": "Prometheus; 404 unless from PORTAL_METRICS_ALLOW",
    "pwa.manifest": "fetched by the browser without cookies",
    "pwa.service_worker": "registered before login",
    "pwa.offline": "the page shown when the network is gone",
    "checkin.scan_training": "the QR landing: checks the code, then sends to login",
    "inbox.bell": "answers 286 (htmx: stop polling) once the session is gone",
}

# POST views that change no row, so they must not queue for the write lock.
READ_ONLY_POSTS = {
    "admin.import_preview": "parses the upload and previews it; the file waits on disk",
}


def _routes(app) -> list[tuple[str, str, str]]:
    """Every (method, URL with sample arguments, endpoint) the app answers."""
    found = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url, rule.endpoint))
    return sorted(found, key=lambda route: (route[1], route[0]))


def _url_map() -> list[tuple[str, str, str]]:
    """The routes, read at collection time from an app that never opens its database."""
    with tempfile.TemporaryDirectory() as tmp:
        return _routes(create_app(config.TestConfig(tmp, database_url="sqlite://")))


ROUTES = _url_map()
PRIVATE = [route for route in ROUTES if route[2] not in PUBLIC]


def _anonymous_request(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    # With a valid CSRF token, so the login check (not CSRF) is what answers.
    return client.open(url, method=method, data={"csrf_token": csrf_token(client)})


@pytest.mark.parametrize(
    ("method", "url", "endpoint"), PRIVATE, ids=[f"{m} {u}" for m, u, _e in PRIVATE]
)
def test_anonymous_is_sent_to_login(client, method, url, endpoint):
    """Every route but the public ones sends an anonymous visitor to the login page."""
    response = _anonymous_request(client, method, url)
    assert response.status_code == 302, (endpoint, response.status_code)
    assert response.headers["Location"].startswith("/login"), endpoint


def test_public_routes_exist_and_answer_without_login(client):
    """Each public endpoint is a real route and answers an anonymous visitor itself."""
    by_endpoint = {endpoint: (method, url) for method, url, endpoint in ROUTES}
    assert set(PUBLIC) <= set(by_endpoint), set(PUBLIC) - set(by_endpoint)
    for endpoint in PUBLIC:
        method, url = by_endpoint[endpoint]
        response = _anonymous_request(client, method, url)
        assert not response.headers.get("Location", "").startswith("/login"), endpoint


def test_every_state_changing_view_takes_the_write_lock_up_front(app):
    """Each view answering POST/PUT/PATCH/DELETE is marked @writes (BEGIN IMMEDIATE on SQLite)."""
    changing = {endpoint for method, _url, endpoint in ROUTES if method in STATE_CHANGING}
    assert set(READ_ONLY_POSTS) <= changing
    unmarked = {
        endpoint
        for endpoint in changing - set(READ_ONLY_POSTS)
        if not takes_write_lock(app.view_functions[endpoint])
    }
    assert unmarked == set()


def test_read_only_posts_do_not_queue_for_the_write_lock(app):
    """The POST views listed as read-only are not marked, so they never wait on writers."""
    assert not any(takes_write_lock(app.view_functions[e]) for e in READ_ONLY_POSTS)
