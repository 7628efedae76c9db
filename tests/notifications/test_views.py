"""The inbox pages, the bell, settings and the push endpoints, as a worker sees them."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from notifications import issue as issuing
from portal.enums import Role
from portal.models import Notification, NotificationSettings, PushSubscription
from tests.helpers import csrf_token, login
from tests.notifications.helpers import VAPID_PUBLIC, at
from tests.notifications.push_service import BrowserKeys

HX = {"HX-Request": "true"}


def _notify(user_id: int, title: str = "证书截止还有90天", url: str | None = "/") -> int:
    return issuing.notify(
        user_id, kind="system", title=title, body="正文", url=url, now=at("2026-11-21 10:00")
    )


def _signed_in(client, make_worker):
    worker = make_worker()
    login(client, worker.user.phone)
    return worker


def _bell_count(html: str) -> int:
    match = re.search(r'class="bell-count" data-unread="(\d+)"', html)
    return int(match.group(1)) if match else 0


# -- the inbox and the bell -------------------------------------------------------------


def test_inbox_lists_own_notifications_newest_first(client, db, make_worker):
    """The worker sees their notifications, newest first; another user's are not there."""
    worker = _signed_in(client, make_worker)
    other = make_worker()
    _notify(worker.user_id, "第一条提醒")
    _notify(worker.user_id, "第二条提醒")
    _notify(other.user_id, "别人的提醒")
    page = client.get("/inbox").get_data(as_text=True)
    assert page.index("第二条提醒") < page.index("第一条提醒")
    assert "别人的提醒" not in page
    assert "全部标为已读" in page


def test_empty_inbox_says_what_will_appear(client, make_worker):
    """With no notifications the page explains what the inbox is for."""
    _signed_in(client, make_worker)
    assert "暂无消息" in client.get("/inbox").get_data(as_text=True)


def test_bell_shows_the_unread_count_on_every_page(client, db, make_worker):
    """The header bell carries the unread count and polls for changes."""
    worker = _signed_in(client, make_worker)
    for _ in range(3):
        _notify(worker.user_id)
    page = client.get("/").get_data(as_text=True)
    assert _bell_count(page) == 3
    assert 'hx-trigger="every 60s, inbox-changed from:body"' in page
    assert "消息：3条未读" in page


def test_bell_fragment_for_htmx(client, db, make_worker):
    """/inbox/bell answers htmx with the bell alone, counting unread notifications."""
    worker = _signed_in(client, make_worker)
    _notify(worker.user_id)
    response = client.get("/inbox/bell", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="bell"' in html
    assert _bell_count(html) == 1
    assert "HX-Request" in response.headers["Vary"]


def test_bell_stops_polling_when_signed_out(client):
    """A bell left open after signing out gets htmx's stop-polling status, and no page."""
    response = client.get("/inbox/bell", headers=HX)
    assert response.status_code == 286 and response.get_data() == b""


def test_mark_read_updates_item_and_tells_the_bell(client, db, make_worker):
    """Marking read with htmx returns the item, read, and triggers the bell's refresh."""
    worker = _signed_in(client, make_worker)
    notification_id = _notify(worker.user_id)
    token = csrf_token(client, "/inbox")
    response = client.post(f"/inbox/{notification_id}/read", data={"csrf_token": token}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "inbox-changed"
    assert f'id="n-{notification_id}"' in html and "unread" not in html
    assert db.session.get(Notification, notification_id).read_at is not None
    assert _bell_count(client.get("/inbox/bell", headers=HX).get_data(as_text=True)) == 0


def test_mark_all_read(client, db, make_worker):
    """ "Mark all read" clears the count."""
    worker = _signed_in(client, make_worker)
    ids = [_notify(worker.user_id) for _ in range(2)]
    response = client.post("/inbox/read-all", data={"csrf_token": csrf_token(client, "/inbox")})
    assert response.status_code == 302
    db.session.expire_all()
    assert all(db.session.get(Notification, i).read_at for i in ids)


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, db, make_worker):
    """A tap (on the list or on a push) marks it read and goes where it points."""
    worker = _signed_in(client, make_worker)
    notification_id = _notify(worker.user_id, url=f"/workers/{worker.user_id}/certificates")
    response = client.get(f"/inbox/{notification_id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/workers/{worker.user_id}/certificates"
    assert db.session.get(Notification, notification_id).read_at is not None


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", None])
def test_open_never_leaves_the_site(client, db, make_worker, url):
    """A notification's link is followed only when it is a path on this site."""
    worker = _signed_in(client, make_worker)
    notification_id = _notify(worker.user_id, url=url)
    assert client.get(f"/inbox/{notification_id}/open").headers["Location"] == "/inbox"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/inbox/{id}/open"), ("post", "/inbox/{id}/read")],
)
def test_another_users_notification_is_not_found(client, db, make_worker, method, path):
    """Someone else's notification answers 404 and stays unread."""
    _signed_in(client, make_worker)
    other = make_worker()
    notification_id = _notify(other.user_id)
    data = {"csrf_token": csrf_token(client, "/inbox")} if method == "post" else None
    response = getattr(client, method)(path.format(id=notification_id), data=data)
    assert response.status_code == 404
    assert db.session.get(Notification, notification_id).read_at is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/inbox"),
        ("get", "/settings/notifications"),
        ("post", "/settings/notifications/test"),
        ("post", "/inbox/read-all"),
        ("get", "/push/config"),
        ("post", "/push/subscribe"),
        ("post", "/push/unsubscribe"),
    ],
)
def test_signed_out_visitors_are_sent_to_log_in(app, method, path):
    """Every inbox page requires logging in."""
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = getattr(app.test_client(), method)(path)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- settings -----------------------------------------------------------------------------


def _settings_form(client) -> dict:
    page = client.get("/settings/notifications").get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="(kind_[a-z_]+)"', tag)
        if name and re.search(r"\bchecked\b", tag):
            data[name.group(1)] = "y"
    data["quiet_start"] = re.search(r'name="quiet_start"[^>]*value="([^"]*)"', page).group(1)
    data["quiet_end"] = re.search(r'name="quiet_end"[^>]*value="([^"]*)"', page).group(1)
    return data


def test_settings_show_a_switch_per_kind_for_a_worker(client, make_worker):
    """A worker sees a switch for each reminder that concerns workers, all on at first."""
    _signed_in(client, make_worker)
    page = client.get("/settings/notifications").get_data(as_text=True)
    for label in (
        "明天的培训",
        "培训开始前一小时",
        "证书取得期限",
        "培训学时进度落后",
        "年度考核结果公布",
    ):
        assert label in page
    assert "传帮带" not in page  # no mentoring reminder kinds
    form = _settings_form(client)
    assert (form["quiet_start"], form["quiet_end"]) == ("21:00", "08:00")
    assert "kind_certificate_deadline" in form


def test_switching_a_kind_off_stops_its_reminders(client, db, make_worker):
    """A kind switched off on the settings page is no longer issued to this user."""
    worker = _signed_in(client, make_worker)
    form = _settings_form(client)
    del form["kind_certificate_deadline"]
    form.update(quiet_start="22:00", quiet_end="07:30")
    response = client.post("/settings/notifications", data=form, follow_redirects=True)
    assert "通知设置已保存" in response.get_data(as_text=True)
    saved = db.session.get(NotificationSettings, worker.user_id)
    assert saved.disabled_kinds == ["certificate_deadline"]
    assert (saved.quiet_start, saved.quiet_end) == ("22:00", "07:30")

    reminder = issuing.Reminder(
        user_id=worker.user_id,
        kind="certificate_deadline",
        subject="certificate:2027-01-01",
        period="d-30",
        title="证书",
        body="",
    )
    report = issuing.issue([reminder], now=at("2026-12-02 09:00"))
    assert report.switched_off == 1 and report.issued == 0


def test_bad_quiet_hours_are_refused_and_nothing_is_saved(client, db, make_worker):
    """A time that is not HH:MM is refused with a message; the settings stay as they were."""
    worker = _signed_in(client, make_worker)
    form = _settings_form(client)
    form["quiet_start"] = "25:00"
    response = client.post("/settings/notifications", data=form)
    assert response.status_code == 422
    assert "请输入时间" in response.get_data(as_text=True)
    assert db.session.get(NotificationSettings, worker.user_id) is None


def test_wecom_account_field_only_when_wecom_is_configured(client, db, make_worker, wecom_service):
    """With WeCom configured, the user can enter their WeCom account; a bad one is refused."""
    worker = _signed_in(client, make_worker)
    form = _settings_form(client)
    assert "企业微信账号" in client.get("/settings/notifications").get_data(as_text=True)
    bad = client.post("/settings/notifications", data={**form, "wecom_userid": "李 晓雯"})
    assert bad.status_code == 422
    client.post("/settings/notifications", data={**form, "wecom_userid": "lixiaowen"})
    assert db.session.get(NotificationSettings, worker.user_id).wecom_userid == "lixiaowen"


def test_no_wecom_field_without_wecom(client, make_worker):
    """Without WeCom configured, the settings page does not ask for a WeCom account."""
    _signed_in(client, make_worker)
    assert "企业微信账号" not in client.get("/settings/notifications").get_data(as_text=True)


def test_settings_of_a_role_without_worker_reminders(client, make_user):
    """A street admin (no worker profile) sees no worker reminder switches."""
    admin = make_user(Role.STREET_ADMIN)
    login(client, admin.phone)
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "通知设置" in page and "证书取得期限" not in page


@pytest.mark.parametrize("role", [Role.MENTOR, Role.TALK_LEADER])
def test_settings_of_a_mentor_offer_no_switch_that_never_fires(client, make_user, role):
    """A mentor or talk leader is offered no mentoring reminder switch: none would ever fire."""
    login(client, make_user(role).phone)
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "通知设置" in page
    assert "（每月25日起）" not in page  # the mentoring kinds' "from the 25th"
    assert 'name="kind_' not in page  # no reminder kind concerns these roles alone


def test_send_me_a_test_arrives_by_push(
    client, db, make_worker, push_config, push_service, subscribe
):
    """The test button puts a message in the inbox and pushes it to the phone at once."""
    worker = _signed_in(client, make_worker)
    _sub, token = subscribe(worker.user_id, push_service)
    response = client.post(
        "/settings/notifications/test",
        data={"csrf_token": csrf_token(client, "/settings/notifications")},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "测试消息已放入您的消息中心" in page and "浏览器推送: 已发送" in page
    (message,) = push_service.delivered(token)
    assert message.payload["title"] == "测试通知"
    assert _bell_count(page) == 1


def test_send_me_a_test_without_any_phone(client, make_worker):
    """Without push or WeCom the test message still reaches the inbox, and the page says so."""
    _signed_in(client, make_worker)
    response = client.post(
        "/settings/notifications/test",
        data={"csrf_token": csrf_token(client, "/settings/notifications")},
        follow_redirects=True,
    )
    assert "还没有设置推送或企业微信的手机" in response.get_data(as_text=True)


def test_settings_page_gives_the_browser_the_vapid_key(client, make_worker, push_config):
    """The push panel carries the public key and the endpoints in data attributes (no inline JS)."""
    _signed_in(client, make_worker)
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert f'data-vapid-key="{VAPID_PUBLIC}"' in page
    assert 'data-subscribe-url="/push/subscribe"' in page
    assert "<script>" not in page and "onclick" not in page


# -- push subscriptions ---------------------------------------------------------------------


def _subscription(service_url="http://127.0.0.1:9/push/abc") -> dict:
    keys = BrowserKeys.generate()
    return {"endpoint": service_url, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}


def _post_json(client, path, body, *, token=True, raw=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["X-CSRFToken"] = csrf_token(client, "/settings/notifications")
    return client.post(path, data=raw if raw is not None else json.dumps(body), headers=headers)


def _subscriptions(db, user_id):
    return db.session.scalars(
        sa.select(PushSubscription).where(PushSubscription.user_id == user_id)
    ).all()


def test_subscribe_stores_the_browser(client, db, make_worker, push_config):
    """A valid subscription with the CSRF header is stored for the signed-in user."""
    worker = _signed_in(client, make_worker)
    body = _subscription()
    response = _post_json(client, "/push/subscribe", body)
    assert response.status_code == 201 and response.json == {"ok": True}
    (row,) = _subscriptions(db, worker.user_id)
    assert (row.endpoint, row.p256dh, row.auth) == (
        body["endpoint"],
        body["keys"]["p256dh"],
        body["keys"]["auth"],
    )
    again = _post_json(client, "/push/subscribe", body)  # sent again on every visit
    assert again.status_code == 201 and len(_subscriptions(db, worker.user_id)) == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "请求内容不是有效的 JSON"),
        ("[]", "订阅信息必须是 JSON 对象"),
        ('{"endpoint": "http://127.0.0.1:9/push/x"}', "订阅信息缺少密钥"),
        ('{"keys": {}}', "订阅信息缺少推送地址"),
        (
            json.dumps({**_subscription(), "keys": {"p256dh": "AAAA", "auth": "AAAA"}}),
            "p256dh 密钥无效",
        ),
        (json.dumps(_subscription("https://10.1.2.3/internal")), "不支持此浏览器的推送服务"),
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_saved(
    client, db, make_worker, push_config, raw, message
):
    """Malformed subscriptions get 400 with a message in Chinese; nothing is stored."""
    worker = _signed_in(client, make_worker)
    response = _post_json(client, "/push/subscribe", None, raw=raw)
    assert response.status_code == 400
    assert response.json["ok"] is False and message in response.json["error"]
    assert _subscriptions(db, worker.user_id) == []


def test_subscribe_without_the_csrf_header_is_refused(client, db, make_worker, push_config):
    """The JSON endpoints need the CSRF token like any form."""
    worker = _signed_in(client, make_worker)
    response = _post_json(client, "/push/subscribe", _subscription(), token=False)
    assert response.status_code == 400
    assert _subscriptions(db, worker.user_id) == []


def test_subscribe_when_push_is_not_set_up(client, db, make_worker):
    """Without VAPID keys the server says push is not available and stores nothing."""
    worker = _signed_in(client, make_worker)
    response = _post_json(client, "/push/subscribe", _subscription())
    assert response.status_code == 503 and "尚未开通推送" in response.json["error"]
    assert _subscriptions(db, worker.user_id) == []


def test_a_phone_changing_hands_moves_its_subscription(app, db, make_worker, push_config):
    """The same browser signed in as another user now pushes to that user only."""
    first, second = make_worker(), make_worker()
    body = _subscription()
    for worker in (first, second):
        client = app.test_client()
        login(client, worker.user.phone)
        assert _post_json(client, "/push/subscribe", body).status_code == 201
    assert _subscriptions(db, first.user_id) == []
    assert len(_subscriptions(db, second.user_id)) == 1


def test_unsubscribe_removes_only_ones_own(client, db, make_worker, push_config):
    """Unsubscribing forgets the user's own subscription; someone else's endpoint is untouched."""
    worker = _signed_in(client, make_worker)
    other = make_worker()
    mine, theirs = _subscription("http://127.0.0.1:9/push/mine"), _subscription()
    _post_json(client, "/push/subscribe", mine)
    db.session.add(
        PushSubscription(
            user_id=other.user_id,
            endpoint=theirs["endpoint"],
            p256dh=theirs["keys"]["p256dh"],
            auth=theirs["keys"]["auth"],
        )
    )
    db.session.flush()
    assert _post_json(client, "/push/unsubscribe", {"endpoint": theirs["endpoint"]}).json == {
        "ok": True,
        "removed": 0,
    }
    assert (
        _post_json(client, "/push/unsubscribe", {"endpoint": mine["endpoint"]}).json["removed"] == 1
    )
    assert _subscriptions(db, worker.user_id) == []
    assert len(_subscriptions(db, other.user_id)) == 1
    missing = _post_json(client, "/push/unsubscribe", {})
    assert missing.status_code == 400 and "缺少推送地址" in missing.json["error"]


def test_push_config_for_the_service_worker(client, make_worker, push_config):
    """The service worker can fetch the public key and a CSRF token to renew a subscription."""
    _signed_in(client, make_worker)
    response = client.get("/push/config")
    assert response.json["publicKey"] == VAPID_PUBLIC and response.json["csrfToken"]
    assert response.headers["Cache-Control"] == "private, no-store"
