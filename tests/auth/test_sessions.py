"""Sessions that end: every way of ending a sign-in kills both its cookies on the server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.sessions import REMEMBER_COOKIE
from portal.enums import Role
from portal.models import AuditEntry, LoginSession
from portal.timeutil import utcnow
from tests.helpers import PASSWORD, csrf_token, login

WECHAT_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 "
    "MicroMessenger/8.0.35.2360(0x2800235B) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def _phone(app, user_agent: str = SAFARI_IPHONE):
    """A fresh browser with its own User-Agent."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def _sign_in(app, user, *, remember: bool = True, user_agent: str = SAFARI_IPHONE):
    """Log in on a new phone; return it with copies of its session and remember cookies."""
    client = _phone(app, user_agent)
    extra = {"remember": "y"} if remember else {}
    assert login(client, user.phone, **extra).status_code == 302
    session = client.get_cookie("session").value
    kept = client.get_cookie(REMEMBER_COOKIE)
    return client, session, kept.value if kept else None


def _home_with(app, **cookies) -> int:
    """Open the home page from a new browser holding only the given (copied) cookies."""
    thief = _phone(app)
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief.get("/").status_code


def _device_of(db, worker) -> LoginSession:
    return db.session.scalar(sa.select(LoginSession).where(LoginSession.user_id == worker.user_id))


def _post(client, path: str, data: dict | None = None):
    return client.post(path, data={"csrf_token": csrf_token(client, "/password"), **(data or {})})


def _logout(app, db, worker, victim):
    assert _post(victim, "/logout").status_code == 302


def _sign_out_others(app, db, worker, victim):
    other, _, _ = _sign_in(app, worker.user)
    assert _post(other, "/password/sign-out-others").status_code == 303
    assert other.get("/").status_code == 200  # the device that asked stays signed in


def _change_password(app, db, worker, victim):
    other, _, _ = _sign_in(app, worker.user)
    response = _post(
        other,
        "/password",
        {"current_password": PASSWORD, "new_password": "Better-pass-2", "confirm": "Better-pass-2"},
    )
    assert response.status_code == 302
    assert other.get("/").status_code == 200


def _disable(app, db, worker, victim):
    worker.user.is_enabled = False
    db.session.commit()


ENDINGS = {
    "logout": _logout,
    "sign out all other devices": _sign_out_others,
    "password change": _change_password,
    "account disabled": _disable,
}


@pytest.mark.parametrize("ending", ENDINGS, ids=list(ENDINGS))
def test_copied_cookies_stop_working_when_the_sign_in_ends(app, client, db, make_worker, ending):
    """After logout, sign-out-elsewhere, password change or disabling, copies open nothing."""
    worker = make_worker()
    victim, session, remember = _sign_in(app, worker.user)
    assert _home_with(app, session=session) == 200  # a copy works while signed in

    ENDINGS[ending](app, db, worker, victim)

    assert _home_with(app, session=session) == 302
    assert _home_with(app, **{REMEMBER_COOKIE: remember}) == 302
    assert _home_with(app, session=session, **{REMEMBER_COOKIE: remember}) == 302


def test_an_exit_signs_the_worker_out_everywhere(app, client, db, make_worker, make_user):
    """Setting a worker to 退出 ends the sessions and remember tokens of all their devices."""
    worker = make_worker()
    admin = make_user(Role.STREET_ADMIN, street=worker.community.street)
    phones = [_sign_in(app, worker.user) for _ in range(2)]
    admin_client = _phone(app)
    login(admin_client, admin.phone)
    response = admin_client.post(
        f"/street/workers/{worker.user_id}/status",
        data={
            "csrf_token": csrf_token(admin_client, "/"),
            "status": "exited",
            "since": "2026-01-01",
            "reason": "辞职",
        },
    )
    assert response.status_code == 303
    for _client, session, remember in phones:
        assert _home_with(app, session=session) == 302
        assert _home_with(app, **{REMEMBER_COOKIE: remember}) == 302
    ended = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "devices_signed_out", AuditEntry.subject_id == worker.user_id
        )
    )
    assert ended is not None and ended.detail == {"devices": 2, "because": "worker_status_changed"}


def test_logout_revokes_only_that_device(app, client, db, make_worker):
    """Logging out on one phone leaves the worker's other phone signed in."""
    worker = make_worker()
    first, _, _ = _sign_in(app, worker.user)
    second, session, _ = _sign_in(app, worker.user)
    _post(first, "/logout")
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 200
    assert _home_with(app, session=session) == 200


def test_remember_cookie_restores_the_session_once_and_is_replaced(app, client, db, make_worker):
    """A remember-me token signs a closed browser back in, and then a copy of it is worthless."""
    worker = make_worker()
    _, _, remember = _sign_in(app, worker.user)

    reopened = _phone(app)
    reopened.set_cookie(REMEMBER_COOKIE, remember)
    response = reopened.get("/")
    assert response.status_code == 200
    replaced = reopened.get_cookie(REMEMBER_COOKIE).value
    assert replaced != remember
    assert reopened.get("/").status_code == 200  # the restored session goes on

    assert _home_with(app, **{REMEMBER_COOKIE: remember}) == 302  # the old token is spent
    assert _home_with(app, **{REMEMBER_COOKIE: replaced}) == 200  # the new one works


def test_remember_token_is_stored_hashed(app, client, db, make_worker):
    """The database holds no cookie secret in clear: a leaked table opens no session."""
    worker = make_worker()
    _, session, remember = _sign_in(app, worker.user)
    device = _device_of(db, worker)
    token = remember.partition(".")[2]
    assert token not in (device.remember_token_hash, device.session_key_hash)
    assert len(device.remember_token_hash) == 64


def test_expired_remember_token_is_refused(app, client, db, make_worker):
    """A remember-me token older than its 30 days signs nobody in."""
    worker = make_worker()
    _, _, remember = _sign_in(app, worker.user)
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == worker.user_id)
        .values(remember_expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert _home_with(app, **{REMEMBER_COOKIE: remember}) == 302


def test_remember_token_lasts_30_days(app, client, db, make_worker):
    """A new remember-me token is valid for 30 days from sign-in."""
    worker = make_worker()
    before = utcnow()
    _sign_in(app, worker.user)
    device = _device_of(db, worker)
    assert timedelta(days=30) <= device.remember_expires_at - before < timedelta(days=30, minutes=1)


def test_session_without_remember_ends_after_twelve_idle_hours(app, client, db, make_worker):
    """Without "keep me signed in", a session unused for 12 hours is over."""
    worker = make_worker()
    phone, session, remember = _sign_in(app, worker.user, remember=False)
    assert remember is None
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == worker.user_id)
        .values(last_seen_at=utcnow() - timedelta(hours=12, minutes=1))
    )
    db.session.commit()
    assert phone.get("/").status_code == 302


def test_tampered_session_key_is_refused(app, client, db, make_worker):
    """A session naming a real device with a wrong key opens nothing."""
    worker = make_worker()
    phone, _, _ = _sign_in(app, worker.user)
    with phone.session_transaction() as session:
        device_id = session["_user_id"].partition(".")[0]
        session["_user_id"] = f"{device_id}.not-the-key"
    phone.delete_cookie(REMEMBER_COOKIE)
    assert phone.get("/").status_code == 302


def test_last_seen_is_written_at_most_every_few_minutes(app, client, db, make_worker):
    """Browsing moves "last seen" forward once it is 5 minutes old, not on every page."""
    worker = make_worker()
    phone, _, _ = _sign_in(app, worker.user)
    stale = utcnow() - timedelta(minutes=6)
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == worker.user_id)
        .values(last_seen_at=stale)
    )
    db.session.commit()

    def last_seen():
        db.session.expire_all()
        return db.session.scalar(
            sa.select(LoginSession.last_seen_at).where(LoginSession.user_id == worker.user_id)
        )

    assert phone.get("/").status_code == 200
    touched = last_seen()
    assert touched > stale + timedelta(minutes=5)
    assert phone.get("/").status_code == 200
    assert last_seen() == touched


def test_password_page_lists_signed_in_devices(app, client, db, make_worker):
    """The password page names each signed-in device with its browser and when it was last seen."""
    worker = make_worker()
    _sign_in(app, worker.user, user_agent=WECHAT_ANDROID)
    phone, _, _ = _sign_in(app, worker.user, user_agent=SAFARI_IPHONE)
    ended, _, _ = _sign_in(app, worker.user, user_agent=WECHAT_ANDROID)
    _post(ended, "/logout")

    page = phone.get("/password").get_data(as_text=True)
    devices = page[page.index("登录的设备") :]
    assert devices.count("<li>") == 2  # the logged-out phone is gone
    assert "Android 上的微信" in devices
    assert "iOS 上的Safari" in devices
    assert "本设备" in devices
    assert re.search(r"最近使用.*\d{1,2}:\d{2}", devices)
    assert "退出其他所有设备" in devices


def test_signing_out_other_devices_needs_the_csrf_token(app, client, db, make_worker):
    """Without the form's token, "sign out all other devices" changes nothing."""
    worker = make_worker()
    phone, _, _ = _sign_in(app, worker.user)
    other, _, _ = _sign_in(app, worker.user)
    assert other.post("/password/sign-out-others").status_code == 400
    assert phone.get("/").status_code == 200
