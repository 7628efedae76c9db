"""An RFC 5545 calendar (.ics) of trainings: no request, no database.

``icalendar`` writes the wire format (CRLF line endings, lines folded at 75 octets
without splitting a UTF-8 character, TEXT values escaped); this module only says
what goes in it. Times are written in UTC with a trailing Z.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar

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


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give an aware timestamp")
    return moment.astimezone(UTC).replace(microsecond=0)


_UID_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]")


def training_uid(training_id: int, host: str) -> str:
    """Return a stable, globally unique id for a training's event (host without port)."""
    try:
        hostname = urlsplit("//" + host).hostname or ""
    except ValueError:
        hostname = ""
    hostname = _UID_UNSAFE.sub("", hostname)
    return f"training-{training_id}@{hostname or 'localhost'}"


def _text(value: str) -> str:
    # One newline convention: a bare CR would otherwise reach the wire unescaped.
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _vevent(event: Event, stamp: datetime) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", _utc(event.starts_at))
    vevent.add("dtend", _utc(event.ends_at))
    vevent.add("summary", _text(event.summary))
    if event.location:
        vevent.add("location", _text(event.location))
    if event.description:
        vevent.add("description", _text(event.description))
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    if event.alarm_minutes is not None:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _text(event.summary))
        alarm.add("trigger", timedelta(minutes=-event.alarm_minutes))
        vevent.add_component(alarm)
    return vevent


def build_calendar(events: Iterable[Event], *, name: str, now: datetime) -> bytes:
    """Return a whole VCALENDAR as UTF-8 bytes."""
    stamp = _utc(now)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _text(name))
    for event in events:
        cal.add_component(_vevent(event, stamp))
    return cal.to_ical()
