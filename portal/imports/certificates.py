"""Import of certificates: unique by kind and number, on the file of the worker named."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.certificates.models import Certificate
from portal.imports.common import display
from portal.imports.records import RecordPlanner
from portal.imports.templates import Kind


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
        numbers = {row.values["number"] for row in rows if row.values.get("number")}
        return self.load_batched(Certificate.number, numbers, lambda c: (c.kind, c.number))

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
