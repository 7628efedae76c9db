"""What the imports of a worker's records share: match each row to a record, then write.

Each row names a worker of the admin's street (name plus phone or staff number) and is
matched to an existing record on its key — worker+year (appraisals), kind+number
(certificates), worker+kind+date (care) — so a second import of the same file finds
every row unchanged. The kinds are in appraisals.py, certificates.py and care.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import QueryableAttribute

from portal.audit.models import AuditEntry
from portal.extensions import Model, db
from portal.imports.common import KnownWorker, Planner, WorkerIndex, batches, display
from portal.imports.reader import ParsedRow
from portal.imports.report import Change, FieldChange
from portal.imports.templates import COLUMNS, Kind
from portal.people.record import plain


class RecordPlanner(Planner):
    """Plan rows that each create or update one record of a worker."""

    kind: Kind
    model: type[Model]
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

    def new_record(self, worker: KnownWorker, values: dict[str, Any]) -> Any:
        """Return a new record of the row's worker: its key and fields, and what the kind adds."""
        given = {name: values.get(name) for name in (*self.key_fields, *self.fields)}
        return self.model(worker_id=worker.user_id, **given, **self.new_values(values))

    def new_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """Return what a new record holds beyond the row's key and fields."""
        return {}

    def load_batched(
        self,
        column: sa.ColumnElement[Any] | QueryableAttribute[Any],
        values: Iterable[Any],
        key: Callable[[Any], tuple],
        *conditions: sa.ColumnElement[bool],
    ) -> dict[tuple, Any]:
        """Return the records whose ``column`` is one of ``values``, by key (batched reads).

        A key matches at most one record: each kind's table holds it unique.
        """
        found: dict[tuple, Any] = {}
        for batch in batches(sorted(values)):
            statement = sa.select(self.model).where(column.in_(batch), *conditions)
            for record in db.session.scalars(statement):
                found.setdefault(key(record), record)
        return found

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
