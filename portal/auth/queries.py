"""Reads for sign-in: the session user every page needs, the devices an account is signed in on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, with_expression

from portal.auth import devices
from portal.auth.models import LoginSession
from portal.extensions import db
from portal.inbox.models import Notification
from portal.people.models import User
from portal.people.queries import WITH_ORG
from portal.timeutil import utcnow

# The session user with roles, the unread count for the bell and, for workers, the profile
# and organisation above it, with the device record the session names (one row, by its
# primary key): a page then needs no further query to know who, where and from which device.
_UNREAD = (
    sa.select(sa.func.count())
    .where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .correlate(User)
    .scalar_subquery()
)

SESSION_USER = (
    sa.select(User, LoginSession)
    .join(LoginSession, LoginSession.user_id == User.id)
    .options(
        joinedload(User.role_rows),
        joinedload(User.worker).options(WITH_ORG),
        with_expression(User.unread_notifications, _UNREAD),
    )
    .where(LoginSession.id == sa.bindparam("device_id"))
)


def user_and_device(device_id: int) -> tuple[User, LoginSession] | None:
    """Return a device record and its user (with what every page needs), or None."""
    row = db.session.execute(SESSION_USER, {"device_id": device_id}).unique().one_or_none()
    return None if row is None else (row[0], row[1])


_DEVICES = (
    sa.select(LoginSession)
    .where(LoginSession.user_id == sa.bindparam("user_id"), LoginSession.revoked_at.is_(None))
    .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
)


@dataclass(frozen=True)
class SignedInDevice:
    """One line of the signed-in devices list."""

    id: int
    label: str
    last_seen_at: datetime
    signed_in_at: datetime
    current: bool


def signed_in_devices(user_id: int, *, current: LoginSession | None) -> list[SignedInDevice]:
    """Return the devices still signed in to an account, most recently seen first."""
    now = utcnow()
    rows = db.session.scalars(_DEVICES, {"user_id": user_id})
    return [
        SignedInDevice(
            id=row.id,
            label=devices.label(row.user_agent),
            last_seen_at=row.last_seen_at,
            signed_in_at=row.created_at,
            current=current is not None and row.id == current.id,
        )
        for row in rows
        if row.is_live(now)
    ]
