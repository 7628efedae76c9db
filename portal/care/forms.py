"""Care forms: a benefit recorded by the street, leave days, a care-fund application, a decision.

Every message is an English msgid translated to Chinese; WTForms' own English messages
never reach the page (choice and number parsing are checked here).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from portal.care.operations import CareData
from portal.enums import CareKind
from portal.labels import label
from portal.timeutil import local_today
from portal.web.forms import LocalDateField, PortalForm, at_most, parse_tenths, validated

# What the street records on this page; the care fund is applied for by the worker.
ADMIN_KINDS = (
    CareKind.HEALTH_CHECK,
    CareKind.ANNUAL_LEAVE,
    CareKind.RECUPERATION,
    CareKind.FESTIVAL_VISIT,
    CareKind.SUBSIDY,
    CareKind.CERTIFICATE_ALLOWANCE,
)
IN_DAYS = frozenset({CareKind.ANNUAL_LEAVE, CareKind.RECUPERATION})
IN_YUAN = frozenset(
    {CareKind.FESTIVAL_VISIT, CareKind.SUBSIDY, CareKind.CERTIFICATE_ALLOWANCE, CareKind.CARE_FUND}
)
QUANTITY_REQUIRED = frozenset(
    {CareKind.ANNUAL_LEAVE, CareKind.RECUPERATION, CareKind.SUBSIDY, CareKind.CERTIFICATE_ALLOWANCE}
)
MAX_DAYS = Decimal(366)
MAX_YUAN = Decimal(1_000_000)
MAX_LEAVE_DAYS = Decimal(365)
EARLIEST = date(2000, 1, 1)
_LARGEST = Decimal(10**9)  # above every bound of these forms
PROOF_ACCEPT = "image/jpeg,image/png,image/webp,image/*,application/pdf"


def parse_quantity(text: str | None) -> Decimal | None:
    """Return days or yuan as typed ("2,000" too): ≥ 0, one decimal at most; None if blank."""
    return parse_tenths(text, maximum=_LARGEST, ignore=",，")


def _quantity_or_refuse(text: str | None, message: str) -> Decimal | None:
    """Return parse_quantity(text), or refuse the field with ``message``."""
    try:
        return parse_quantity(text)
    except ValueError as error:
        raise ValidationError(message) from error


class CareRecordForm(PortalForm):
    """A benefit for one worker or several at once (e.g. a festival visit)."""

    kind = SelectField(_l("What"), validate_choice=False)
    workers = SelectMultipleField(_l("Workers"), validate_choice=False)
    occurred_on = LocalDateField(
        _l("Date"),
        validators=[InputRequired(_l("Enter a date."))],
        format="%Y-%m-%d",
        invalid_value_message=_l("Enter a date as YYYY-MM-DD."),
    )
    quantity = StringField(
        _l("Days or amount"),
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 12},
    )
    note = StringField(
        _l("Note"),
        validators=[at_most(300)],
        render_kw={"maxlength": 300, "autocomplete": "off"},
    )

    def __init__(self, *args, team: Sequence[tuple[int, str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.team = list(team)
        self.kind.choices = [(kind.value, label(kind)) for kind in ADMIN_KINDS]
        self.workers.choices = [(str(worker_id), name) for worker_id, name, _c in self.team]
        today = local_today()
        self.occurred_on.render_kw = {"type": "date", "max": today.isoformat()}

    @property
    def chosen_kind(self) -> CareKind | None:
        """Return the kind chosen, if it is one of the list."""
        try:
            kind = CareKind(self.kind.data or "")
        except ValueError:
            return None
        return kind if kind in ADMIN_KINDS else None

    @property
    def worker_ids(self) -> list[int]:
        """Return the chosen workers' ids (valid after validation)."""
        return [int(value) for value in self.workers.data or [] if value]

    def validate_kind(self, field) -> None:
        """Refuse a kind that is not on the list."""
        if self.chosen_kind is None:
            raise ValidationError(_l("Choose what to record from the list."))

    def validate_workers(self, field) -> None:
        """Require at least one worker, each of the admin's street."""
        chosen = [value for value in field.data or [] if value]
        if not chosen:
            raise ValidationError(_l("Choose at least one worker."))
        allowed = {str(worker_id) for worker_id, _n, _c in self.team}
        if any(value not in allowed for value in chosen):
            raise ValidationError(_l("Choose workers of your street from the list."))

    def validate_occurred_on(self, field) -> None:
        """Accept dates from 2000 to today (what happened, not what is planned)."""
        if field.data is None:
            return
        if field.data > local_today():
            raise ValidationError(_l("The date cannot be in the future."))
        if field.data < EARLIEST:
            raise ValidationError(_l("The date cannot be before 2000."))

    def validate_quantity(self, field) -> None:
        """Check days or yuan by kind: required where the kind has a number."""
        kind = self.chosen_kind
        if kind is None:
            return
        value = _quantity_or_refuse(
            field.data, _l("Enter a number with one decimal at most, e.g. 2 or 1.5.")
        )
        if value is None:
            if kind in QUANTITY_REQUIRED:
                if kind in IN_DAYS:
                    raise ValidationError(_l("Enter the number of days."))
                raise ValidationError(_l("Enter the amount in yuan."))
            return
        if kind not in IN_DAYS and kind not in IN_YUAN:
            raise ValidationError(_l("A health check has no days or amount: leave this blank."))
        if kind in IN_DAYS and not 0 < value <= MAX_DAYS:
            raise ValidationError(_l("Days must be more than 0 and at most 366."))
        if kind in IN_YUAN and not 0 < value <= MAX_YUAN:
            raise ValidationError(_l("The amount must be more than 0 and at most 1,000,000 yuan."))

    def care_data(self) -> CareData:
        """Return the cleaned values."""
        return CareData(
            kind=validated(self.chosen_kind),
            occurred_on=validated(self.occurred_on.data),
            quantity=parse_quantity(self.quantity.data),
            note=(self.note.data or "").strip() or None,
        )


class LeaveForm(PortalForm):
    """The leave-days table: one input per worker, read by the view (CSRF here)."""


def parse_leave_days(text: str | None) -> Decimal | None:
    """Return annual leave days 0–365 (one decimal) or None for blank; ValueError if not."""
    value = parse_quantity(text)
    if value is not None and value > MAX_LEAVE_DAYS:
        raise ValueError(text)
    return value


class FundApplicationForm(PortalForm):
    """A worker's application to the care fund (关爱基金) [000 三, 003 §14]."""

    reason = TextAreaField(
        _l("Why you apply"),
        validators=[
            InputRequired(_l("Say what happened: a work injury, an illness, a hardship.")),
            at_most(300),
        ],
        render_kw={"rows": 4, "maxlength": 300},
    )
    amount = StringField(
        _l("Amount (yuan)"),
        validators=[InputRequired(_l("Enter the amount in yuan."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 12},
    )
    attachment = FileField(
        _l("Proof (photo or PDF, optional)"),
        render_kw={"accept": PROOF_ACCEPT},
    )

    def validate_reason(self, field) -> None:
        """Refuse a reason of blanks only."""
        if not (field.data or "").strip():
            raise ValidationError(_l("Say what happened: a work injury, an illness, a hardship."))

    def validate_amount(self, field) -> None:
        """Accept more than 0 and at most 1,000,000 yuan, one decimal at most."""
        value = _quantity_or_refuse(
            field.data, _l("Enter the amount in yuan as a number, e.g. 2000 or 1500.5.")
        )
        if value is None or not 0 < value <= MAX_YUAN:
            raise ValidationError(_l("The amount must be more than 0 and at most 1,000,000 yuan."))

    @property
    def amount_value(self) -> Decimal:
        """Return the amount (valid after validation)."""
        return validated(parse_quantity(self.amount.data))

    @property
    def file(self):
        """Return the attached file, or None when nothing was attached."""
        data = self.attachment.data
        if data is None or not getattr(data, "filename", None):
            return None
        return data


class DecisionForm(PortalForm):
    """The street's decision on an application; a rejection says why."""

    comment = TextAreaField(
        _l("Comment to the worker"),
        validators=[at_most(300)],
        render_kw={"rows": 2, "maxlength": 300},
    )

    def __init__(self, *args, rejecting: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rejecting = rejecting

    def validate_comment(self, field) -> None:
        """Require a comment when rejecting: the worker is told why."""
        if self.rejecting and not (field.data or "").strip():
            raise ValidationError(
                _l("Say why the application is rejected; the worker will see it.")
            )

    @property
    def comment_text(self) -> str | None:
        """Return the comment, or None."""
        return (self.comment.data or "").strip() or None
