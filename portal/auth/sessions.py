"""Which device a request comes from: session cookie, remember-me cookie, bookkeeping.

Every sign-in is a row of ``login_sessions`` (see ``portal.auth.models``). The Flask
session holds ``"<row id>.<session key>"`` (what ``User.get_id`` returns, so Flask-Login
stores it), and "keep me signed in" sets our own cookie ``remember_device`` holding
``"<row id>.<token>"``. Both secrets are stored as SHA-256 hashes. Revoking the row ends
both at once.

Why not Flask-Login's own remember cookie: it holds ``get_id()`` signed with the app's
secret key (``encode_cookie``) and nothing else — no expiry the server can check, no
rotation (the value is the same every time it is set), nothing stored to revoke apart
from the id itself. Flask-Login calls the ``request_loader`` only when the session has no
valid user *and* its own remember cookie is absent (``LoginManager._load_user``), so we
leave its cookie unused and restore sessions from ours there: the token is checked
against the row, then replaced by a new one (and a new session key) so a copied token
works at most once.

Writes on a plain GET are rare: ``last_seen_at`` moves at most every few minutes, and
the token rotation of a restore happens once. They run after the view, in their own
transaction that takes the write lock at once on SQLite (``database.write_next``), as
a compare-and-set, so two requests racing with the same old token rotate it only once.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session
from flask.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.models import REMEMBER_LIFETIME, LoginSession
from portal.auth.operations import new_secret, secret_hash
from portal.auth.queries import user_and_device
from portal.database import rows_matched, write_next
from portal.extensions import db
from portal.people.models import User
from portal.timeutil import utcnow

REMEMBER_COOKIE = "remember_device"
# Flask-Login's cookie name: old "<user>.<version>" cookies from before device records.
_LEGACY_REMEMBER_COOKIE = "remember_token"
TOUCH_EVERY = timedelta(minutes=5)  # how stale last_seen_at may get before it is written
ROTATE_EVERY = timedelta(days=1)  # a device in daily use gets a fresh 30-day token

_DEVICE = "_portal_login_device"
_PENDING = "_portal_device_write"

log = logging.getLogger(__name__)


@dataclass
class _Write:
    """A bookkeeping write for the request's device, done after the view."""

    device_id: int
    values: dict[str, Any]
    expected_token_hash: str | None = None  # compare-and-set on the token being replaced
    remember_cookie: str | None = None  # set on the response if the write succeeded
    restored: bool = False  # the session itself depends on the write
    done: bool = field(default=False)


def _parse(value: str | None) -> tuple[int, str] | None:
    device_id, _, secret = (value or "").partition(".")
    # 18 digits stay inside a 64-bit integer column on every database.
    if not (device_id.isascii() and device_id.isdigit() and len(device_id) <= 18 and secret):
        return None
    return int(device_id), secret


def _matches(stored_hash: str | None, secret: str) -> bool:
    return stored_hash is not None and hmac.compare_digest(stored_hash, secret_hash(secret))


def _client() -> dict[str, Any]:
    return {
        "user_agent": (request.headers.get("User-Agent") or "")[:255],
        "address": (request.remote_addr or "")[:45] or None,
    }


def current_device() -> LoginSession | None:
    """Return the device record of the signed-in request, if any."""
    return g.get(_DEVICE)


def _attach(user: User, device: LoginSession, session_id: str) -> User:
    user.session_id = session_id
    setattr(g, _DEVICE, device)
    return user


def _named(value: str | None) -> tuple[User, LoginSession, str] | None:
    """Return the user, device and secret a "<id>.<secret>" value names, if the device exists."""
    parsed = _parse(value)
    if parsed is None:
        return None
    found = user_and_device(parsed[0])
    if found is None:
        return None
    return (*found, parsed[1])


def user_from_session(session_id: str) -> User | None:
    """Return the user of a live device named by the session cookie, else None."""
    named = _named(session_id)
    if named is None:
        return None
    user, device, key = named
    now = utcnow()
    if not (user.is_enabled and device.is_live(now) and _matches(device.session_key_hash, key)):
        return None
    _attach(user, device, session_id)
    if now - device.last_seen_at >= TOUCH_EVERY:
        _schedule_touch(device, now)
    return user


def _schedule_touch(device: LoginSession, now: datetime) -> None:
    write = _Write(device.id, {"last_seen_at": now, **_client()})
    issued = device.remember_expires_at - REMEMBER_LIFETIME if device.remember_expires_at else None
    if device.remembered(now) and issued is not None and now - issued >= ROTATE_EVERY:
        token = new_secret()
        write.values |= {
            "remember_token_hash": secret_hash(token),
            "remember_expires_at": now + REMEMBER_LIFETIME,
        }
        write.expected_token_hash = device.remember_token_hash
        write.remember_cookie = f"{device.id}.{token}"
    setattr(g, _PENDING, write)


def user_from_remember_cookie(_request) -> User | None:
    """Restore a session from a valid remember-me token, replacing the token (request_loader)."""
    named = _named(request.cookies.get(REMEMBER_COOKIE))
    if named is None:
        return None
    user, device, old_token = named
    now = utcnow()
    if not (user.is_enabled and device.remembered(now)):
        return None
    if not _matches(device.remember_token_hash, old_token):
        return None
    key, token = new_secret(), new_secret()
    session_id = f"{device.id}.{key}"
    setattr(
        g,
        _PENDING,
        _Write(
            device.id,
            {
                "session_key_hash": secret_hash(key),
                "remember_token_hash": secret_hash(token),
                "remember_expires_at": now + REMEMBER_LIFETIME,
                "last_seen_at": now,
                **_client(),
            },
            expected_token_hash=device.remember_token_hash,
            remember_cookie=f"{device.id}.{token}",
            restored=True,
        ),
    )
    # As Flask-Login does for its own cookie: the session now names the device, not fresh.
    session["_user_id"] = session_id
    session["_fresh"] = False
    return _attach(user, device, session_id)


def set_remember_cookie(response: BaseResponse, value: str) -> None:
    """Set the remember-me cookie (30 days, Secure, HttpOnly, SameSite=Lax)."""
    config = current_app.config
    response.set_cookie(
        REMEMBER_COOKIE,
        value,
        max_age=int(REMEMBER_LIFETIME.total_seconds()),
        secure=config["REMEMBER_COOKIE_SECURE"],
        httponly=config["REMEMBER_COOKIE_HTTPONLY"],
        samesite=config["REMEMBER_COOKIE_SAMESITE"],
    )
    if _LEGACY_REMEMBER_COOKIE in request.cookies:  # it would stop the request_loader
        response.delete_cookie(_LEGACY_REMEMBER_COOKIE)


def forget_remember_cookie(response: BaseResponse) -> None:
    """Delete the remember-me cookie (and Flask-Login's old one) on this browser."""
    response.delete_cookie(REMEMBER_COOKIE)
    if _LEGACY_REMEMBER_COOKIE in request.cookies:
        response.delete_cookie(_LEGACY_REMEMBER_COOKIE)


def _write_device(response: Response) -> Response:
    write: _Write | None = g.pop(_PENDING, None)
    if write is None:
        return response
    # Anything the view left uncommitted would be discarded at teardown anyway.
    db.session.rollback()
    statement = sa.update(LoginSession).where(
        LoginSession.id == write.device_id, LoginSession.revoked_at.is_(None)
    )
    if write.expected_token_hash is not None:
        statement = statement.where(LoginSession.remember_token_hash == write.expected_token_hash)
    try:
        write_next()
        done = rows_matched(db.session.execute(statement.values(**write.values))) == 1
        db.session.commit()
    except sa.exc.SQLAlchemyError:  # bookkeeping must not break the page
        log.warning("could not update login record %s", write.device_id, exc_info=True)
        db.session.rollback()
        done = False
    if done and write.remember_cookie:
        set_remember_cookie(response, write.remember_cookie)
    elif write.restored and not done:
        # Another request replaced the token first (or the device just signed out):
        # this response's session key was never stored, so do not hand it out.
        session.pop("_user_id", None)
    return response


def init_app(app: Flask) -> None:
    """Write device bookkeeping after each request that needs it."""
    app.after_request(_write_device)
