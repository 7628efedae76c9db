"""Failed-login counters, shared by every server process through the database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime
from portal.extensions import db


class LoginFailureCounter(db.Model):
    """One fixed window of failed logins for one key (account, address, or both)."""

    __tablename__ = "login_failure_counters"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer)
    # The window ends here; an expired row counts as zero and is reset by the next failure.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
