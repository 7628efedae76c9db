"""Reads for sign-in: the devices an account is signed in on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.auth import devices
from portal.auth.models import LoginSession
from portal.extensions import db
from portal.timeutil import utcnow

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
