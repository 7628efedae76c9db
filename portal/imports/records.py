"""Imports of a worker's records: appraisals, certificates and care records.

Each row names a worker of the admin's street (name plus phone or staff number) and is
matched to an existing record on its key — worker+year (appraisals), kind+number
(certificates), worker+kind+date (care) — so a second import of the same file finds
every row unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.appraisal.models import Appraisal
from portal.audit.models import AuditEntry
from portal.care.models import CareRecord
from portal.certificates.models import Certificate
from portal.enums import CareKind, CareStatus
from portal.extensions import db
from portal.imports.common import KnownWorker, Planner, WorkerIndex, batches, display
from portal.imports.reader import ParsedRow
from portal.imports.report import Change, FieldChange
from portal.imports.templates import COLUMNS, Kind
from portal.people.record import plain

_QUANTITY_REQUIRED = {
    CareKind.ANNUAL_LEAVE,
    CareKind.RECUPERATION,
    CareKind.CARE_FUND,
    CareKind.SUBSIDY,
    CareKind.CERTIFICATE_ALLOWANCE,
}
_IN_DAYS = {CareKind.ANNUAL_LEAVE, CareKind.RECUPERATION}
_MAX_DAYS = Decimal(366)


class RecordPlanner(Planner):
    """Plan rows that each create or update one record of a worker."""

    kind: Kind
    model: type
    fields: tuple[str, ...]  # what the file sets; a blank cell keeps the stored value
    action: str  # audit action prefix

    def plan(self, rows: Sequence[ParsedRow]) -> None:
        """Resolve each row's worker, check it, and match it to an existing record."""
        self.creates: list[tuple[KnownWorker, dict[str, Any]]] = []
        self.updates: list[tuple[Any, dict[str, tuple[Any, Any]]]] = []
        self.headers = {column.key: column.header for column in COLUMNS[self.kind]}
        index = WorkerIndex(rows, self.context.street.id)
        resolved = [(row, index.resolve(row)) for row in rows]
        existing = self.load_existing(
            {worker.user_id for _row, worker in resolved if worker is not None}, rows
        )
        seen: dict[tuple, int] = {}
        for row, worker in resolved:
            if worker is not None and not row.errors:
                self._plan_row(row, worker, existing, seen)
            self.finish(row)

    def _plan_row(self, row: ParsedRow, worker: KnownWorker, existing: dict, seen: dict) -> None:
        values = row.values
        key = self.key(worker, values)
        if key in seen:
            row.fail(None, _("The same record is already on row %(other)d.", other=seen[key]))
            return
        seen[key] = row.number
        record = existing.get(key)
        self.check(row, values, record)
        if row.errors:
            return
        subject = self.subject(worker, values)
        if record is None:
            self.creates.append((worker, values))
            self.report.created.append(Change(row.number, subject))
            return
        changed = {
            name: (getattr(record, name), values[name])
            for name in self.fields
            if values.get(name) is not None and getattr(record, name) != values[name]
        }
        if not changed:
            self.report.unchanged += 1
            return
        self.refuse_change(row, record, worker)
        if row.errors:
            return
        self.updates.append((record, changed))
        fields = tuple(
            FieldChange(self.headers[name], display(old), display(new))
            for name, (old, new) in changed.items()
        )
        self.report.updated.append(Change(row.number, subject, fields))

    # -- per kind ---------------------------------------------------------------------

    def key(self, worker: KnownWorker, values: dict[str, Any]) -> tuple:  # pragma: no cover
        """Return the key a row is matched on."""
        raise NotImplementedError

    def load_existing(self, worker_ids: set[int], rows: Sequence[ParsedRow]) -> dict:
        """Return the existing records the rows may match, by key (batched reads)."""
        raise NotImplementedError  # pragma: no cover

    def check(self, row: ParsedRow, values: dict[str, Any], record: Any) -> None:
        """Record the row's problems beyond single cells."""

    def refuse_change(self, row: ParsedRow, record: Any, worker: KnownWorker) -> None:
        """Record why an existing record may not be changed by an import, if so."""

    def subject(self, worker: KnownWorker, values: dict[str, Any]) -> str:  # pragma: no cover
        """Return how the preview names the record."""
        raise NotImplementedError

    def new_record(self, worker: KnownWorker, values: dict[str, Any]) -> Any:  # pragma: no cover
        """Return a new record for a row."""
        raise NotImplementedError

    # -- writing ------------------------------------------------------------------------

    def apply(self) -> None:
        """Create and update the planned records, each with an audit entry."""
        actor_id = getattr(self.context.actor, "id", None)
        created = [self.new_record(worker, values) for worker, values in self.creates]
        db.session.add_all(created)
        db.session.flush()
        entries = [
            self._audit(
                f"{self.action}_created",
                record,
                actor_id,
                after={name: plain(getattr(record, name)) for name in self._audited},
            )
            for record in created
        ]
        for record, changed in self.updates:
            for name, (_old, new) in changed.items():
                setattr(record, name, new)
            entries.append(
                self._audit(
                    f"{self.action}_updated",
                    record,
                    actor_id,
                    before={name: plain(old) for name, (old, _new) in changed.items()},
                    after={name: plain(new) for name, (_old, new) in changed.items()},
                )
            )
        db.session.add_all(entries)
        db.session.flush()

    @property
    def _audited(self) -> tuple[str, ...]:
        return ("worker_id", *self.key_fields, *self.fields)

    key_fields: tuple[str, ...] = ()

    def _audit(self, action: str, record: Any, actor_id: int | None, **detail) -> AuditEntry:
        return AuditEntry(
            actor_id=actor_id,
            action=action,
            subject_type=type(record).__name__,
            subject_id=record.id,
            detail={"via": "import", "worker_id": record.worker_id, **detail},
        )

    def future(self, row: ParsedRow, key: str, value: date) -> None:
        """Record that a date lies in the future."""
        column = self.headers[key]
        row.fail(
            column,
            _("%(column)s %(value)s is in the future.", column=column, value=value.isoformat()),
        )


class AppraisalPlanner(RecordPlanner):
    """Appraisal results, one per worker and year; set here, published elsewhere."""

    kind = Kind.APPRAISALS
    model = Appraisal
    fields = ("result", "score", "comment")
    key_fields = ("year",)
    action = "appraisal"

    def key(self, worker, values):
        """Match on worker and year."""
        return (worker.user_id, values["year"])

    def load_existing(self, worker_ids, rows):
        """Load the appraisals of the named workers."""
        found = {}
        for batch in batches(sorted(worker_ids)):
            statement = sa.select(Appraisal).where(Appraisal.worker_id.in_(batch))
            for appraisal in db.session.scalars(statement):
                found[(appraisal.worker_id, appraisal.year)] = appraisal
        return found

    def check(self, row, values, record):
        """Refuse a year that has not begun."""
        if values["year"] > self.context.today.year:
            row.fail(
                "年度",
                _(
                    "%(column)s %(value)s is in the future.",
                    column="年度",
                    value=str(values["year"]),
                ),
            )

    def refuse_change(self, row, record, worker):
        """Refuse to change a published result: that takes the appraisals page and a reason."""
        if record.published_at is not None:
            row.fail(
                "考核结果",
                _(
                    "The %(year)d result of %(name)s is already published: change it on the "
                    "appraisals page, with a reason.",
                    year=record.year,
                    name=worker.name,
                ),
            )

    def subject(self, worker, values):
        """Name the worker and the year."""
        return f"{worker.name}（{worker.phone}） {values['year']}"

    def new_record(self, worker, values):
        """Return an unpublished appraisal."""
        return Appraisal(
            worker_id=worker.user_id,
            year=values["year"],
            result=values["result"],
            score=values.get("score"),
            comment=values.get("comment"),
            published_at=None,
        )


class CertificatePlanner(RecordPlanner):
    """Certificates, unique by kind and number."""

    kind = Kind.CERTIFICATES
    model = Certificate
    fields = ("issued_on", "expires_on", "registered_on", "issuer")
    key_fields = ("kind", "number")
    action = "certificate"

    def key(self, worker, values):
        """Match on kind and number, whoever holds it."""
        return (values["kind"], values["number"])

    def load_existing(self, worker_ids, rows):
        """Load the certificates with the file's numbers."""
        numbers = sorted({row.values["number"] for row in rows if row.values.get("number")})
        found = {}
        for batch in batches(numbers):
            statement = sa.select(Certificate).where(Certificate.number.in_(batch))
            for certificate in db.session.scalars(statement):
                found[(certificate.kind, certificate.number)] = certificate
        return found

    def check(self, row, values, record):
        """Issued in the past; expiry and registration not before the issue."""
        today = self.context.today
        issued = values["issued_on"]
        if issued > today:
            self.future(row, "issued_on", issued)
        for key in ("expires_on", "registered_on"):
            later = values.get(key) or (getattr(record, key) if record is not None else None)
            if later is not None and later < issued:
                column = self.headers[key]
                row.fail(
                    column,
                    _(
                        "%(column)s %(value)s is before the issue date.",
                        column=column,
                        value=later.isoformat(),
                    ),
                )

    def _plan_row(self, row, worker, existing, seen):
        # A certificate already on another worker's file is not moved by an import.
        record = existing.get(self.key(worker, row.values))
        if record is not None and record.worker_id != worker.user_id:
            row.fail(
                "证书编号",
                _(
                    "%(column)s %(value)s is already recorded for another worker.",
                    column="证书编号",
                    value=row.values["number"],
                ),
            )
            return
        super()._plan_row(row, worker, existing, seen)

    def subject(self, worker, values):
        """Name the worker and the certificate."""
        return f"{worker.name}（{worker.phone}） {display(values['kind'])} {values['number']}"

    def new_record(self, worker, values):
        """Return a new certificate."""
        return Certificate(
            worker_id=worker.user_id,
            kind=values["kind"],
            number=values["number"],
            issued_on=values["issued_on"],
            expires_on=values.get("expires_on"),
            registered_on=values.get("registered_on"),
            issuer=values.get("issuer"),
        )


class CarePlanner(RecordPlanner):
    """Care records (leave taken, health checks, visits, fund, subsidies), done."""

    kind = Kind.CARE
    model = CareRecord
    fields = ("quantity", "note")
    key_fields = ("kind", "occurred_on")
    action = "care_record"

    def key(self, worker, values):
        """Match on worker, kind and date."""
        return (worker.user_id, values["kind"], values["occurred_on"])

    def load_existing(self, worker_ids, rows):
        """Load the named workers' records of the kinds in the file."""
        kinds = sorted({row.values["kind"] for row in rows if row.values.get("kind")})
        found: dict = {}
        if not kinds:
            return found
        for batch in batches(sorted(worker_ids)):
            statement = (
                sa.select(CareRecord)
                .where(CareRecord.worker_id.in_(batch), CareRecord.kind.in_(kinds))
                .order_by(CareRecord.id)
            )
            for record in db.session.scalars(statement):
                found.setdefault((record.worker_id, record.kind, record.occurred_on), record)
        return found

    def check(self, row, values, record):
        """Check the date, and the quantity where the kind needs one (days or yuan)."""
        today = self.context.today
        occurred = values["occurred_on"]
        if not 2000 <= occurred.year <= today.year + 1:
            row.fail(
                "日期",
                _(
                    "%(column)s %(value)s is out of range.",
                    column="日期",
                    value=occurred.isoformat(),
                ),
            )
        kind, quantity = values["kind"], values.get("quantity")
        if quantity is None and record is None and kind in _QUANTITY_REQUIRED:
            row.fail(
                "数量",
                _(
                    "%(column)s is empty: %(kind)s needs the number of days or the amount.",
                    column="数量",
                    kind=display(kind),
                ),
            )
        if quantity is not None and kind in _IN_DAYS and quantity > _MAX_DAYS:
            row.fail(
                "数量",
                _(
                    "%(column)s %(value)s is more days than a year has.",
                    column="数量",
                    value=display(quantity),
                ),
            )

    def refuse_change(self, row, record, worker):
        """Refuse to change an application awaiting or refused a decision (the care page's)."""
        if record.status in {CareStatus.APPLIED, CareStatus.REJECTED}:
            row.fail(
                None,
                _("This record is an application: decide it on the care page, not by import."),
            )

    def subject(self, worker, values):
        """Name the worker, the kind and the date."""
        kind, occurred = display(values["kind"]), values["occurred_on"].isoformat()
        return f"{worker.name}（{worker.phone}） {kind} {occurred}"

    def new_record(self, worker, values):
        """Return a care record that is done."""
        return CareRecord(
            worker_id=worker.user_id,
            kind=values["kind"],
            year=values["occurred_on"].year,
            occurred_on=values["occurred_on"],
            quantity=values.get("quantity"),
            note=values.get("note"),
            status=CareStatus.DONE,
        )
