"""Failed-login throttling through the login form: per account, per address, fair to the owner.

The counters are in the test's database (the default storage), rolled back after each test.
Client addresses are set on the test client (no traffic leaves the process).
"""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from limits import parse_many
from werkzeug.security import generate_password_hash

from portal.auth import operations, throttle
from portal.enums import Role
from portal.models import LoginFailureCounter, User, UserRole
from tests.helpers import PASSWORD, login

ATTACKER = "127.0.0.2"
OWNER = "127.0.0.3"
WRONG = "Wrong-pass-1"  # noqa: S105 - test only


def client_from(app, address: str):
    """A fresh browser (no cookies) at a client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def try_login(app, username: str, password: str = WRONG, address: str = ATTACKER):
    """One login attempt from a fresh browser at `address`."""
    return login(client_from(app, address), username, password)


@pytest.fixture
def policy(app):
    """Let a test set its own limits (limits notation); the configured ones come back after."""
    saved = app.extensions[throttle.EXTENSION]

    def use(**limits: str) -> None:
        replaced = {name: tuple(parse_many(text)) for name, text in limits.items()}
        app.extensions[throttle.EXTENSION] = dataclasses.replace(
            saved, policy=dataclasses.replace(saved.policy, **replaced)
        )

    yield use
    app.extensions[throttle.EXTENSION] = saved


@pytest.fixture
def password_checks(monkeypatch):
    """Count the password checks the login view makes."""
    calls: list[str] = []
    real = operations.authenticate

    def counted(user, password):
        calls.append(password)
        return real(user, password)

    monkeypatch.setattr(operations, "authenticate", counted)
    return calls


def counter_rows(db) -> list[tuple[str, int]]:
    """Every failure counter in the database."""
    rows = db.session.execute(sa.select(LoginFailureCounter.key, LoginFailureCounter.count))
    return sorted(rows.tuples())


def test_phone_and_staff_number_count_as_one_account(client, make_worker):
    """Wrong passwords typed with the phone and with the staff number share one limit of five."""
    worker = make_worker(staff_no="GL2020-0042")
    phone = worker.user.phone
    names = [phone, "GL2020-0042"] * 3
    statuses = [try_login(client.application, name).status_code for name in names]
    assert statuses == [422] * 5 + [429]


def test_look_alike_unknown_names_count_as_one(client):
    """A name that matches no one is counted by its normalised form (full-width, spaces, case)."""
    app = client.application
    names = [
        "gl-unknown-9",
        " GL-UNKNOWN-9",
        "ＧＬ－ＵＮＫＮＯＷＮ－９",
        "Gl-Unknown-9 ",
        "gl-unknown-9",
    ]  # noqa: E501
    assert [try_login(app, name).status_code for name in names] == [422] * 5
    assert try_login(app, "GL-Unknown-9").status_code == 429


def test_owner_signs_in_from_another_address_while_the_attacker_is_throttled(client, make_worker):
    """Throttling the guessing address does not lock the owner out of their account."""
    worker = make_worker()
    app = client.application
    for _ in range(5):
        assert try_login(app, worker.user.phone).status_code == 422
    assert try_login(app, worker.user.phone).status_code == 429
    # The attacker's address waits even with the right password…
    assert try_login(app, worker.user.phone, PASSWORD).status_code == 429
    # …while the owner, from an address that has not been failing, signs in.
    owner = client_from(app, OWNER)
    response = login(owner, worker.user.phone, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert owner.get("/").status_code == 200


def test_a_throttled_attempt_gets_no_password_check_and_writes_nothing(
    client, make_worker, db, password_checks
):
    """Once throttled, the password is not even checked, and no counter or login is written."""
    worker = make_worker()
    app = client.application
    for _ in range(5):
        try_login(app, worker.user.phone)
    assert len(password_checks) == 5
    before = counter_rows(db)

    response = try_login(app, worker.user.phone, PASSWORD)

    assert response.status_code == 429
    assert len(password_checks) == 5
    assert counter_rows(db) == before
    db.session.refresh(worker.user)
    assert worker.user.last_login_at is None


def test_unknown_names_still_cost_a_password_check(client, password_checks):
    """A name that matches no one is checked against a dummy hash, as long as a real one takes."""
    assert try_login(client.application, "13999999999").status_code == 422
    assert password_checks == [WRONG]


def test_throttled_page_says_how_many_minutes_to_wait(client, make_worker):
    """The 429 is the login page again, in Chinese, with the wait in minutes and Retry-After."""
    worker = make_worker()
    app = client.application
    for _ in range(5):
        try_login(app, worker.user.phone)
    response = try_login(app, worker.user.phone)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "尝试次数过多，请 1 分钟后再试" in page
    assert 'name="username"' in page  # the form is there to try again later
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_a_longer_wait_is_stated_in_minutes(client, make_worker, policy):
    """With a ten-minute window used up, the page says ten minutes, not one."""
    policy(per_account_address="2 per 10 minutes")
    worker = make_worker()
    app = client.application
    assert [try_login(app, worker.user.phone).status_code for _ in range(3)] == [422, 422, 429]
    response = try_login(app, worker.user.phone)
    assert "尝试次数过多，请 10 分钟后再试" in response.get_data(as_text=True)
    assert 540 < int(response.headers["Retry-After"]) <= 600


def test_a_room_of_300_signing_in_from_one_address_is_never_throttled(client, db):
    """Only failures count: 300 workers (20 of them mistyping once) sign in from one address."""
    cheap_hash = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")  # speed only
    users = [
        User(
            phone=f"1366600{n:04d}",
            name=f"培训学员{n}",
            password_hash=cheap_hash,
            must_change_password=False,
            role_rows=[UserRole(role=Role.WORKER)],
        )
        for n in range(300)
    ]
    db.session.add_all(users)
    db.session.flush()
    app = client.application
    typos = [try_login(app, user.phone, WRONG, "127.0.0.9").status_code for user in users[:20]]
    assert typos == [422] * 20
    signed_in = [try_login(app, user.phone, PASSWORD, "127.0.0.9").status_code for user in users]
    assert signed_in == [302] * 300


def test_an_address_trying_many_accounts_is_slowed_down(client, make_worker, policy):
    """Guessing across accounts from one address meets the per-address limit; others go on."""
    policy(per_address="3 per minute")
    workers = [make_worker() for _ in range(4)]
    app = client.application
    statuses = [try_login(app, w.user.phone).status_code for w in workers]
    assert statuses == [422, 422, 422, 429]
    assert try_login(app, workers[3].user.phone, PASSWORD, OWNER).status_code == 302


def test_account_ceiling_stops_guesses_spread_over_addresses_but_not_the_owner(
    client, make_worker, policy
):
    """Past the account's ceiling, addresses that failed for it wait; a clean address signs in."""
    policy(per_account="3 per day")
    worker = make_worker()
    app = client.application
    phone = worker.user.phone
    guessers = ["127.0.1.1", "127.0.1.2", "127.0.1.3"]
    assert [try_login(app, phone, WRONG, a).status_code for a in guessers] == [422] * 3
    assert try_login(app, phone, WRONG, guessers[0]).status_code == 429
    assert try_login(app, phone, PASSWORD, guessers[1]).status_code == 429
    # A new address gets its one check; once it has failed, it waits as well.
    assert try_login(app, phone, WRONG, "127.0.1.4").status_code == 422
    assert try_login(app, phone, WRONG, "127.0.1.4").status_code == 429
    assert try_login(app, phone, PASSWORD, OWNER).status_code == 302


def test_signing_in_clears_that_address_failures_for_the_account(client, make_worker):
    """After a few typos and then the right password, the owner has five tries again."""
    worker = make_worker()
    app = client.application
    phone = worker.user.phone
    assert [try_login(app, phone, WRONG, OWNER).status_code for _ in range(4)] == [422] * 4
    assert try_login(app, phone, PASSWORD, OWNER).status_code == 302
    statuses = [try_login(app, phone, WRONG, OWNER).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]


def test_other_accounts_from_the_throttled_address_still_sign_in(client, make_worker):
    """One account's guesses do not throttle a colleague signing in from the same address."""
    target, colleague = make_worker(), make_worker()
    app = client.application
    for _ in range(6):
        try_login(app, target.user.phone)
    assert try_login(app, colleague.user.phone, PASSWORD).status_code == 302


def test_failures_are_counted_in_the_database_by_default(client, make_worker, db):
    """The default storage is the portal's own database, where every server process sees it."""
    worker = make_worker()
    try_login(client.application, worker.user.phone)
    keys = [key for key, count in counter_rows(db) if count == 1]
    assert any(f"user:{worker.user_id}/{ATTACKER}" in key for key in keys)
    assert any(f"address/{ATTACKER}" in key for key in keys)


def test_ended_windows_are_swept_away(client, make_worker, db):
    """Counters whose window has ended are deleted by later failures, so the table stays small."""
    from datetime import timedelta

    from portal.timeutil import utcnow

    db.session.add(LoginFailureCounter(key="old", count=3, expires_at=utcnow() - timedelta(1)))
    db.session.flush()
    try_login(client.application, make_worker().user.phone)
    assert "old" not in [key for key, _count in counter_rows(db)]
