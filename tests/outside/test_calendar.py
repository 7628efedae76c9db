"""The worker's upcoming trainings as an RFC 5545 .ics file that calendar apps accept."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from portal.enums import AudienceScope, Role
from portal.models import TrainingAudience
from portal.timeutil import utcnow
from portal.training import calendar
from tests.helpers import login

URL = "/me/trainings.ics"


NOW = datetime(2026, 2, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _ics(summary="培训", *, starts_at=None) -> bytes:
    """One event as the worker's calendar writes it."""
    starts_at = starts_at or datetime(2026, 3, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = calendar.Event(
        uid="training-1@localhost",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        summary=summary,
    )
    return calendar.build_calendar([event], name="我的培训", now=NOW)


def _physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    return body.split(b"\r\n")[:-1]


def _summary_lines(body: bytes) -> list[bytes]:
    """The SUMMARY line of the event and its continuation lines, as on the wire."""
    lines = _physical_lines(body)
    first = next(i for i, line in enumerate(lines) if line.startswith(b"SUMMARY:"))
    continuation = []
    for line in lines[first + 1 :]:
        if not line.startswith(b" "):
            break
        continuation.append(line)
    return [lines[first], *continuation]


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain", "plain"),
        ("a,b;c", "a\\,b\\;c"),
        ("back\\slash", "back\\\\slash"),
        ("line1\nline2\r\nline3\rline4", "line1\\nline2\\nline3\\nline4"),
        ("中文，全角；不转义", "中文，全角；不转义"),
    ],
)
def test_text_escaping(raw, escaped):
    """Commas, semicolons, backslashes and newlines are escaped in TEXT values."""
    unfolded = _ics(raw).replace(b"\r\n ", b"").decode("utf-8")
    assert f"SUMMARY:{escaped}\r\n" in unfolded


def test_folding_keeps_lines_within_75_octets_and_characters_whole():
    """Long lines fold at 75 octets with CRLF + space, never inside a UTF-8 character."""
    summary = "社区工作者培训" * 20
    physical = _summary_lines(_ics(summary))
    assert len(physical) > 1
    assert all(len(p) <= 75 for p in physical)
    assert all(p.startswith(b" ") for p in physical[1:])
    text = [p.decode("utf-8") for p in physical]  # raises if a character was split
    assert text[0] + "".join(p[1:] for p in text[1:]) == "SUMMARY:" + summary


def test_folding_boundary():
    """A short line stays whole; the first one too long for 75 octets folds (icalendar folds early).

    icalendar keeps each physical line below 75 octets, so a 74-octet line is the longest whole one.
    """
    whole = "X" * (74 - len("SUMMARY:"))
    assert _summary_lines(_ics(whole)) == [f"SUMMARY:{whole}".encode()]
    assert _summary_lines(_ics(whole + "X")) == [f"SUMMARY:{whole}".encode(), b" X"]


def test_times_are_utc_with_z():
    """Times are written in UTC with a trailing Z, whatever zone they come in."""
    lines = _physical_lines(_ics())
    assert b"DTSTART:20260301T013000Z" in lines
    assert b"DTSTAMP:20260201T000000Z" in lines
    with pytest.raises(ValueError, match="naive"):
        _ics(starts_at=datetime(2026, 3, 1, 9, 30))  # noqa: DTZ001


def test_uid_host_has_no_port():
    """The UID names the training and the host, without port or odd characters."""
    assert calendar.training_uid(7, "portal.example.cn:8443") == "training-7@portal.example.cn"
    assert calendar.training_uid(7, "[::1]:5000") == "training-7@1"


def _training(db, make_training, *, starts_in: timedelta, audience: dict, **kw):
    training = make_training(on=(utcnow() + starts_in).date(), **kw)
    training.starts_at = utcnow() + starts_in
    training.ends_at = training.starts_at + timedelta(hours=3)
    db.session.add(TrainingAudience(training_id=training.id, **audience))
    db.session.flush()
    return training


@pytest.fixture
def trainings(db, street_team, make_training, make_street):
    """Trainings the worker is and is not expected at, past and future."""
    street, worker = street_team.street, street_team.worker
    whole_street = {"scope": AudienceScope.STREET, "street_id": street.id}
    return {
        "expected": _training(
            db,
            make_training,
            starts_in=timedelta(days=3),
            audience=whole_street,
            title="社区治理, 实务; 案例\\分析\n第二行" + "（专题）" * 12,
        ),
        "named": _training(
            db,
            make_training,
            starts_in=timedelta(days=10),
            audience={"scope": AudienceScope.WORKER, "worker_id": worker.user_id},
            title="点名培训",
        ),
        "running": _training(
            db, make_training, starts_in=timedelta(hours=-1), audience=whole_street, title="进行中"
        ),
        "past": _training(
            db, make_training, starts_in=timedelta(days=-2), audience=whole_street, title="已结束"
        ),
        "other street": _training(
            db,
            make_training,
            starts_in=timedelta(days=4),
            audience={"scope": AudienceScope.STREET, "street_id": make_street().id},
            title="别的街道",
        ),
    }


def test_calendar_lists_upcoming_expected_trainings(client, street_team, trainings):
    """Upcoming and running trainings the worker is expected at are events; others are not."""
    login(client, street_team.worker.user.phone)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    parsed = icalendar.Calendar.from_ical(response.data)
    events = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    expected = trainings["expected"]
    assert set(events) == {expected.title, "点名培训", "进行中"}
    event = events[expected.title]
    assert str(event["UID"]) == f"training-{expected.id}@localhost"
    assert event.decoded("DTSTART") == expected.starts_at.replace(microsecond=0)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == expected.ends_at.replace(microsecond=0)
    assert str(event["LOCATION"]) == "街道会议室"
    assert "学时：8" in str(event["DESCRIPTION"])
    assert "DTSTAMP" in event


def test_calendar_is_well_formed_on_the_wire(client, street_team, trainings):
    """Header properties are present, every line ends in CRLF and fits 75 octets, text escaped."""
    login(client, street_team.worker.user.phone)
    body = client.get(URL).data
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    for prop in (b"PRODID:", b"VERSION:2.0", b"CALSCALE:GREGORIAN", b"X-WR-CALNAME:"):
        assert any(line.startswith(prop) for line in lines), prop
    unfolded = body.replace(b"\r\n ", b"").decode("utf-8")
    assert "SUMMARY:社区治理\\, 实务\\; 案例\\\\分析\\n第二行" in unfolded
    assert "X-WR-CALNAME:我的培训" in unfolded
    start = trainings["expected"].starts_at.strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in unfolded


def test_empty_calendar_is_still_valid(client, street_team):
    """A worker with nothing coming up gets a valid calendar with no events."""
    login(client, street_team.worker.user.phone)
    parsed = icalendar.Calendar.from_ical(client.get(URL).data)
    assert list(parsed.walk("VEVENT")) == []
    assert str(parsed["VERSION"]) == "2.0"


@pytest.mark.parametrize("role", [Role.STREET_ADMIN, Role.TRAINER])
def test_users_without_a_worker_profile_are_refused(client, make_user, make_street, role):
    """Only workers have a training calendar: other roles get 403."""
    login(client, make_user(role, street=make_street()).phone)
    assert client.get(URL).status_code == 403
