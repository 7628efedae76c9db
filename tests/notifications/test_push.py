"""Web push against a local push service that verifies VAPID and decrypts like a browser."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from notifications import issue as issuing
from notifications import push, push_sender, subscriptions
from notifications.deliver import deliver_due, retry_delay
from notifications.reminders import Reminder
from portal.models import Delivery, Notification, PushSubscription
from tests.notifications.helpers import SUBJECT, VAPID_PUBLIC, at
from tests.notifications.push_service import PushServer

NOW = at("2026-11-21 10:00")


def _issue(db, user_id, channels, *, kind="training_soon", urgency="high", now=NOW):
    reminder = Reminder(
        user_id=user_id,
        kind=kind,
        subject="training:7",
        period="2026-11-21T11:00",
        title="11:00 培训：社区治理",
        body="街道会议室。请在门口打开签到码。",
        url="/me/code",
        urgency=urgency,
    )
    report = issuing.issue([reminder], now=now, channels=channels)
    db.session.commit()
    return report.notification_ids[0]


def _delivery(db, notification_id) -> Delivery:
    db.session.expire_all()
    return db.session.scalar(sa.select(Delivery).where(Delivery.notification_id == notification_id))


def test_payload_arrives_intact_and_signed(
    db, make_worker, push_config, push_service, subscribe, channels
):
    """The browser decrypts the JSON payload; the VAPID JWT verifies for the endpoint's origin."""
    worker = make_worker()
    sub, token = subscribe(worker.user_id, push_service)
    sub_id = sub.id
    found = channels()
    notification_id = _issue(db, worker.user_id, found)

    report = deliver_due(now=NOW, channels=found)

    assert report.sent == 1
    assert push_service.errors() == []
    (message,) = push_service.delivered(token)
    icon = message.payload.pop("icon")
    assert re.fullmatch(r"/static/icons/icon-192\.[0-9a-f]{12}\.png", icon)  # hashed, cached a year
    assert message.payload == {
        "id": notification_id,
        "kind": "training_soon",
        "title": "11:00 培训：社区治理",
        "body": "街道会议室。请在门口打开签到码。",
        "url": f"/inbox/{notification_id}/open",
        "tag": f"n{notification_id}",
    }
    assert message.claims["aud"] == push_service.base_url
    assert message.claims["sub"] == SUBJECT
    assert message.vapid_key == VAPID_PUBLIC
    assert message.headers["urgency"] == "high"
    assert message.headers["ttl"] == "3600"  # the one-hour reminder is useless later
    delivery = _delivery(db, notification_id)
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("sent", 1, NOW)
    assert db.session.get(PushSubscription, sub_id).last_success_at is not None


def test_urgency_and_ttl_follow_the_kind(
    db, make_worker, app, push_config, push_service, subscribe, channels, monkeypatch
):
    """A low-urgency reminder goes with Urgency: low and the configured TTL."""
    monkeypatch.setitem(app.config, "PUSH_TTL", 7200)
    worker = make_worker()
    _sub, token = subscribe(worker.user_id, push_service)
    found = channels()
    _issue(db, worker.user_id, found, kind="training_pace", urgency="low")
    deliver_due(now=NOW, channels=found)
    (message,) = push_service.delivered(token)
    assert (message.headers["urgency"], message.headers["ttl"]) == ("low", "7200")


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_is_deleted(
    db, make_worker, push_config, push_service, subscribe, channels, status
):
    """404/410 from the push service: the browser dropped it, so the server forgets it."""
    worker = make_worker()
    sub, token = subscribe(worker.user_id, push_service)
    sub_id = sub.id
    push_service.answer(token, status)
    found = channels()
    notification_id = _issue(db, worker.user_id, found)

    deliver_due(now=NOW, channels=found)

    db.session.expire_all()
    assert db.session.get(PushSubscription, sub_id) is None
    delivery = _delivery(db, notification_id)
    assert (delivery.status, delivery.last_error) == ("failed", "subscription expired")
    assert db.session.get(Notification, notification_id) is not None  # the inbox keeps it


def test_503_is_retried_with_backoff_and_then_sent(
    db, make_worker, push_config, push_service, subscribe, channels
):
    """A 503 leaves the delivery pending with backoff recorded; the retry then succeeds."""
    worker = make_worker()
    _sub, token = subscribe(worker.user_id, push_service)
    push_service.answer(token, 503)
    found = channels()
    notification_id = _issue(db, worker.user_id, found)

    deliver_due(now=NOW, channels=found)
    delivery = _delivery(db, notification_id)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.not_before == NOW + timedelta(seconds=60)
    assert "503" in delivery.last_error

    deliver_due(now=NOW + timedelta(seconds=59), channels=found)
    assert _delivery(db, notification_id).attempts == 1  # not before its time

    deliver_due(now=NOW + timedelta(seconds=60), channels=found)
    delivery = _delivery(db, notification_id)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, None)
    assert [r.status for r in push_service.received] == [503, 201]
    assert len(push_service.delivered(token)) == 1


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [("120", 120), ("999999", 3600), ("0", 1)],
    ids=["respected", "bounded above", "at least a second"],
)
def test_429_waits_for_retry_after_within_bounds(
    db, make_worker, push_config, push_service, subscribe, channels, retry_after, wait
):
    """429 with Retry-After: the next attempt waits as asked, but never over an hour."""
    worker = make_worker()
    _sub, token = subscribe(worker.user_id, push_service)
    push_service.answer(token, (429, {"Retry-After": retry_after}))
    found = channels()
    notification_id = _issue(db, worker.user_id, found)

    deliver_due(now=NOW, channels=found)
    delivery = _delivery(db, notification_id)
    assert delivery.status == "pending"
    assert delivery.not_before == NOW + timedelta(seconds=wait)

    deliver_due(now=NOW + timedelta(seconds=wait), channels=found)
    assert _delivery(db, notification_id).status == "sent"


def test_retries_give_up_after_the_maximum_attempts(
    db, make_worker, app, push_config, push_service, subscribe, channels, monkeypatch
):
    """A push service that keeps failing: after NOTIFY_MAX_ATTEMPTS the delivery fails."""
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 3)
    worker = make_worker()
    _sub, token = subscribe(worker.user_id, push_service)
    push_service.answer(token, 500, 500, 500, 500)
    found = channels()
    notification_id = _issue(db, worker.user_id, found)
    moment = NOW
    for _attempt in range(3):
        deliver_due(now=moment, channels=found)
        moment += timedelta(hours=2)
    delivery = _delivery(db, notification_id)
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_error.startswith("gave up after 3 attempts")
    deliver_due(now=moment, channels=found)
    assert len(push_service.received) == 3


def test_one_browser_accepting_is_enough(
    db, make_worker, push_config, push_service, subscribe, channels
):
    """With two browsers, one gone and one fine: sent once, the gone one removed, no retry."""
    worker = make_worker()
    gone, gone_token = subscribe(worker.user_id, push_service)
    gone_id = gone.id
    _fine, fine_token = subscribe(worker.user_id, push_service)
    push_service.answer(gone_token, 410)
    found = channels()
    notification_id = _issue(db, worker.user_id, found)
    deliver_due(now=NOW, channels=found)
    assert _delivery(db, notification_id).status == "sent"
    assert db.session.get(PushSubscription, gone_id) is None
    assert len(push_service.delivered(fine_token)) == 1


def test_every_push_service_gets_its_own_audience(
    db, make_worker, push_config, push_service, subscribe, channels
):
    """Claims are fresh per call: each endpoint's JWT names its own origin, never another's."""
    worker = make_worker()
    with PushServer() as other_service:
        _a, token_a = subscribe(worker.user_id, push_service)
        _b, token_b = subscribe(worker.user_id, other_service)
        found = channels()
        _issue(db, worker.user_id, found)
        deliver_due(now=NOW, channels=found)
        (a,) = push_service.delivered(token_a)
        (b,) = other_service.delivered(token_b)
        assert a.claims["aud"] == push_service.base_url
        assert b.claims["aud"] == other_service.base_url
        assert push_service.errors() == other_service.errors() == []


def test_endpoints_outside_the_allowed_push_services_are_never_called(
    db, make_worker, app, push_config, push_service, subscribe, channels, monkeypatch
):
    """An endpoint not on PUSH_ENDPOINT_HOSTS is refused without any request."""
    worker = make_worker()
    subscribe(worker.user_id, push_service)
    monkeypatch.setitem(app.config, "PUSH_ENDPOINT_HOSTS", "fcm.googleapis.com")
    found = channels()
    notification_id = _issue(db, worker.user_id, found)
    deliver_due(now=NOW, channels=found)
    assert push_service.received == []
    assert _delivery(db, notification_id).status == "failed"


def test_network_errors_are_retried(db, make_worker, push_config, channels):
    """A push service that does not answer (connection refused) is tried again later."""
    worker = make_worker()
    with PushServer() as service:
        info, _keys = service.subscribe()
    db.session.add(
        PushSubscription(
            user_id=worker.user_id,
            endpoint=info["endpoint"],
            p256dh=info["keys"]["p256dh"],
            auth=info["keys"]["auth"],
        )
    )
    db.session.flush()
    found = channels()
    notification_id = _issue(db, worker.user_id, found)
    deliver_due(now=NOW, channels=found)
    delivery = _delivery(db, notification_id)
    assert delivery.status == "pending" and delivery.last_error.startswith("network")


def test_backoff_doubles_up_to_the_cap():
    """60 s, 120 s, 240 s … never more than the cap; Retry-After wins when given."""
    delays = [retry_delay(n, None, base=60, cap=3600) for n in range(1, 9)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry_delay(3, 30, base=60, cap=3600) == 30


def test_retry_after_as_an_http_date():
    """Retry-After may be a date: the wait is the time until then."""
    moment = at("2026-11-21 10:00")
    assert push_sender.parse_retry_after("Sat, 21 Nov 2026 02:02:00 GMT", now=moment) == 120
    assert push_sender.parse_retry_after("soon", now=moment) is None


def _info(service_url="https://fcm.googleapis.com/fcm/send/abc", **keys):
    from tests.notifications.push_service import BrowserKeys

    browser = BrowserKeys.generate()
    values = {"p256dh": browser.p256dh, "auth": browser.auth, **keys}
    return {"endpoint": service_url, "keys": values}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "not_object"),
        ({"keys": {}}, "endpoint_missing"),
        ({"endpoint": "https://fcm.googleapis.com/x"}, "keys_missing"),
        (_info("http://fcm.googleapis.com/x"), "endpoint_not_https"),
        (_info("https://10.0.0.5/internal"), "service_not_allowed"),
        (_info("https://evil.example/fcm.googleapis.com"), "service_not_allowed"),
        (_info(p256dh="AAAA"), "bad_p256dh"),
        (_info(p256dh="not base64!"), "bad_p256dh"),
        (_info(auth="c2hvcnQ"), "bad_auth"),
        (_info(auth=None), "bad_auth"),
        (_info("https://fcm.googleapis.com/" + "x" * 1000), "endpoint_too_long"),
    ],
)
def test_subscription_validation(data, problem):
    """Only a well-formed subscription at a known push service is accepted."""
    with pytest.raises(subscriptions.SubscriptionError) as error:
        subscriptions.parse_subscription(data, subscriptions.DEFAULT_ENDPOINT_HOSTS)
    assert str(error.value) == problem


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://web.push.apple.com/QGx",
        "https://wns2-sg2p.notify.windows.com/w/?token=abc",
    ],
)
def test_real_push_services_are_allowed(endpoint):
    """The browsers' push services pass the default allow-list."""
    assert (
        subscriptions.parse_subscription(
            _info(endpoint), subscriptions.DEFAULT_ENDPOINT_HOSTS
        ).endpoint
        == endpoint
    )


def test_payload_is_compact_json():
    """The payload is UTF-8 JSON, small enough for every push service (4 KB)."""
    from notifications.channels import Outgoing

    item = Outgoing(1, "push", 0, 5, 9, "test", "标题", "正文" * 200, "/x", "normal")
    data = push.payload_of(item)
    assert len(data) < 4096 and json.loads(data)["body"] == "正文" * 200
