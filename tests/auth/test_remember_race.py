"""A remember-me token used by several requests at once is replaced once, not once each."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from flask_migrate import upgrade

from portal import config as portal_config
from portal import create_app
from portal.auth.operations import secret_hash, sign_in
from portal.auth.sessions import REMEMBER_COOKIE
from portal.enums import Role
from portal.extensions import db
from portal.models import LoginSession, User, UserRole
from tests.conftest import FreshContextClient, fresh_database

THREADS = 8
BARRIER_TIMEOUT = 20  # seconds: a thread that never arrives fails the test, not hangs it


def _app(url: str, instance: str):
    config = portal_config.TestConfig(instance, database_url=url)
    config.SQLALCHEMY_ENGINE_OPTIONS = {
        **config.SQLALCHEMY_ENGINE_OPTIONS,
        "pool_size": THREADS,
        "max_overflow": 0,
        "pool_timeout": BARRIER_TIMEOUT,
    }
    app = create_app(config)
    app.test_client_class = FreshContextClient
    return app


def test_racing_requests_with_one_token_rotate_it_once(tmp_path):
    """Eight requests with the same remember cookie at once: one new token, and it works."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp_path) as url:
        app = _app(url, str(tmp_path))
        try:
            with app.app_context():
                upgrade()
                user = User(
                    phone="13900000001",
                    name="赛跑",
                    password_hash="!",  # noqa: S106 - signed in directly below
                    must_change_password=False,
                    role_rows=[UserRole(role=Role.STREET_ADMIN)],
                )
                db.session.add(user)
                db.session.flush()
                remember = sign_in(user, user_agent="t", address="127.0.0.1", remember=True)
                db.session.commit()
                cookie = remember.remember_cookie
                device_id = remember.device.id
                db.session.remove()

            barrier = threading.Barrier(THREADS, timeout=BARRIER_TIMEOUT)

            def reopen(_n: int) -> tuple[int, str | None]:
                client = app.test_client()
                client.set_cookie(REMEMBER_COOKIE, cookie)
                barrier.wait()
                response = client.get("/")
                issued = client.get_cookie(REMEMBER_COOKIE)
                replaced = issued.value if issued and issued.value != cookie else None
                return response.status_code, replaced

            with ThreadPoolExecutor(max_workers=THREADS) as pool:
                answers = list(pool.map(reopen, range(THREADS)))

            assert all(status in {200, 302} for status, _ in answers), answers
            issued = [new for _, new in answers if new]
            assert len(issued) == 1, answers
            with app.app_context():
                stored = db.session.get(LoginSession, device_id)
                assert stored.remember_token_hash == secret_hash(issued[0].partition(".")[2])
                db.session.remove()
            later = app.test_client()
            later.set_cookie(REMEMBER_COOKIE, issued[0])
            assert later.get("/").status_code == 200
        finally:
            with app.app_context():
                db.engine.dispose()
