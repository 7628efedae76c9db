"""Reads for the audit-log viewer: entries of the admin's street, filtered, newest first.

Which street an entry belongs to (the viewer's scoping rule):

1. An entry about a worker belongs to that worker's street (the street of their
   community today). The worker is the subject itself (a worker's record or account),
   or the worker a record belongs to (an appraisal, a care record, a certificate, an
   attendance, a talk and its follow-ups, a mentoring session or pairing…), or, for
   other subjects, the ``worker_id`` written in the entry's detail.
2. An entry about no worker belongs to the street it names (an import's subject is the
   street), or a training's street.
3. Anything else belongs to the street of the user who acted (an admin's own password
   change, for example).

So a street admin sees every write to their workers' records, and every read of their
workers' talk notes, whoever did it; a worker who moves street takes the history along.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.audit import subjects
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import GradeChange, User, WorkerProfile
from portal.timeutil import LOCAL_TZ

PER_PAGE = 50
MAX_TEXT = 40

# The people's own records; the domains' records register themselves (audit.subjects).
_PEOPLE_WORKER_OF = {
    "User": subjects.Owner(User, "id"),
    "WorkerProfile": subjects.Owner(WorkerProfile, "user_id"),
    "GradeChange": subjects.Owner(GradeChange, "worker_id"),
}
_STREET_ITSELF = ("Street",)


_When = tuple[sa.ColumnElement[bool], sa.ColumnExpressionArgument[Any]]


def _whens(owners: dict[str, subjects.Owner]) -> list[_When]:
    """Return (subject type is X, owner id of the subject) for each registered type."""
    whens: list[_When] = []
    for name, owner in owners.items():
        if owner.is_itself:
            whens.append((AuditEntry.subject_type == name, AuditEntry.subject_id))
            continue
        model = owner.model
        owner_id = (
            sa.select(getattr(model, owner.column))
            .where(model.id == AuditEntry.subject_id)
            .correlate(AuditEntry)
            .scalar_subquery()
        )
        whens.append((AuditEntry.subject_type == name, owner_id))
    return whens


def subject_worker_id() -> sa.ColumnElement:
    """Return the id of the worker an entry is about (NULL when about no worker)."""
    whens = _whens({**_PEOPLE_WORKER_OF, **subjects.WORKER_OF})
    # A deleted record is gone from its table: the entry's own detail names the worker.
    from_detail = AuditEntry.detail["worker_id"].as_integer()
    return sa.func.coalesce(sa.case(*whens), from_detail)


def _entry_street(worker_street, actor_street) -> sa.ColumnElement:
    named_street = sa.case(
        (AuditEntry.subject_type.in_(_STREET_ITSELF), AuditEntry.subject_id),
        *_whens(subjects.STREET_OF),
    )
    return sa.func.coalesce(worker_street, named_street, actor_street)


@dataclass(frozen=True)
class AuditFilter:
    """What the admin chose above the log."""

    actor: str = ""  # name or phone of who acted
    action: str = ""
    worker: str = ""  # name, phone or staff number of the worker concerned
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        """Return whether any filter is set."""
        return bool(self.actor or self.action or self.worker or self.date_from or self.date_to)


@dataclass(frozen=True)
class EntryRow:
    """An entry with the names the list shows."""

    entry: AuditEntry
    actor_name: str | None
    worker_id: int | None
    worker_name: str | None
    community: str | None


@dataclass(frozen=True)
class AuditPage:
    """One page of entries, newest first, and whether older ones exist."""

    rows: list[EntryRow]
    has_older: bool
    before: int | None  # the id the page started below, if any

    @property
    def next_before(self) -> int | None:
        """Return the id to pass as ``before`` for the next (older) page."""
        return self.rows[-1].entry.id if self.rows and self.has_older else None


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def _matches(columns, text: str):
    return sa.or_(*(column.contains(text, autoescape=True) for column in columns))


def audit_page(scope, filters: AuditFilter, *, before: int | None = None) -> AuditPage:
    """Return a page of the entries in scope that match the filters (one query)."""
    Actor = aliased(User, name="actor")
    Subject = aliased(User, name="subject_user")
    about = subject_worker_id().label("about")
    entries = sa.select(AuditEntry.id.label("id"), about).subquery("about_worker")
    statement = (
        sa.select(AuditEntry, Actor.name, entries.c.about, Subject.name, Community.name)
        .join(entries, entries.c.id == AuditEntry.id)
        .outerjoin(Actor, Actor.id == AuditEntry.actor_id)
        .outerjoin(WorkerProfile, WorkerProfile.user_id == entries.c.about)
        .outerjoin(Subject, Subject.id == entries.c.about)
        .outerjoin(Community, Community.id == WorkerProfile.community_id)
        .where(scope.street_condition(_entry_street(Community.street_id, Actor.street_id)))
        .order_by(AuditEntry.id.desc())
        .limit(PER_PAGE + 1)
    )
    if before is not None:
        statement = statement.where(AuditEntry.id < before)
    if filters.action:
        statement = statement.where(AuditEntry.action == filters.action)
    if filters.actor:
        statement = statement.where(_matches((Actor.name, Actor.phone), filters.actor))
    if filters.worker:
        statement = statement.where(
            _matches((Subject.name, Subject.phone, Subject.staff_no), filters.worker)
        )
    if filters.date_from is not None:
        statement = statement.where(AuditEntry.created_at >= _local_start(filters.date_from))
    if filters.date_to is not None:
        end = _local_start(filters.date_to + timedelta(days=1))
        statement = statement.where(AuditEntry.created_at < end)
    rows = [EntryRow(*row) for row in db.session.execute(statement)]
    return AuditPage(rows=rows[:PER_PAGE], has_older=len(rows) > PER_PAGE, before=before)
