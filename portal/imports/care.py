"""Import of care records (leave taken, health checks, visits, fund, subsidies), as done."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from portal.care.models import CareRecord
from portal.enums import CareKind, CareStatus
from portal.imports.common import display
from portal.imports.records import RecordPlanner
from portal.imports.templates import Kind

_QUANTITY_REQUIRED = {
    CareKind.ANNUAL_LEAVE,
    CareKind.RECUPERATION,
    CareKind.CARE_FUND,
    CareKind.SUBSIDY,
    CareKind.CERTIFICATE_ALLOWANCE,
}
_IN_DAYS = {CareKind.ANNUAL_LEAVE, CareKind.RECUPERATION}
_MAX_DAYS = Decimal(366)


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
        if not kinds:
            return {}
        return self.load_batched(
            CareRecord.worker_id,
            worker_ids,
            lambda r: (r.worker_id, r.kind, r.occurred_on),
            CareRecord.kind.in_(kinds),
        )

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

    def new_values(self, values):
        """File a new record under the year of its date, as done."""
        return {"year": values["occurred_on"].year, "status": CareStatus.DONE}
