"""Import of unexcused absence (旷工): one row per working day, matched on worker and day."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.absence import rules
from portal.absence.models import AbsenceDay
from portal.imports.records import RecordPlanner
from portal.imports.templates import Kind


class AbsencePlanner(RecordPlanner):
    """Days of unexcused absence, one per row [003 §11(5)]."""

    kind = Kind.ABSENCE
    model = AbsenceDay
    fields = ("note",)
    key_fields = ("day",)
    action = "absence_day"

    def key(self, worker, values):
        """Match on worker and day."""
        return (worker.user_id, values["day"])

    def load_existing(self, worker_ids, rows):
        """Load the named workers' recorded days."""
        return self.load_batched(AbsenceDay.worker_id, worker_ids, lambda r: (r.worker_id, r.day))

    def check(self, row, values, record):
        """Refuse a day in the future, before 2000, or on a Saturday or Sunday."""
        day = values["day"]
        column = self.headers["day"]
        if day > self.context.today:
            self.future(row, "day", day)
        elif day.year < 2000:
            row.fail(
                column,
                _("%(column)s %(value)s is out of range.", column=column, value=day.isoformat()),
            )
        elif not rules.is_working_day(day):
            row.fail(
                column,
                _(
                    "%(column)s %(value)s is a Saturday or Sunday: only working days "
                    "(Monday to Friday) are recorded.",
                    column=column,
                    value=day.isoformat(),
                ),
            )

    def subject(self, worker, values):
        """Name the worker and the day."""
        return f"{worker.name}（{worker.phone}） {values['day'].isoformat()}"

    def new_values(self, values):
        """Record who imported the day."""
        return {"recorded_by_id": getattr(self.context.actor, "id", None)}
