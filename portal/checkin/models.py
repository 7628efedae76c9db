"""What check-in remembers beyond attendance: the personal-code steps already used."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime
from portal.extensions import Model
from portal.timeutil import utcnow


class PersonalCodeUse(Model):
    """One 30 s step of a worker's personal code, used at one training's door.

    The primary key (worker, step) lets a code count at one training only: a second
    training's scan of the same code finds the row and is refused, live or synced later.
    """

    __tablename__ = "personal_code_uses"

    worker_id: Mapped[int] = mapped_column(
        sa.ForeignKey("worker_profiles.user_id"), primary_key=True
    )
    step: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("trainings.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
