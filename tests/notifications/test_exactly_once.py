"""Exactly once under concurrency: racing issuers and deliverers on separate connections.

These tests need real commits from separate connections, so they do not use the
rolled-back `db` fixture: they build their own database (SQLite file, or a throwaway
PostgreSQL database when TEST_DATABASE_URL says so), migrate it and commit.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from notifications import channels as channel_registry
from notifications import vapid
from notifications.deliver import deliver_due
from notifications.issue import issue, write_lock
from notifications.reminders import Reminder
from portal import config as portal_config
from portal import create_app
from portal.enums import Education, HiringRoute, PostType, Role
from portal.extensions import db
from portal.models import (
    Community,
    Delivery,
    District,
    Notification,
    PushSubscription,
    ReminderLog,
    Street,
    User,
    UserRole,
    WorkerProfile,
)
from tests.conftest import FreshContextClient, fresh_database
from tests.notifications.helpers import SUBJECT, VAPID_PEM, at
from tests.notifications.push_service import PushServer

RACERS = 6
WORKERS = 20
BARRIER_TIMEOUT = 30
NOW = at("2026-11-21 10:00")


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """An app on its own migrated database whose commits are real, with push set up."""
    tmp = tmp_path_factory.mktemp("exactly-once")
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp) as url:
        config = portal_config.TestConfig(str(tmp), database_url=url)
        config.SQLALCHEMY_ENGINE_OPTIONS = {
            **config.SQLALCHEMY_ENGINE_OPTIONS,
            "pool_size": RACERS + 2,
            "max_overflow": 0,
            "pool_timeout": BARRIER_TIMEOUT,
        }
        config.VAPID_PRIVATE_KEY = VAPID_PEM
        config.VAPID_SUBJECT = SUBJECT
        config.PUSH_ENDPOINT_HOSTS = "127.0.0.1"
        config.PUSH_WORKERS = 4
        app = create_app(config)
        app.test_client_class = FreshContextClient
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


def _seed(app, service) -> list[int]:
    """Commit twenty workers, each with a browser subscribed at the local push service."""
    today = date(2026, 1, 1)
    tag = os.urandom(3).hex()
    with app.app_context():
        street = Street(district=District(name=f"区{tag}", policy_code="jiangsu"), name="街道")
        community = Community(street=street, name="社区", population=1000)
        users = []
        for i in range(WORKERS):
            user = User(
                phone=f"136{tag}{i:02d}"[:11],
                name=f"工作者{i}",
                password_hash="!",  # noqa: S106 - never logs in
                must_change_password=False,
                street=street,
                role_rows=[UserRole(role=Role.WORKER)],
            )
            users.append(user)
            db.session.add(
                WorkerProfile(
                    user=user,
                    community=community,
                    post_type=PostType.STAFF,
                    grade=3,
                    community_work_started_on=today - timedelta(days=2000),
                    joined_on=today - timedelta(days=2000),
                    education=Education.BACHELOR,
                    hiring_route=HiringRoute.RECRUITED,
                )
            )
        db.session.flush()
        for user in users:
            info, _keys = service.subscribe()
            db.session.add(
                PushSubscription(
                    user_id=user.id,
                    endpoint=info["endpoint"],
                    p256dh=info["keys"]["p256dh"],
                    auth=info["keys"]["auth"],
                )
            )
        db.session.commit()
        ids = [u.id for u in users]
        db.session.remove()
    return ids


def _due(user_ids: list[int]) -> list[Reminder]:
    return [
        Reminder(
            user_id=user_id,
            kind="health_check",
            subject="health-check:2026",
            period="2026",
            title="今年的健康体检还没有做",
            body="今年的体检应在10月1日前完成。",
            url=f"/workers/{user_id}/care",
            urgency="low",
        )
        for user_id in user_ids
    ]


def _together(job, count: int) -> list:
    """Run job() in `count` threads released at once; return results or exceptions."""
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT)

    def released():
        barrier.wait()
        return job()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(released) for _ in range(count)]
        outcomes = []
        for future in futures:
            try:
                outcomes.append(future.result())
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                outcomes.append(error)
    return outcomes


def _count(app, model, user_ids) -> int:
    with app.app_context():
        column = model.user_id if hasattr(model, "user_id") else None
        if column is None:
            statement = (
                sa.select(sa.func.count())
                .select_from(Delivery)
                .join(Notification)
                .where(Notification.user_id.in_(user_ids))
            )
        else:
            statement = sa.select(sa.func.count()).where(column.in_(user_ids))
        value = db.session.scalar(statement)
        db.session.remove()
    return value


def test_racing_issuers_and_deliverers_make_one_inbox_row_and_one_push_each(live_app):
    """Six issuers, then six deliverers, at once over the same due set: one of everything."""
    with PushServer() as service:
        user_ids = _seed(live_app, service)
        due = _due(user_ids)

        def issue_once():
            with live_app.app_context():
                channels = channel_registry.configured_channels(live_app)
                try:
                    with write_lock():
                        report = issue(due, now=NOW, channels=channels)
                        db.session.commit()
                    return report.issued
                finally:
                    channel_registry.close_all(channels)
                    db.session.remove()

        issued = _together(issue_once, RACERS)
        assert not [o for o in issued if isinstance(o, Exception)], issued
        assert sum(issued) == WORKERS
        assert _count(live_app, Notification, user_ids) == WORKERS
        assert _count(live_app, ReminderLog, user_ids) == WORKERS
        assert _count(live_app, Delivery, user_ids) == WORKERS

        def deliver_once():
            with live_app.app_context():
                channels = channel_registry.configured_channels(live_app)
                try:
                    return deliver_due(now=NOW, channels=channels, batch=3).sent
                finally:
                    channel_registry.close_all(channels)
                    db.session.remove()

        sent = _together(deliver_once, RACERS)
        assert not [o for o in sent if isinstance(o, Exception)], sent
        assert sum(sent) == WORKERS
        assert len(service.delivered()) == WORKERS
        assert len({r.token for r in service.delivered()}) == WORKERS
        assert service.errors() == []
        vapid.forget_keys(live_app)
