"""Forms: a worker's submission, and the street admin's approve / reject."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, StopValidation

from portal.enums import TrainingKind
from portal.outside import rules
from portal.outside.operations import SubmissionData
from portal.timeutil import local_today
from portal.web.forms import LocalDateField, PortalForm, at_most, validated, vocabulary_choices

# Phones offer the camera, the photo library and files for this; `capture` would force
# the camera and hide PDFs, so it is left out on purpose.
PROOF_ACCEPT = "image/jpeg,image/png,image/webp,image/*,application/pdf"


class SubmissionForm(PortalForm):
    """Training done elsewhere, with a photo or PDF of the certificate or record."""

    title = StringField(
        _l("Training name"),
        validators=[
            DataRequired(_l("Enter the training's name.")),
            at_most(200),
        ],
    )
    kind = SelectField(_l("Kind of training"), default=TrainingKind.ONLINE.value)
    organiser = StringField(
        _l("Organised by"),
        validators=[
            DataRequired(_l("Enter who organised the training.")),
            at_most(200),
        ],
        render_kw={"placeholder": _l("e.g. provincial civil affairs department")},
    )
    hours = StringField(
        _l("Hours (学时)"),
        validators=[InputRequired(_l("Enter the hours, e.g. 2 or 1.5."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    completed_on = LocalDateField(
        _l("Completed on"),
        validators=[InputRequired(_l("Enter the date you completed it."))],
        invalid_value_message=_l("Enter the date as year-month-day."),
    )
    proof = FileField(
        _l("Certificate or record (photo or PDF)"),
        validators=[FileRequired(_l("Attach a photo or PDF of the certificate or record."))],
        render_kw={"accept": PROOF_ACCEPT},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = vocabulary_choices(TrainingKind)
        today = local_today()
        self.completed_on.render_kw = {
            "type": "date",
            "min": rules.earliest_completion(today).isoformat(),
            "max": today.isoformat(),
        }

    def validate_kind(self, field) -> None:
        """Refuse a kind that is not on the list."""
        if field.data not in {kind.value for kind in TrainingKind}:
            raise StopValidation(_l("Choose the kind of training from the list."))

    def validate_hours(self, field) -> None:
        """Accept 0.5 to 200 hours with at most one decimal."""
        value = rules.parse_hours(field.data)
        if value is None:
            raise StopValidation(_l("Enter the hours as a number, e.g. 2 or 1.5."))
        if not rules.MIN_HOURS <= value <= rules.MAX_HOURS:
            raise StopValidation(
                _l(
                    "Hours must be between %(low)s and %(high)s.",
                    low=rules.MIN_HOURS,
                    high=rules.MAX_HOURS,
                )
            )
        if not rules.has_one_decimal_at_most(value):
            raise StopValidation(_l("Give the hours with one decimal at most, e.g. 1.5."))

    def validate_completed_on(self, field) -> None:
        """Accept dates from 1 January of last year to today (Asia/Shanghai)."""
        if field.data is None:
            return  # not a date: the field already says so
        today = local_today()
        if field.data > today:
            raise StopValidation(_l("The completion date cannot be in the future."))
        earliest = rules.earliest_completion(today)
        if field.data < earliest:
            raise StopValidation(
                _l(
                    "Only training completed since %(date)s can be submitted.",
                    date=earliest.isoformat(),
                )
            )

    def submission_data(self) -> SubmissionData:
        """Return the cleaned values for the operation (once the form validated)."""
        return {
            "title": validated(self.title.data).strip(),
            "kind": TrainingKind(self.kind.data),
            "organiser": validated(self.organiser.data).strip(),
            "hours": validated(rules.parse_hours(self.hours.data)),
            "completed_on": validated(self.completed_on.data),
        }


class RejectForm(PortalForm):
    """Reject a submission; the worker is told why."""

    reason = TextAreaField(
        _l("Reason for rejecting"),
        validators=[
            DataRequired(_l("Say why the submission is rejected; the worker will see it.")),
            at_most(300),
        ],
        render_kw={"rows": 2},
    )
