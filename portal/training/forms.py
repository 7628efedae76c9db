"""Forms of the trainer side: a new training, manual marks, join decisions.

Fields that parse input (date-times, hours, numbers, multiple choices) raise their own
translated messages: WTForms' built-in English messages never reach the user.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, DateTimeLocalInput, ListWidget, TextInput

from portal.enums import OrganiserLevel, PostType, TrainingKind
from portal.timeutil import LOCAL_TZ
from portal.training import rules
from portal.training.operations import TrainingData
from portal.web.forms import (
    DecimalNumberField,
    PortalForm,
    WholeNumberField,
    vocabulary_choices,
)

LONGEST_TRAINING = timedelta(days=14)
FARTHEST_AHEAD = timedelta(days=2 * 366)
MIN_HOURS, MAX_HOURS = Decimal("0.5"), Decimal("200")
MAX_CAPACITY = 100_000
T = TypeVar("T")
_LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


class LocalDateTimeField(Field):
    """A datetime-local input read as Asia/Shanghai wall time; `data` is aware UTC."""

    widget = DateTimeLocalInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data:
            return self.data.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
        return ""

    def process_formdata(self, valuelist: list[str]) -> None:  # noqa: D102
        raw = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not raw:
            return
        for fmt in _LOCAL_FORMATS:
            try:
                naive = datetime.strptime(raw, fmt)  # wall time; zone added below
            except ValueError:
                continue
            self.data = naive.replace(tzinfo=LOCAL_TZ).astimezone(UTC)
            return
        raise ValueError(_l("Enter a date and time, for example 2025-03-01 09:00."))


class HoursField(DecimalNumberField):
    """Hours with at most one decimal, typed with the decimal keypad."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault(
            "invalid_value_message", _l("Enter a number of hours, for example 3 or 2.5.")
        )
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data.normalize():f}"


def _offered(field: SelectField) -> set[object]:
    """Return the values a select offers."""
    return {value for value, _label, _selected, _attributes in field.iter_choices()}


def _validated(value: T | None) -> T:
    """Return the value of a field that validation made required."""
    if value is None:
        raise ValueError("read the data of a validated form only")
    return value


class ChoiceField(SelectField):
    """A select whose refusal of a value not offered is translated."""

    def pre_validate(self, form) -> None:  # noqa: D102
        if self.data not in _offered(self):
            raise ValidationError(_l("Choose one of the options offered."))


class CheckboxListField(SelectMultipleField):
    """Several checkboxes; values not offered (or not numbers, when coerced) are refused."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist: list[str]) -> None:  # noqa: D102
        try:
            self.data = list(dict.fromkeys(self.coerce(value) for value in valuelist))
        except (TypeError, ValueError) as error:
            self.data = []
            raise ValueError(_l("Choose only among the options offered.")) from error

    def pre_validate(self, form) -> None:  # noqa: D102
        offered = _offered(self)
        if any(value not in offered for value in self.data or ()):
            raise ValidationError(_l("Choose only among the options offered."))


class TrainingForm(PortalForm):
    """A new training: what, when, where, how many hours, and who is expected."""

    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(_l("Enter the title of the training.")),
            Length(max=200, message=_l("Keep the title under 200 characters.")),
        ],
    )
    kind = ChoiceField(_l("Kind"))
    level = ChoiceField(_l("Organised by"), default=OrganiserLevel.STREET.value)
    starts_at = LocalDateTimeField(
        _l("Starts"), validators=[InputRequired(_l("Enter when the training starts."))]
    )
    ends_at = LocalDateTimeField(
        _l("Ends"), validators=[InputRequired(_l("Enter when the training ends."))]
    )
    place = StringField(
        _l("Place"),
        validators=[Length(max=200, message=_l("Keep the place under 200 characters."))],
    )
    credited_hours = HoursField(
        _l("Credited hours (学时)"),
        validators=[
            InputRequired(_l("Enter the hours the training credits.")),
            NumberRange(MIN_HOURS, MAX_HOURS, _l("Credited hours must be between 0.5 and 200.")),
        ],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    capacity = WholeNumberField(
        _l("Capacity (optional)"),
        validators=[
            Optional(),
            NumberRange(1, MAX_CAPACITY, _l("Capacity must be a whole number from 1 to 100000.")),
        ],
        invalid_value_message=_l("Enter a whole number, for example 60."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    credits_by_time = BooleanField(
        _l("Credit hours by time present (check-in to check-out), up to the hours above")
    )
    whole_street = BooleanField(_l("All workers of the street"))
    communities = CheckboxListField(_l("Communities"), coerce=int)
    post_types = CheckboxListField(_l("Post types"))
    workers = CheckboxListField(_l("Named workers"), coerce=int)
    trainers = CheckboxListField(_l("Trainers who may run check-in (optional)"), coerce=int)

    def __init__(self, *args, communities=(), workers=(), trainers=(), now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = vocabulary_choices(TrainingKind)
        self.level.choices = vocabulary_choices(OrganiserLevel)
        self.post_types.choices = vocabulary_choices(PostType)
        self.communities.choices = [(c.id, c.name) for c in communities]
        self.workers.choices = [(w.user_id, f"{w.name} · {w.community}") for w in workers]
        self.trainers.choices = [(t.id, t.name) for t in trainers]
        self._now = now
        self.audience_errors: list[str] = []

    def validate_ends_at(self, field) -> None:
        """Refuse an end before the start, a training over 14 days, or one long over."""
        starts, ends = self.starts_at.data, field.data
        if starts is None or ends is None:
            return
        if ends <= starts:
            raise ValidationError(_l("The end must be after the start."))
        if ends - starts > LONGEST_TRAINING:
            raise ValidationError(_l("A training can last at most 14 days."))
        if self._now is not None and ends < self._now - rules.LATE_SYNC_ALLOWANCE:
            raise ValidationError(
                _l("This training is already over; attendance could no longer be recorded.")
            )

    def validate_starts_at(self, field) -> None:
        """Refuse a start years ahead (a typo in the year)."""
        if field.data and self._now is not None and field.data > self._now + FARTHEST_AHEAD:
            raise ValidationError(_l("The start is more than two years ahead."))

    def validate_place(self, field) -> None:
        """Require a place, except for online trainings."""
        field.data = (field.data or "").strip()
        if not field.data and self.kind.data != TrainingKind.ONLINE.value:
            raise ValidationError(_l("Enter where the training takes place."))

    def validate_title(self, field) -> None:
        """Refuse a title of spaces only."""
        field.data = (field.data or "").strip()
        if not field.data:
            raise ValidationError(_l("Enter the title of the training."))

    def validate_credited_hours(self, field) -> None:
        """Allow 0.5 to 200 hours with at most one decimal."""
        value = field.data
        if value is None:
            return
        if not MIN_HOURS <= value <= MAX_HOURS:
            raise ValidationError(_l("Credited hours must be between 0.5 and 200."))
        if value != value.quantize(Decimal("0.1")):
            raise ValidationError(_l("Use at most one decimal, for example 2.5."))

    def validate_capacity(self, field) -> None:
        """Allow a positive capacity."""
        if field.data is not None and not 1 <= field.data <= MAX_CAPACITY:
            raise ValidationError(_l("Capacity must be a whole number from 1 to 100000."))

    def training_data(self) -> TrainingData:
        """Return the validated input as what operations.create_training() takes."""
        return TrainingData(
            title=_validated(self.title.data),
            kind=TrainingKind(self.kind.data),
            level=OrganiserLevel(self.level.data),
            starts_at=_validated(self.starts_at.data),
            ends_at=_validated(self.ends_at.data),
            place=_validated(self.place.data),
            credited_hours=_validated(self.credited_hours.data),
            capacity=self.capacity.data,
            credits_by_time=self.credits_by_time.data,
            whole_street=self.whole_street.data,
            community_ids=tuple(self.communities.data or ()),
            post_types=tuple(PostType(value) for value in self.post_types.data or ()),
            worker_ids=tuple(self.workers.data or ()),
            trainer_ids=tuple(self.trainers.data or ()),
        )

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields, then require at least one choice of who is expected."""
        valid = super().validate(extra_validators)
        chosen = (
            self.whole_street.data
            or self.communities.data
            or self.post_types.data
            or self.workers.data
        )
        if not chosen:
            self.audience_errors.append(
                str(_l("Choose who is expected: the street, communities, post types or workers."))
            )
            valid = False
        return valid


REASONS = {
    "forgot_phone": _l("Forgot phone"),
    "late_approved": _l("Late arrival approved"),
    "no_signal": _l("No phone signal"),
    "other": _l("Other"),
}


class MarkPresentForm(PortalForm):
    """Mark a worker present by hand: a reason is required."""

    reason = ChoiceField(_l("Reason"), default="")
    note = StringField(
        _l("Details"),
        validators=[Length(max=150, message=_l("Keep the details under 150 characters."))],
    )
    arrived_at = LocalDateTimeField(_l("Arrived at (empty: now)"))
    late = BooleanField(_l("Arrived late"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [
            ("", str(_l("Choose a reason…"))),
            *((value, str(text)) for value, text in REASONS.items()),
        ]

    def validate_reason(self, field) -> None:
        """Require a reason."""
        if not field.data:
            raise ValidationError(_l("Choose why you mark this worker by hand."))

    def validate_note(self, field) -> None:
        """Require details when the reason is 'other'."""
        field.data = (field.data or "").strip()
        if self.reason.data == "other" and not field.data:
            raise ValidationError(_l("Describe the reason."))

    def reason_text(self) -> str:
        """Return the reason as stored on the attendance: the choice, with details if any."""
        if self.reason.data == "other":
            return self.note.data or ""
        chosen = str(REASONS[self.reason.data])
        return f"{chosen}：{self.note.data}" if self.note.data else chosen


class LeftEarlyForm(PortalForm):
    """Record that a worker left before the end."""

    left_at = LocalDateTimeField(_l("Left at (empty: now)"))


class ConfirmForm(PortalForm):
    """A button that only needs the CSRF token (check out, approve, reject)."""
