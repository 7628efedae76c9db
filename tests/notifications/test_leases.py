"""Leases on claimed deliveries: a crashed sender loses nothing; unanswered pushes stay sent."""

from __future__ import annotations

import socket
from collections import Counter
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from notifications import channels as channel_registry
from notifications import deliver
from notifications import issue as issuing
from notifications.channels import request_maybe_sent
from notifications.deliver import DEFAULT_LEASE, deliver_due, release_stale
from notifications.reminders import Reminder
from portal.models import Delivery, PushSubscription
from tests.notifications.helpers import at
from tests.notifications.push_service import PushServer

NOW = at("2026-11-21 10:00")
LEASE = timedelta(seconds=DEFAULT_LEASE)


def _issue_many(db, user_id, channels, count: int) -> list[int]:
    """Issue ``count`` reminders to one user; return their notification ids."""
    reminders = [
        Reminder(
            user_id=user_id,
            kind="training_soon",
            subject=f"training:{n}",
            period="2026-11-21T11:00",
            title=f"11:00 培训 {n}",
            body="街道会议室。",
            url="/me/code",
            urgency="high",
        )
        for n in range(count)
    ]
    report = issuing.issue(reminders, now=NOW, channels=channels)
    db.session.commit()
    return list(report.notification_ids)


def _statuses(db) -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(sa.select(Delivery.status)))


def _arrived(service) -> Counter:
    """How often each notification id reached the browser."""
    return Counter(message.payload["id"] for message in service.delivered())


@pytest.fixture
def one_subscriber(db, make_worker, push_config, push_service, subscribe, channels):
    """A worker with one subscription at the local push service, and the app's channels."""
    worker = make_worker()
    subscribe(worker.user_id, push_service)
    db.session.commit()
    return worker.user_id, channels()


# -- the claim / lease / release rules, one row at a time -----------------------------------

CLAIM_CASES = [
    # (status, lease_until, not_before) relative to NOW → sent by a run at NOW?
    pytest.param("pending", None, -60, True, id="pending and due"),
    pytest.param("pending", None, +60, False, id="pending, not yet due"),
    pytest.param("sending", +60, -60, False, id="claimed, lease running: another sender has it"),
    pytest.param("sending", -1, -60, True, id="claimed, lease ran out: sender died"),
    pytest.param("sending", None, -60, True, id="claimed before leases existed"),
    pytest.param("sent", None, -60, False, id="sent"),
    pytest.param("failed", None, -60, False, id="failed"),
    pytest.param("unknown", None, -60, False, id="unknown: maybe arrived"),
]


@pytest.mark.parametrize(("status", "lease", "due", "sends"), CLAIM_CASES)
def test_which_deliveries_a_run_claims(db, one_subscriber, push_service, status, lease, due, sends):
    """A run sends pending due rows and rows whose lease ran out; nothing else."""
    user_id, found = one_subscriber
    (notification_id,) = _issue_many(db, user_id, found, 1)
    delivery = db.session.scalar(sa.select(Delivery))
    delivery.status = status
    delivery.lease_until = None if lease is None else NOW + timedelta(seconds=lease)
    delivery.not_before = NOW + timedelta(seconds=due)
    db.session.commit()

    report = deliver_due(now=NOW, channels=found)

    assert report.sent == (1 if sends else 0)
    assert _arrived(push_service) == (Counter({notification_id: 1}) if sends else Counter())
    db.session.expire_all()
    after = db.session.scalar(sa.select(Delivery))
    assert after.status == ("sent" if sends else status)
    assert after.attempts == (1 if sends else 0)
    if sends:
        assert after.lease_until is None


RELEASE_CASES = [
    # (status, lease_until relative to NOW) → status after release_stale(NOW)
    pytest.param("sending", -1, "pending", id="lease ran out: back to pending"),
    pytest.param("sending", None, "pending", id="no lease (before leases): back to pending"),
    pytest.param("sending", +60, "sending", id="lease running: left alone"),
    pytest.param("pending", None, "pending", id="pending: left alone"),
    pytest.param("unknown", None, "unknown", id="unknown: left alone"),
]


@pytest.mark.parametrize(("status", "lease", "expected"), RELEASE_CASES)
def test_housekeeping_returns_expired_claims_to_pending_never_failed(
    db, one_subscriber, status, lease, expected
):
    """Housekeeping never fails a delivery that was not attempted."""
    user_id, found = one_subscriber
    _issue_many(db, user_id, found, 1)
    delivery = db.session.scalar(sa.select(Delivery))
    delivery.status = status
    delivery.lease_until = None if lease is None else NOW + timedelta(seconds=lease)
    db.session.commit()

    release_stale(now=NOW)

    db.session.expire_all()
    after = db.session.scalar(sa.select(Delivery))
    assert (after.status, after.attempts, after.last_error) == (expected, 0, None)


def test_a_run_claims_a_small_batch(db, one_subscriber):
    """A claim takes at most BATCH rows: a crash strands no more than that."""
    user_id, found = one_subscriber
    _issue_many(db, user_id, found, deliver.BATCH + 5)
    claimed = deliver._claim(NOW, ["push"], deliver.BATCH, None, NOW + LEASE)
    db.session.commit()
    assert len(claimed) == deliver.BATCH
    assert _statuses(db) == Counter({"sending": deliver.BATCH, "pending": 5})


# -- a sender that dies after claiming ---------------------------------------------------------


def test_a_crashed_senders_batch_is_sent_after_its_lease_exactly_once(
    db, one_subscriber, push_service
):
    """Claim a batch, vanish without sending; after the lease every row arrives once."""
    user_id, found = one_subscriber
    notification_ids = _issue_many(db, user_id, found, deliver.BATCH + 5)

    # The sender claims its batch, commits, and dies: its session is gone, nothing sent.
    deliver._claim(NOW, ["push"], deliver.BATCH, None, NOW + LEASE)
    db.session.commit()
    db.session.remove()

    # While the lease runs, the next run leaves the claimed rows alone (they may be in flight).
    early = NOW + timedelta(minutes=1)
    assert deliver_due(now=early, channels=found).sent == 5
    release_stale(now=early)
    assert _statuses(db) == Counter({"sending": deliver.BATCH, "sent": 5})

    # After the lease, the next run sends every stranded row: each arrives once, none failed.
    later = NOW + LEASE + timedelta(seconds=1)
    assert deliver_due(now=later, channels=found).sent == deliver.BATCH
    assert _arrived(push_service) == Counter({n: 1 for n in notification_ids})
    assert _statuses(db) == Counter({"sent": deliver.BATCH + 5})
    assert push_service.errors() == []


def test_stopping_finishes_the_send_in_flight_and_releases_the_rest(
    db, app, one_subscriber, push_service, monkeypatch
):
    """SIGTERM's path: the send in flight is recorded, the unsent rest is pending again."""
    monkeypatch.setitem(app.config, "PUSH_WORKERS", 1)
    user_id, _found = one_subscriber
    found = channel_registry.configured_channels(app)
    try:
        notification_ids = _issue_many(db, user_id, found, 5)

        def stop() -> bool:  # asked for after the first push reached the service
            return push_service.count >= 1

        report = deliver_due(now=NOW, channels=found, stop=stop)
        assert report.sent == 1
        assert _statuses(db) == Counter({"sent": 1, "pending": 4})
        db.session.expire_all()
        pending = db.session.scalars(sa.select(Delivery).where(Delivery.status == "pending"))
        assert {(d.attempts, d.lease_until, d.last_error) for d in pending} == {(0, None, None)}

        # The next run (a restarted scheduler) sends the rest, no lease to wait for.
        assert deliver_due(now=NOW, channels=found).sent == 4
    finally:
        channel_registry.close_all(found)
    assert _arrived(push_service) == Counter({n: 1 for n in notification_ids})


# -- "not sent" or "maybe sent" ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_is_not_sent_and_retried(db, app, one_subscriber, push_service):
    """Connection refused: the push never left, so it is tried again later — and arrives."""
    user_id, found = one_subscriber
    (notification_id,) = _issue_many(db, user_id, found, 1)
    row = db.session.scalar(sa.select(PushSubscription))
    real_endpoint = row.endpoint
    row.endpoint = real_endpoint.replace(push_service.base_url, f"http://127.0.0.1:{_free_port()}")
    db.session.commit()

    assert deliver_due(now=NOW, channels=found).outcomes == Counter({"retry": 1})
    db.session.expire_all()
    delivery = db.session.scalar(sa.select(Delivery))
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error.startswith("network")

    row = db.session.scalar(sa.select(PushSubscription))
    row.endpoint = real_endpoint  # the service is back
    db.session.commit()
    assert deliver_due(now=NOW + timedelta(hours=1), channels=found).sent == 1
    assert _arrived(push_service) == Counter({notification_id: 1})


def test_an_unanswered_push_is_recorded_unknown_and_not_resent(
    db, app, one_subscriber, push_service, monkeypatch
):
    """The service accepted the message but answered after the read timeout: never resent."""
    monkeypatch.setitem(app.config, "PUSH_TIMEOUT", 0.3)
    user_id, _ = one_subscriber
    found = channel_registry.configured_channels(app)  # built with the short timeout
    try:
        (notification_id,) = _issue_many(db, user_id, found, 1)
        push_service.stall = 5.0
        assert deliver_due(now=NOW, channels=found).outcomes == Counter({"unknown": 1})
        push_service.unstall.set()
        db.session.expire_all()
        delivery = db.session.scalar(sa.select(Delivery))
        assert (delivery.status, delivery.attempts) == ("unknown", 1)
        assert "not sent again" in delivery.last_error

        # Later runs and housekeeping leave it alone: the browser got it once.
        assert deliver_due(now=NOW + timedelta(hours=2), channels=found).total == 0
        release_stale(now=NOW + timedelta(hours=2))
    finally:
        channel_registry.close_all(found)
    assert _statuses(db) == Counter({"unknown": 1})
    assert _arrived(push_service) == Counter({notification_id: 1})


def test_network_errors_are_told_apart_as_a_real_request_meets_them():
    """Refused and unresolvable hosts were never sent; a read timeout may have been."""
    refused = f"http://127.0.0.1:{_free_port()}/push"
    with pytest.raises(requests.RequestException) as caught:
        requests.post(refused, data=b"x", timeout=2)
    assert request_maybe_sent(caught.value) is False

    with pytest.raises(requests.RequestException) as caught:
        requests.post("http://push.example.invalid/x", data=b"x", timeout=2)
    assert request_maybe_sent(caught.value) is False

    with PushServer() as service:
        service.stall = 5.0
        info, _keys = service.subscribe()
        with pytest.raises(requests.RequestException) as caught:
            requests.post(info["endpoint"], data=b"x", timeout=0.3)
        assert isinstance(caught.value, requests.ReadTimeout)
        assert request_maybe_sent(caught.value) is True
        assert service.count == 1  # the request did arrive


# -- several batches under way at once -----------------------------------------------------


def test_a_crash_with_batches_claimed_ahead_loses_none_and_doubles_none(
    db, one_subscriber, push_service
):
    """A run holds claims for several batches ahead; if it dies, all arrive once later."""
    user_id, found = one_subscriber
    ahead = deliver.UNDER_WAY * deliver.BATCH
    notification_ids = _issue_many(db, user_id, found, ahead + 3)

    # The sender claimed every batch it keeps under way, then died before sending any.
    for _ in range(deliver.UNDER_WAY):
        deliver._claim(NOW, ["push"], deliver.BATCH, None, NOW + LEASE)
        db.session.commit()
    db.session.remove()
    assert _statuses(db) == Counter({"sending": ahead, "pending": 3})

    # While the lease runs only the unclaimed rows go out; after it, the stranded ones.
    assert deliver_due(now=NOW + timedelta(minutes=1), channels=found).sent == 3
    later = NOW + LEASE + timedelta(seconds=1)
    assert deliver_due(now=later, channels=found).sent == ahead
    assert _arrived(push_service) == Counter({n: 1 for n in notification_ids})
    assert _statuses(db) == Counter({"sent": ahead + 3})


def test_stopping_releases_the_batches_claimed_ahead_at_once(
    db, app, one_subscriber, push_service, monkeypatch
):
    """SIGTERM with several small batches claimed: the unsent ones are pending again."""
    monkeypatch.setitem(app.config, "PUSH_WORKERS", 1)
    user_id, _found = one_subscriber
    found = channel_registry.configured_channels(app)
    try:
        notification_ids = _issue_many(db, user_id, found, 9)

        def stop() -> bool:
            return push_service.count >= 1

        report = deliver_due(now=NOW, channels=found, batch=2, stop=stop)
        assert report.sent >= 1
        statuses = _statuses(db)
        assert statuses == Counter({"sent": report.sent, "pending": 9 - report.sent})
        db.session.expire_all()
        pending = db.session.scalars(sa.select(Delivery).where(Delivery.status == "pending"))
        assert {(d.attempts, d.lease_until, d.last_error) for d in pending} == {(0, None, None)}

        # No lease to wait for: the restarted scheduler sends the rest at once.
        assert deliver_due(now=NOW, channels=found).sent == 9 - report.sent
    finally:
        channel_registry.close_all(found)
    assert _arrived(push_service) == Counter({n: 1 for n in notification_ids})


def test_each_delivery_keeps_its_own_outcome_when_recorded_together(
    db, make_worker, push_config, push_service, subscribe, channels
):
    """Sent, retried, failed and gone in one run: every row records what happened to it."""
    answers = {"ok": 201, "busy": 503, "rejected": 400, "gone": 410}
    tokens = {}
    for name, status in answers.items():
        worker = make_worker()
        _row, token = subscribe(worker.user_id, push_service)
        push_service.answer(token, status)
        tokens[name] = worker.user_id
    db.session.commit()
    found = channels()
    for user_id in tokens.values():
        _issue_many(db, user_id, found, 1)

    report = deliver_due(now=NOW, channels=found)

    assert report.outcomes == Counter({"sent": 1, "retry": 1, "failed": 2})
    db.session.expire_all()
    rows = {
        user_id: (status, attempts, last_error, sent_at is not None, not_before > NOW)
        for user_id, status, attempts, last_error, sent_at, not_before in db.session.execute(
            sa.select(
                deliver.NOTIFICATIONS.c.user_id,
                Delivery.status,
                Delivery.attempts,
                Delivery.last_error,
                Delivery.sent_at,
                Delivery.not_before,
            ).join(deliver.NOTIFICATIONS, deliver.NOTIFICATIONS.c.id == Delivery.notification_id)
        )
    }
    assert rows == {
        tokens["ok"]: ("sent", 1, None, True, False),
        tokens["busy"]: ("pending", 1, "HTTP 503 Service Unavailable", False, True),
        tokens["rejected"]: ("failed", 1, "HTTP 400 Bad Request", False, False),
        tokens["gone"]: ("failed", 1, "subscription expired", False, False),
    }
    # The gone subscription is deleted; the others are kept.
    remaining = set(db.session.scalars(sa.select(PushSubscription.user_id)))
    assert remaining == {tokens["ok"], tokens["busy"], tokens["rejected"]}
