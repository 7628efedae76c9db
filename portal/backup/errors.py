"""The one way backup and restore say no: a message for the operator; nothing changed."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
