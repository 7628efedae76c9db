"""Import of appraisal results: one per worker and year, entered here, published elsewhere."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.appraisal.models import Appraisal
from portal.imports.records import RecordPlanner
from portal.imports.templates import Kind


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
        return self.load_batched(Appraisal.worker_id, worker_ids, lambda a: (a.worker_id, a.year))

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

    def new_values(self, values):
        """Leave a new result unpublished."""
        return {"published_at": None}
