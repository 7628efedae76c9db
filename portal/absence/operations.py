"""Writes of unexcused absence: the street records days and deletes a wrong one.

Each takes the acting admin, flushes (never commits) and writes an audit entry naming the
worker. A refusal (a future day, a weekend, a day already recorded) writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.absence import rules
from portal.absence.models import AbsenceDay
from portal.audit import operations as audit
from portal.extensions import db
from portal.people.models import User, WorkerProfile
from portal.refusals import Refused


def record_absence(
    worker: WorkerProfile,
    days: Sequence[date],
    *,
    note: str | None,
    actor: User,
    today: date,
) -> list[AbsenceDay]:
    """Record days of unexcused absence of one worker: every day, or none."""
    if not days:
        raise Refused(
            _l("The period holds no working day (Monday to Friday). Nothing was saved."),
            "first_day",
        )
    future = [day for day in days if day > today]
    if future:
        raise Refused(
            _l("%(date)s is in the future. Nothing was saved.", date=future[0].isoformat()),
            "first_day",
        )
    weekend = [day for day in days if not rules.is_working_day(day)]
    if weekend:
        raise Refused(
            _l(
                "%(date)s is a Saturday or Sunday: only working days (Monday to Friday) are "
                "recorded. Nothing was saved.",
                date=weekend[0].isoformat(),
            ),
            "first_day",
        )
    already = db.session.scalars(
        sa.select(AbsenceDay.day)
        .where(AbsenceDay.worker_id == worker.user_id, AbsenceDay.day.in_(sorted(set(days))))
        .order_by(AbsenceDay.day)
    ).all()
    if already:
        raise Refused(
            _l(
                "Already recorded for this worker: %(dates)s. Nothing was saved.",
                dates="、".join(day.isoformat() for day in already),
            ),
            "first_day",
        )
    records = [
        AbsenceDay(worker_id=worker.user_id, day=day, note=note, recorded_by_id=actor.id)
        for day in sorted(set(days))
    ]
    db.session.add_all(records)
    db.session.flush()
    for record in records:
        audit.record(
            "absence_day_created",
            record,
            actor=actor,
            worker_id=record.worker_id,
            after={"day": record.day.isoformat(), "note": record.note},
        )
    return records


def delete_absence(record: AbsenceDay, *, actor: User) -> None:
    """Delete a day recorded by mistake; the audit entry keeps what it was."""
    audit.record(
        "absence_day_deleted",
        record,
        actor=actor,
        worker_id=record.worker_id,
        before={"day": record.day.isoformat(), "note": record.note},
    )
    db.session.delete(record)
    db.session.flush()
