"""Login, forced password change, logout, rate limit and remember-me."""

from __future__ import annotations

from portal.enums import Role
from tests.helpers import PASSWORD, csrf_token, login


def test_login_with_phone_opens_home(client, make_worker):
    """A worker logging in with phone and password lands on their home."""
    worker = make_worker(name="李娜")
    response = login(client, worker.user.phone)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "李娜" in page


def test_login_with_staff_number(client, make_worker):
    """The staff number works as the username too."""
    make_worker(staff_no="GL2020-0001")
    assert login(client, "GL2020-0001").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_generic_error(client, make_worker):
    """A bad password and an unknown user are answered alike, revealing nothing."""
    worker = make_worker()
    wrong = login(client, worker.user.phone, "nope-wrong-1")
    unknown = login(client, "13999999999", "nope-wrong-1")
    assert wrong.status_code == unknown.status_code == 422
    message = "手机号/工号或密码不正确"
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


def test_disabled_account_cannot_log_in(client, make_worker):
    """A disabled account is refused with the generic message."""
    worker = make_worker(is_enabled=False)
    assert login(client, worker.user.phone).status_code == 422


def test_login_without_csrf_token_is_refused(client, make_worker):
    """A login post without the form's CSRF token changes nothing."""
    worker = make_worker()
    response = client.post("/login", data={"username": worker.user.phone, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_open_redirect_is_ignored(client, make_worker):
    """?next= pointing to another site sends the user home instead."""
    worker = make_worker()
    token = csrf_token(client)
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": worker.user.phone, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_first_login_forces_password_change(client, make_worker, db):
    """A one-time password must be replaced before any page opens."""
    worker = make_worker(must_change=True)
    login(client, worker.user.phone)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/password"
    assert client.get(f"/workers/{worker.user_id}/grade").status_code == 302

    token = csrf_token(client, "/password")
    weak = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "12345678",
            "confirm": "12345678",
        },
    )
    assert weak.status_code == 422
    assert "请同时使用字母和数字" in weak.get_data(as_text=True)

    mismatch = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "Better-pass-2",
            "confirm": "x",
        },
    )
    assert mismatch.status_code == 422
    db.session.refresh(worker.user)
    assert worker.user.must_change_password and worker.user.check_password(PASSWORD)

    ok = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "Better-pass-2",
            "confirm": "Better-pass-2",
        },
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    db.session.refresh(worker.user)
    assert not worker.user.must_change_password
    assert worker.user.check_password("Better-pass-2")


def test_password_change_signs_out_other_devices(app, client, make_worker):
    """After a password change, a session started elsewhere with the old password ends."""
    worker = make_worker()
    other_phone = app.test_client()
    login(other_phone, worker.user.phone)
    assert other_phone.get("/").status_code == 200

    login(client, worker.user.phone)
    token = csrf_token(client, "/password")
    client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "Better-pass-2",
            "confirm": "Better-pass-2",
        },
    )
    assert client.get("/").status_code == 200
    assert other_phone.get("/").status_code == 302


def test_logout_needs_post_and_ends_session(client, make_worker):
    """Logging out is a POST with CSRF; afterwards home asks to log in."""
    worker = make_worker()
    login(client, worker.user.phone)
    assert client.get("/logout").status_code == 405
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").headers["Location"].startswith("/login")


def test_remember_me_sets_a_long_lived_secure_cookie(client, make_worker):
    """Keeping a phone signed in sets a Secure, HttpOnly remember cookie."""
    worker = make_worker()
    response = login(client, worker.user.phone, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_device="))
    assert "Secure" in remember and "HttpOnly" in remember and "SameSite=Lax" in remember
    assert "Max-Age=2592000" in remember  # 30 days
    session = next(c for c in cookies if c.startswith("session="))
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session


def test_login_is_rate_limited(client, make_worker):
    """Repeated failed logins for one account are slowed down with a clear message."""
    worker = make_worker()
    statuses = [login(client, worker.user.phone, "wrong-pass-1").status_code for _ in range(6)]
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429
    blocked = login(client, worker.user.phone)  # even the right password waits
    assert blocked.status_code == 429
    assert "尝试次数过多" in blocked.get_data(as_text=True)


def test_successful_logins_do_not_count_toward_the_limit(app, make_worker):
    """A training room of workers logging in from one address is never blocked."""
    workers = [make_worker() for _ in range(12)]
    for worker in workers:
        assert login(app.test_client(), worker.user.phone).status_code == 302


def test_non_worker_sees_role_landing(client, make_user, make_street):
    """A street admin without a worker profile sees their roles, not an error."""
    admin = make_user(Role.STREET_ADMIN, street=make_street(), name="王主任")
    login(client, admin.phone)
    page = client.get("/").get_data(as_text=True)
    assert "王主任" in page and "街道管理员" in page
