"""Authentication writes: login bookkeeping, device records and password changes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from portal.audit import operations as audit
from portal.auth.models import REMEMBER_LIFETIME, LoginSession
from portal.database import rows_matched
from portal.extensions import db
from portal.people.models import User
from portal.timeutil import utcnow

# Checked when no user matches, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def find_user(username: str) -> User | None:
    """Return the user whose phone or staff number was typed, if any (enabled or not)."""
    username = username.strip()
    return db.session.scalar(
        sa.select(User).where(sa.or_(User.phone == username, User.staff_no == username))
    )


def authenticate(user: User | None, password: str) -> User | None:
    """Return the user when enabled and the password matches, else None.

    With no user the check still runs, against a dummy hash, so an unknown name costs as
    long as a wrong password.
    """
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.is_enabled:
        return None
    return user


def record_login(user: User) -> None:
    """Stamp the login time; the caller commits."""
    user.last_login_at = utcnow()


def secret_hash(secret: str) -> str:
    """Return the SHA-256 hex digest a cookie secret is stored as."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """Return a fresh random cookie secret (256 bits)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class SignedIn:
    """A new device record and the cookie values that name it (secrets in clear, once)."""

    device: LoginSession
    session_id: str
    remember_cookie: str | None


def sign_in(user: User, *, user_agent: str | None, address: str | None, remember: bool) -> SignedIn:
    """Record a sign-in on a new device; the caller commits and sets the cookies."""
    now = utcnow()
    key, token = new_secret(), (new_secret() if remember else None)
    device = LoginSession(
        user_id=user.id,
        session_key_hash=secret_hash(key),
        remember_token_hash=secret_hash(token) if token else None,
        remember_expires_at=now + REMEMBER_LIFETIME if token else None,
        created_at=now,
        last_seen_at=now,
        user_agent=(user_agent or "")[:255],
        address=(address or None) and address[:45],
    )
    db.session.add(device)
    db.session.flush()
    session_id = f"{device.id}.{key}"
    user.session_id = session_id  # what Flask-Login's login_user() stores (User.get_id)
    return SignedIn(device, session_id, f"{device.id}.{token}" if token else None)


def sign_out(device: LoginSession) -> None:
    """End one device's sign-in: its session and remember-me token stop working."""
    if device.revoked_at is None:
        device.revoked_at = utcnow()


def sign_out_devices(
    user: User,
    *,
    actor: User | None,
    reason: str,
    keep: LoginSession | None = None,
    now: datetime | None = None,
) -> int:
    """End every device of a user (but ``keep``) and audit it; return how many ended.

    ``reason`` is the audit action that caused it (e.g. "password_changed").
    """
    conditions = [LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)]
    if keep is not None:
        conditions.append(LoginSession.id != keep.id)
    ended = rows_matched(
        db.session.execute(
            sa.update(LoginSession).where(*conditions).values(revoked_at=now or utcnow())
        )
    )
    if ended:
        audit.record("devices_signed_out", user, actor=actor, devices=ended, because=reason)
    return ended


def change_password(
    user: User, new_password: str, *, actor: User, keep: LoginSession | None
) -> None:
    """Set a new password, sign out the other devices and audit it; the caller commits."""
    user.set_password(new_password)
    user.must_change_password = False
    audit.record("password_changed", user, actor=actor)
    sign_out_devices(user, actor=actor, reason="password_changed", keep=keep)
