"""The check-in tests' clock: the server's notion of "now" as the check-in views see it."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from portal.timeutil import utcnow

# Where the check-in views read the time: the arrival stamp and the views themselves.
CLOCK_READERS = (
    "portal.web.arrival.utcnow",
    "portal.checkin.views.utcnow",
    "portal.checkin.scan_views.utcnow",
)


class Clock:
    """The server's clock as the check-in views see it: real time unless set.

    `read` is set each time the server reads it, so a test can wait for a request to
    have arrived (been stamped) before moving the time on.
    """

    def __init__(self) -> None:
        self.fixed: datetime | None = None
        self.read = threading.Event()

    def now(self) -> datetime:
        self.read.set()
        return self.fixed or utcnow()

    def set(self, moment: datetime) -> None:
        self.fixed = moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Let a test choose the moment the check-in views (and the arrival stamp) take as now."""
    c = Clock()
    for reader in CLOCK_READERS:
        monkeypatch.setattr(reader, c.now)
    return c
