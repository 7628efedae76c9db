"""Sign-in records: one row per signed-in device, and the failed-login counters."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime
from portal.extensions import Model
from portal.timeutil import utcnow

# A session without "keep me signed in" ends after this long unused.
IDLE_LIFETIME = timedelta(hours=12)
# A remember-me token lasts this long; it is replaced when used (and daily while in use).
REMEMBER_LIFETIME = timedelta(days=30)


class LoginSession(Model):
    """One device's sign-in: its session cookie and remember-me token end when it is revoked.

    Secrets are stored as SHA-256 hashes only; the cookies carry "<id>.<secret>".
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_key_hash: Mapped[str] = mapped_column(sa.String(64))
    remember_token_hash: Mapped[str | None] = mapped_column(sa.String(64))
    remember_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")
    address: Mapped[str | None] = mapped_column(sa.String(45))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def is_live(self, now: datetime) -> bool:
        """Return whether this device is still signed in at ``now``."""
        if self.revoked_at is not None:
            return False
        if self.remember_expires_at is not None and self.remember_expires_at > now:
            return True
        return self.last_seen_at + IDLE_LIFETIME > now

    def remembered(self, now: datetime) -> bool:
        """Return whether the remember-me token is still valid at ``now``."""
        return (
            self.revoked_at is None
            and self.remember_token_hash is not None
            and self.remember_expires_at is not None
            and self.remember_expires_at > now
        )


class LoginFailureCounter(Model):
    """One fixed window of failed logins for one key (account, address, or both)."""

    __tablename__ = "login_failure_counters"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer)
    # The window ends here; an expired row counts as zero and is reset by the next failure.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
