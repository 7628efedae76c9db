"""The one way backup and restore say no: a refusal with a message for the operator."""

from __future__ import annotations

from portal.refusals import Refused


class BackupError(Refused):
    """A backup or restore that cannot go on; the message says why and what to do.

    Nothing was changed: every check of a restore comes before its first write.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
