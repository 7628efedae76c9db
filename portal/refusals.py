"""The one way an operation says no: ``raise Refused(message, field=..., status=...)``.

Operations (plain functions that take ``actor=`` and flush) raise it; nothing is written
that the caller keeps, because the view rolls back (see ``portal.web.views``). The
message is for the user (a lazy gettext string); ``field`` names the form field it
belongs to, if any; ``status`` is the HTTP status the view answers with.
"""

from __future__ import annotations


class Refused(Exception):  # noqa: N818 - reads as what happened: the operation was refused
    """An operation was refused: ``message`` says why, ``field`` names the form field."""

    def __init__(self, message, field: str | None = None, *, status: int = 422) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.status = status
