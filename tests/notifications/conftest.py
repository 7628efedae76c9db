"""Fixtures for notifications: VAPID keys, a local push service, a local WeCom, channels."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notifications import channels as channel_registry
from notifications import vapid, wecom
from portal.models import PushSubscription
from tests.notifications.helpers import SUBJECT, VAPID_PEM, VAPID_PUBLIC
from tests.notifications.push_service import PushServer, PushService
from tests.notifications.wecom_service import WeComServer, WeComService


@pytest.fixture
def push_config(app, monkeypatch) -> Iterator[str]:
    """Push set up: a VAPID key in the config, and 127.0.0.1 as the only push service."""
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", VAPID_PEM)
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", SUBJECT)
    monkeypatch.setitem(app.config, "PUSH_ENDPOINT_HOSTS", "127.0.0.1")
    monkeypatch.setitem(app.config, "PUSH_TIMEOUT", 5)
    monkeypatch.setitem(app.config, "PUSH_WORKERS", 4)
    vapid.forget_keys(app)
    yield VAPID_PUBLIC
    vapid.forget_keys(app)


@pytest.fixture
def push_service() -> Iterator[PushService]:
    """A push service on 127.0.0.1 that verifies VAPID and decrypts every message."""
    with PushServer() as service:
        yield service


@pytest.fixture
def wecom_service(app, monkeypatch) -> Iterator[WeComService]:
    """A WeCom API on 127.0.0.1, configured as the app's WeCom."""
    wecom.clear_token_cache()
    with WeComServer() as service:
        monkeypatch.setitem(app.config, "WECOM_BASE_URL", service.base_url)
        monkeypatch.setitem(app.config, "WECOM_CORP_ID", service.corp_id)
        monkeypatch.setitem(app.config, "WECOM_AGENT_ID", service.agent_id)
        monkeypatch.setitem(app.config, "WECOM_SECRET", service.secret)
        yield service
    wecom.clear_token_cache()


@pytest.fixture
def subscribe(db):
    """Subscribe a user's (simulated) browser at a push service; return the endpoint token."""

    def make(user_id: int, service: PushService) -> tuple[PushSubscription, str]:
        info, _keys = service.subscribe()
        row = PushSubscription(
            user_id=user_id,
            endpoint=info["endpoint"],
            p256dh=info["keys"]["p256dh"],
            auth=info["keys"]["auth"],
        )
        db.session.add(row)
        db.session.flush()
        return row, info["endpoint"].rsplit("/", 1)[-1]

    return make


@pytest.fixture
def channels(app):
    """The channels the app's configuration enables, closed after the test."""
    opened = []

    def build():
        found = channel_registry.configured_channels(app)
        opened.append(found)
        return found

    yield build
    for found in opened:
        channel_registry.close_all(found)
