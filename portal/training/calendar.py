"""An RFC 5545 calendar (.ics) of trainings, written by hand: no request, no database.

The rules that trip calendar apps: CRLF line endings, lines folded at 75 octets
(never inside a UTF-8 character), TEXT values escaped (backslash, semicolon, comma,
newline), and times in UTC with a trailing Z.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//Community worker portal//Trainings//ZH"


@dataclass(frozen=True)
class Event:
    """One calendar event."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    alarm_minutes: int | None = 60  # remind this long before the start


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def utc_stamp(moment: datetime) -> str:
    """Return an aware timestamp as a UTC DATE-TIME, e.g. 20260301T013000Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give an aware timestamp")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, joined by CRLF and a space."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
            limit = MAX_OCTETS - 1  # continuation lines start with one space
        current.append(char)
        size += width
    chunks.append("".join(current))
    return (CRLF + " ").join(chunks)


_UID_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]")


def training_uid(training_id: int, host: str) -> str:
    """Return a stable, globally unique id for a training's event (host without port)."""
    try:
        hostname = urlsplit("//" + host).hostname or ""
    except ValueError:
        hostname = ""
    hostname = _UID_UNSAFE.sub("", hostname)
    return f"training-{training_id}@{hostname or 'localhost'}"


def _event_lines(event: Event, stamp: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE"]
    if event.alarm_minutes is not None:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(event.summary)}",
            f"TRIGGER:-PT{event.alarm_minutes}M",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def build_calendar(events: Iterable[Event], *, name: str, now: datetime) -> bytes:
    """Return a whole VCALENDAR as UTF-8 bytes."""
    stamp = utc_stamp(now)
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines).encode("utf-8")
