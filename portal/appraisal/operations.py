"""Appraisal writes: enter a result in the street's grid, publish a year. Flush, never commit.

Every write is audited with the values before and after. Once a street has published a
year, a change needs a reason (kept in the audit entry), and a result entered then is
published at once. Publishing, and correcting a published result, sends a signal
(``portal.signals``); notifications tells each worker once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.appraisal.models import Appraisal
from portal.audit import operations as audit
from portal.enums import AppraisalResult
from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import User, WorkerProfile
from portal.refusals import Refused
from portal.signals import appraisal_changed, appraisal_published, total

# A published year's result changes only with a reason; a published result is corrected,
# never removed; two admins saving one new row at once: the second is told.
REASON_REQUIRED = _l("The results are published: give a reason for the change.")
CANNOT_REMOVE = _l("A published result cannot be removed; choose the corrected result instead.")
SAVED_MEANWHILE = _l("Someone else saved this row at the same time. Reload the page to see it.")


class Outcome(enum.StrEnum):
    """What saving a row did."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ResultData:
    """A row of the grid as entered: no result means "not entered"."""

    result: AppraisalResult | None
    score: Decimal | None
    comment: str | None


@dataclass(frozen=True)
class Saved:
    """The outcome of saving a row, and whether the worker was told."""

    outcome: Outcome
    appraisal: Appraisal | None
    notified: bool = False


@dataclass(frozen=True)
class PublishReport:
    """What publishing a year did."""

    published: int  # results newly published
    notified: int  # inbox notices newly issued


_FIELDS = ("result", "score", "comment")


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _values(appraisal: Appraisal | None) -> dict:
    if appraisal is None:
        return {}
    return {name: _plain(getattr(appraisal, name)) for name in _FIELDS}


def _same_score(old: Decimal | None, new: Decimal | None) -> bool:
    if old is None or new is None:
        return old is new
    return Decimal(old) == Decimal(new)


def _changed(appraisal: Appraisal, data: ResultData) -> bool:
    return (
        appraisal.result != data.result
        or not _same_score(appraisal.score, data.score)
        or (appraisal.comment or None) != (data.comment or None)
    )


def save_result(
    worker: WorkerProfile,
    year: int,
    data: ResultData,
    *,
    existing: Appraisal | None,
    year_published: bool,
    reason: str | None,
    actor: User,
    now: datetime,
) -> Saved:
    """Create, change or remove a worker's result for a year.

    Refuses (``Refused``) a change to a published year (or result) without a reason, the
    removal of a published result, and a row another admin created meanwhile (409).
    """
    published = year_published or (existing is not None and existing.published_at is not None)
    if data.result is None:
        if existing is None:
            return Saved(Outcome.UNCHANGED, None)
        if existing.published_at is not None:
            raise Refused(CANNOT_REMOVE, "result")
        if published and not reason:
            raise Refused(REASON_REQUIRED, "reason")
        before = _values(existing)
        appraisal_id = existing.id
        db.session.delete(existing)
        db.session.flush()
        audit.record(
            "appraisal_deleted",
            Appraisal(id=appraisal_id),
            actor=actor,
            worker_id=worker.user_id,
            year=year,
            before=before,
            **({"reason": reason} if reason else {}),
        )
        return Saved(Outcome.DELETED, None)
    if existing is not None and not _changed(existing, data):
        return Saved(Outcome.UNCHANGED, existing)
    if published and not reason:
        raise Refused(REASON_REQUIRED, "reason")
    before = _values(existing)
    if existing is None:
        appraisal = Appraisal(worker_id=worker.user_id, year=year, created_at=now)
        db.session.add(appraisal)
        outcome = Outcome.CREATED
    else:
        appraisal = existing
        outcome = Outcome.UPDATED
    appraisal.result = data.result
    appraisal.score = data.score
    appraisal.comment = data.comment or None
    newly_published = year_published and appraisal.published_at is None
    if newly_published:
        appraisal.published_at = now  # the year is out: a late result is out with it
    try:
        db.session.flush()
    except IntegrityError:  # the same worker and year, inserted by another admin meanwhile
        raise Refused(SAVED_MEANWHILE, "result", status=409) from None
    after = _values(appraisal)
    changed = [name for name in _FIELDS if before.get(name) != after.get(name)]
    audit.record(
        f"appraisal_{outcome.value}",
        appraisal,
        actor=actor,
        worker_id=worker.user_id,
        year=year,
        before={name: before.get(name) for name in changed} if before else {},
        after={name: after[name] for name in changed},
        published=published,
        **({"reason": reason} if reason else {}),
    )
    told, worker_id = 0, worker.user_id
    if newly_published:
        told = total(appraisal_published.send(None, worker_ids=[worker_id], year=year, now=now))
    elif published:
        told = total(appraisal_changed.send(appraisal, worker_id=worker_id, year=year, now=now))
    return Saved(outcome, appraisal, told > 0)


def publish_year(
    street: Street,
    year: int,
    *,
    actor: User,
    now: datetime,
) -> PublishReport:
    """Publish the street's results of a year that are not yet published; tell each worker.

    A conditional UPDATE publishes only unpublished rows, so two clicks (or two admins)
    publish each result once; the reminder log issues each notice once.
    """
    in_street = (
        sa.select(WorkerProfile.user_id)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(Community.street_id == street.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.update(Appraisal)
        .where(
            Appraisal.year == year,
            Appraisal.published_at.is_(None),
            Appraisal.worker_id.in_(in_street),
        )
        .values(published_at=now)
        .returning(Appraisal.worker_id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.expire_all()  # loaded appraisals learn their published_at on next access
    worker_ids = sorted(row[0] for row in rows)
    if not worker_ids:
        return PublishReport(published=0, notified=0)
    audit.record(
        "appraisals_published",
        street,
        actor=actor,
        year=year,
        results=len(worker_ids),
    )
    notified = total(appraisal_published.send(None, worker_ids=worker_ids, year=year, now=now))
    return PublishReport(published=len(worker_ids), notified=notified)
