"""Shared test values: one VAPID key pair for the run, and Shanghai wall-clock moments."""

from __future__ import annotations

from datetime import UTC, datetime

from py_vapid import Vapid

from notifications import vapid
from portal.timeutil import LOCAL_TZ

_VAPID = Vapid()
_VAPID.generate_keys()
VAPID_PEM = _VAPID.private_pem().decode()
VAPID_PUBLIC = vapid.public_key_of(_VAPID)
SUBJECT = "mailto:portal-admin@example.org"


def at(text: str) -> datetime:
    """Return an aware UTC moment from 'YYYY-MM-DD HH:MM' in Shanghai time."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ).astimezone(UTC)
