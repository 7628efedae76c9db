"""Helpers for talking to the app like a browser: CSRF tokens, logging in, posting forms.

The factories that make rows live in tests/conftest.py (fixtures) and tests/factories.py.
"""

from __future__ import annotations

import re

PASSWORD = "Test-pass-1"  # noqa: S105 - test fixture
HX = {"HX-Request": "true"}

# Any form's token: plain ``csrf_token`` or a prefixed one (``pairing-csrf_token``).
_TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token of its (first) form.

    Every page of a logged-in session carries one; ``/login`` for an anonymous client.
    """
    page = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, f"no CSRF token on {path}: {page[:2000]}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, **extra):
    """Log in through the real form (with its CSRF token); return the response."""
    token = csrf_token(client, "/login")
    data = {"username": username, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data)


def logged_in(app, who):
    """Return a fresh client (its own cookie jar) logged in as a user or a worker profile."""
    user = getattr(who, "user", None) or who
    client = app.test_client()
    response = login(client, user.phone)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def post_form(client, path: str, data: dict | None = None, **kwargs):
    """Post a form with the session's CSRF token (taken from the home page)."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/"), **(data or {})}, **kwargs)
