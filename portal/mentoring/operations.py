"""Writes for mentoring and growth plans: fn(..., *, actor) — flush, never commit.

Each operation checks the invariants it relies on (whatever the form did) and raises
``Refused`` with a message for the user and the form field it belongs to; nothing is
written then. Changes worth tracing are written to the audit log here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l

from portal.audit.operations import record
from portal.enums import GrowthKind, MentoringTopic, Role
from portal.extensions import db
from portal.mentoring import queries, rules
from portal.mentoring.models import GrowthItem, MentorPairing, MentorSession
from portal.people.models import User, WorkerProfile
from portal.refusals import Refused
from portal.talks import rules as talks_rules


class Locked(Refused):
    """A session is past its 7-day edit window."""


FUTURE = _l("The date cannot be in the future.")


def _not_future(day: date, today: date, field: str) -> None:
    if rules.is_future(day, today):
        raise Refused(FUTURE, field)


# -- pairings ----------------------------------------------------------------------------------


def pair(
    mentor: User,
    mentee: WorkerProfile,
    *,
    starts_on: date,
    goals: str,
    street_id: int,
    today: date,
    actor: User,
) -> MentorPairing:
    """Pair a mentor with a mentee of the same street; a mentee has one current pairing."""
    if not (mentor.has_role(Role.MENTOR) and mentor.street_id == street_id and mentor.is_enabled):
        raise Refused(_l("Choose a mentor of your street."), "mentor")
    if mentee.community.street_id != street_id or not talks_rules.in_talk_population(mentee.status):
        raise Refused(_l("Choose a worker of your street who is on the team."), "mentee")
    if mentor.id == mentee.user_id:
        raise Refused(_l("A worker cannot be their own mentor."), "mentor")
    _not_future(starts_on, today, "starts_on")
    if not goals.strip():
        raise Refused(_l("Write down the goals of the pairing."), "goals")
    if queries.current_pairing_of(mentee.user_id) is not None:
        raise Refused(
            _l(
                "%(name)s already has a mentor: end or change that pairing first.",
                name=mentee.user.name,
            ),
            "mentee",
        )
    pairing = MentorPairing(
        mentor_id=mentor.id,
        mentee_id=mentee.user_id,
        starts_on=starts_on,
        goals=goals.strip(),
        created_by_id=actor.id,
    )
    db.session.add(pairing)
    db.session.flush()
    record(
        "mentor_pairing_created",
        pairing,
        actor=actor,
        mentor_id=mentor.id,
        mentee_id=mentee.user_id,
        starts_on=starts_on.isoformat(),
    )
    return pairing


def end_pairing(
    pairing: MentorPairing, *, ends_on: date, reason: str, today: date, actor: User
) -> MentorPairing:
    """End a current pairing on a date with a reason; it stays in the history."""
    if pairing.ends_on is not None:
        raise Refused(_l("This pairing has already ended."))
    _not_future(ends_on, today, "ends_on")
    if ends_on < pairing.starts_on:
        raise Refused(
            _l(
                "The pairing started on %(date)s: it cannot end before that.",
                date=format_date(pairing.starts_on),
            ),
            "ends_on",
        )
    last = db.session.scalar(
        sa.select(sa.func.max(MentorSession.held_on)).where(MentorSession.pairing_id == pairing.id)
    )
    if last is not None and ends_on < last:
        raise Refused(
            _l(
                "The last session was on %(date)s: the pairing cannot end before it.",
                date=format_date(last),
            ),
            "ends_on",
        )
    if not reason.strip():
        raise Refused(_l("Give the reason for ending the pairing."), "reason")
    pairing.ends_on = ends_on
    pairing.end_reason = reason.strip()
    db.session.flush()
    record(
        "mentor_pairing_ended",
        pairing,
        actor=actor,
        ends_on=ends_on.isoformat(),
        reason=pairing.end_reason,
    )
    return pairing


def change_pairing(
    pairing: MentorPairing,
    mentee: WorkerProfile,
    new_mentor: User,
    *,
    on: date,
    reason: str,
    goals: str,
    street_id: int,
    today: date,
    actor: User,
) -> MentorPairing:
    """Change a mentee's mentor: end the current pairing on a date and start a new one."""
    if new_mentor.id == pairing.mentor_id:
        raise Refused(_l("Choose a different mentor."), "mentor")
    end_pairing(pairing, ends_on=on, reason=reason, today=today, actor=actor)
    return pair(
        new_mentor, mentee, starts_on=on, goals=goals, street_id=street_id, today=today, actor=actor
    )


# -- sessions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionData:
    """What a mentor enters for a session."""

    held_on: date
    minutes: int
    topic: MentoringTopic
    passed_on: str
    next_step: str


def _check_session(data: SessionData, pairing: MentorPairing, today: date) -> None:
    problem = rules.session_date_problem(data.held_on, today, pairing.starts_on)
    if problem == "future":
        raise Refused(FUTURE, "held_on")
    if problem == "before_pairing":
        raise Refused(
            _l(
                "The pairing started on %(date)s: choose a date from then on.",
                date=format_date(pairing.starts_on),
            ),
            "held_on",
        )
    if pairing.ends_on is not None and data.held_on > pairing.ends_on:
        raise Refused(
            _l("The pairing ended on %(date)s.", date=format_date(pairing.ends_on)), "held_on"
        )
    if not data.passed_on.strip():
        raise Refused(_l("Write down what was passed on."), "passed_on")


def log_session(
    pairing: MentorPairing, data: SessionData, *, today: date, actor: User
) -> MentorSession:
    """Log a session of a current pairing; only its mentor may."""
    if pairing.ends_on is not None or pairing.mentor_id != actor.id:
        raise Refused(_l("You can log sessions only for your current mentees."))
    _check_session(data, pairing, today)
    session = MentorSession(
        pairing_id=pairing.id,
        mentor_id=pairing.mentor_id,
        mentee_id=pairing.mentee_id,
        held_on=data.held_on,
        minutes=data.minutes,
        topic=data.topic,
        passed_on=data.passed_on.strip(),
        next_step=data.next_step.strip(),
    )
    db.session.add(session)
    db.session.flush()
    return session


def locked_message(session: MentorSession):
    """Return why a session can no longer be edited."""
    return _l(
        "Sessions can be corrected for 7 days after they are logged; this one is locked "
        "since %(when)s.",
        when=format_datetime(rules.editable_until(session.created_at), "short"),
    )


def edit_session(
    session: MentorSession,
    pairing: MentorPairing,
    data: SessionData,
    *,
    now: datetime,
    today: date,
    actor: User,
) -> MentorSession:
    """Correct a session within 7 days of logging it; a changed session needs re-confirming."""
    if rules.is_locked(session.created_at, now):
        raise Locked(locked_message(session))
    _check_session(data, pairing, today)
    changes = {}
    new = {
        "held_on": data.held_on,
        "minutes": data.minutes,
        "topic": data.topic,
        "passed_on": data.passed_on.strip(),
        "next_step": data.next_step.strip(),
    }
    for name, value in new.items():
        old = getattr(session, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(session, name, value)
    if changes:
        reconfirm = session.confirmed_at is not None
        session.confirmed_at = None  # the mentee confirmed the old text, not this one
        db.session.flush()
        record("mentor_session_edited", session, actor=actor, changes=changes, reconfirm=reconfirm)
    return session


def refuse_locked_edit(session: MentorSession, *, now: datetime, actor: User) -> Locked:
    """Write the refused edit of a locked session to the audit log and return the refusal."""
    record(
        "mentor_session_edit_refused",
        session,
        actor=actor,
        reason="locked",
        locked_since=rules.editable_until(session.created_at).isoformat(),
        attempted_at=now.isoformat(),
    )
    return Locked(locked_message(session))


def confirm_session(
    session: MentorSession, *, reflection: str, now: datetime, actor: User
) -> MentorSession:
    """Confirm a session as its mentee (once) and keep their short reflection."""
    if session.mentee_id != actor.id:
        raise Refused(_l("Only the mentee can confirm a session."))
    if session.confirmed_at is None:
        session.confirmed_at = now
    session.reflection = reflection.strip() or None
    db.session.flush()
    return session


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# -- growth plan -------------------------------------------------------------------------------


def save_growth_item(
    worker: WorkerProfile,
    kind: GrowthKind,
    *,
    done_on: date | None,
    evidence: str,
    today: date,
    actor: User,
) -> GrowthItem:
    """Fill in one of the "四个一": the date it was done and the evidence."""
    if done_on is not None:
        _not_future(done_on, today, "done_on")
    item = db.session.scalar(
        sa.select(GrowthItem).where(GrowthItem.worker_id == worker.user_id, GrowthItem.kind == kind)
    )
    if item is None:
        item = GrowthItem(worker_id=worker.user_id, kind=kind)
        db.session.add(item)
    item.done_on = done_on
    item.evidence = evidence.strip()
    item.updated_by_id = actor.id
    db.session.flush()
    return item
