"""The proof file a worker uploads (photo or PDF)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime
from portal.extensions import Model
from portal.timeutil import utcnow
from portal.uploads import sniff


class Upload(Model):
    """A proof file (photo or PDF), stored outside static/ and served only to those allowed."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(64))  # sniffed from the bytes
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def shown_name(self) -> str:
        """Return the name to show and send, without bidi or control characters.

        Rows stored before names were cleaned on upload still hold them.
        """
        return sniff.clean_name(self.original_name, sniff.EXTENSIONS[self.content_type])
