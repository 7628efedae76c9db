"""The WeCom (企业微信) channel against a local server speaking gettoken + message/send."""

from __future__ import annotations

import sqlalchemy as sa

from notifications import issue as issuing
from notifications import wecom
from notifications.deliver import deliver_due
from notifications.reminders import Reminder
from portal.models import Delivery, NotificationSettings
from tests.notifications.helpers import at

NOW = at("2026-11-21 10:00")


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client(service, clock=None) -> wecom.WeComClient:
    return wecom.WeComClient(
        corp_id=service.corp_id,
        agent_id=service.agent_id,
        secret=service.secret,
        base_url=service.base_url,
        timeout=5,
        clock=clock or Clock(),
    )


def test_token_is_fetched_once_for_several_sends(wecom_service):
    """One gettoken serves every message until the token nears expiry."""
    client = _client(wecom_service)
    try:
        for text in ("一", "二", "三"):
            client.send_text("lixiaowen", text)
    finally:
        client.close()
    assert wecom_service.token_requests == 1
    assert [m["text"]["content"] for m in wecom_service.messages] == ["一", "二", "三"]


def test_token_is_renewed_when_it_expires(wecom_service):
    """After expires_in (less a safety margin) a new token is fetched before sending."""
    clock = Clock()
    client = _client(wecom_service, clock)
    try:
        client.send_text("lixiaowen", "早")
        clock.now += 7200 - 300 - 1
        client.send_text("lixiaowen", "午")
        assert wecom_service.token_requests == 1
        clock.now += 2
        client.send_text("lixiaowen", "晚")
    finally:
        client.close()
    assert wecom_service.token_requests == 2
    assert len(wecom_service.messages) == 3


def test_token_rejected_by_wecom_is_refreshed_once(wecom_service):
    """errcode 42001 (token expired early): a new token is fetched and the message resent."""
    client = _client(wecom_service)
    try:
        client.send_text("lixiaowen", "第一条")
        wecom_service.expire_tokens()
        client.send_text("lixiaowen", "第二条")
    finally:
        client.close()
    assert wecom_service.token_requests == 2
    assert [m["text"]["content"] for m in wecom_service.messages] == ["第一条", "第二条"]


def _issue(db, user_id, channels):
    reminder = Reminder(
        user_id=user_id,
        kind="certificate_deadline",
        subject="certificate:2027-02-19",
        period="d-90",
        title="证书截止还有90天",
        body="请在2027年2月19日前取得社会工作者职业资格证书。",
        url=f"/workers/{user_id}/certificates",
    )
    report = issuing.issue([reminder], now=NOW, channels=channels)
    db.session.commit()
    return report.notification_ids[0]


def _with_wecom_id(db, make_worker, wecom_userid="lixiaowen"):
    worker = make_worker()
    db.session.add(NotificationSettings(user_id=worker.user_id, wecom_userid=wecom_userid))
    db.session.flush()
    return worker


def _status(db, notification_id):
    db.session.expire_all()
    return db.session.scalar(sa.select(Delivery).where(Delivery.notification_id == notification_id))


def test_reminder_arrives_as_a_wecom_text_message(
    db, app, make_worker, wecom_service, channels, monkeypatch
):
    """The message goes to the user's WeCom id, from our agent, with title, body and link."""
    monkeypatch.setitem(app.config, "PORTAL_PUBLIC_URL", "https://portal.example.gov.cn")
    worker = _with_wecom_id(db, make_worker)
    found = channels()
    notification_id = _issue(db, worker.user_id, found)

    report = deliver_due(now=NOW, channels=found)

    assert report.sent == 1
    (message,) = wecom_service.messages
    assert message["touser"] == "lixiaowen"
    assert message["agentid"] == wecom_service.agent_id
    assert message["msgtype"] == "text"
    assert message["text"]["content"] == (
        "证书截止还有90天\n请在2027年2月19日前取得社会工作者职业资格证书。\n"
        f"https://portal.example.gov.cn/workers/{worker.user_id}/certificates"
    )
    assert _status(db, notification_id).status == "sent"


def test_several_deliveries_share_one_token(db, make_worker, wecom_service, channels):
    """A run delivering to three users asks for one token."""
    users = [_with_wecom_id(db, make_worker) for _ in range(3)]
    found = channels()
    for worker in users:
        _issue(db, worker.user_id, found)
    assert deliver_due(now=NOW, channels=found).sent == 3
    assert wecom_service.token_requests == 1


def test_unknown_wecom_user_fails_without_retry(db, make_worker, wecom_service, channels):
    """A WeCom id the corp does not know is a permanent failure, with the reason recorded."""
    worker = _with_wecom_id(db, make_worker, "nobody-here")
    found = channels()
    notification_id = _issue(db, worker.user_id, found)
    deliver_due(now=NOW, channels=found)
    delivery = _status(db, notification_id)
    assert delivery.status == "failed" and "81013" in delivery.last_error


def test_busy_wecom_is_retried(db, make_worker, wecom_service, channels):
    """errcode -1 (system busy) is temporary: the delivery stays pending with backoff."""
    worker = _with_wecom_id(db, make_worker)
    wecom_service.script.append(-1)
    found = channels()
    notification_id = _issue(db, worker.user_id, found)
    deliver_due(now=NOW, channels=found)
    delivery = _status(db, notification_id)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "-1" in delivery.last_error


def test_unanswered_wecom_message_is_unknown_and_not_resent(
    db, app, make_worker, wecom_service, channels, monkeypatch
):
    """WeCom took the message but answered after the read timeout: it is never sent twice."""
    monkeypatch.setitem(app.config, "WECOM_TIMEOUT", 0.3)
    worker = _with_wecom_id(db, make_worker)
    found = channels()
    notification_id = _issue(db, worker.user_id, found)
    wecom_service.stall = 5.0
    assert deliver_due(now=NOW, channels=found).outcomes == {"unknown": 1}
    wecom_service.unstall.set()
    delivery = _status(db, notification_id)
    assert (delivery.status, delivery.attempts) == ("unknown", 1)
    assert deliver_due(now=NOW.replace(hour=12), channels=found).total == 0
    assert len(wecom_service.messages) == 1


def test_wecom_refusing_connections_is_retried(db, app, make_worker, channels, monkeypatch):
    """Nothing listening at WeCom's address: not sent, so tried again later."""
    monkeypatch.setitem(app.config, "WECOM_CORP_ID", "ww-test-corp")
    monkeypatch.setitem(app.config, "WECOM_AGENT_ID", "1000002")
    monkeypatch.setitem(app.config, "WECOM_SECRET", "s" * 20)
    monkeypatch.setitem(app.config, "WECOM_BASE_URL", "http://127.0.0.1:9")  # discard: closed
    wecom.clear_token_cache()
    worker = _with_wecom_id(db, make_worker)
    found = channels()
    notification_id = _issue(db, worker.user_id, found)
    assert deliver_due(now=NOW, channels=found).outcomes == {"retry": 1}
    delivery = _status(db, notification_id)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error.startswith("network")


def test_wrong_secret_is_reported(db, app, make_worker, wecom_service, channels, monkeypatch):
    """A wrong secret fails the delivery with WeCom's errcode, for the admin to see."""
    monkeypatch.setitem(app.config, "WECOM_SECRET", "wrong")
    worker = _with_wecom_id(db, make_worker)
    found = channels()
    notification_id = _issue(db, worker.user_id, found)
    deliver_due(now=NOW, channels=found)
    delivery = _status(db, notification_id)
    assert delivery.status == "failed" and "40001" in delivery.last_error


def test_wecom_is_off_unless_fully_configured(app, monkeypatch, channels):
    """Without corp id, agent id and secret there is no WeCom channel at all."""
    monkeypatch.setitem(app.config, "WECOM_CORP_ID", "ww-corp")
    monkeypatch.setitem(app.config, "WECOM_AGENT_ID", 1000002)
    monkeypatch.delitem(app.config, "WECOM_SECRET", raising=False)
    assert "wecom" not in channels()


def test_long_messages_are_cut_to_wecom_limit():
    """Texts over 2048 bytes are cut on a character boundary."""
    text = "长" * 1000  # 3000 bytes
    cut = wecom.truncate_utf8(text, 2048)
    assert len(cut.encode()) <= 2048 and cut.endswith("…")
