"""Authentication writes: login bookkeeping and password changes."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from portal.audit import operations as audit
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


def change_password(user: User, new_password: str, *, actor: User) -> None:
    """Set a new password, clear the forced-change flag and audit it; the caller commits."""
    user.set_password(new_password)
    user.must_change_password = False
    audit.record("password_changed", user, actor=actor)
