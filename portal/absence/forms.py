"""The street's absence form: a worker, a day or a period of days, an optional note.

Every message is an English msgid translated to Chinese; WTForms' own English messages
never reach the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from portal.absence import rules
from portal.timeutil import local_today
from portal.web.forms import LocalDateField, PortalForm, at_most, validated

MAX_PERIOD_DAYS = 62  # product setting: one period entered at a time spans at most 62 days
EARLIEST = date(2000, 1, 1)


class AbsenceForm(PortalForm):
    """Record unexcused absence of one worker of the street: one day, or a period."""

    worker = SelectField(_l("Worker"), validate_choice=False)
    first_day = LocalDateField(
        _l("Day (or first day)"),
        validators=[InputRequired(_l("Enter a date."))],
        invalid_value_message=_l("Enter a date as YYYY-MM-DD."),
    )
    last_day = LocalDateField(
        _l("Last day (for a period)"),
        invalid_value_message=_l("Enter a date as YYYY-MM-DD."),
    )
    note = StringField(
        _l("Note"),
        validators=[at_most(200)],
        render_kw={"maxlength": 200, "autocomplete": "off"},
    )

    def __init__(self, *args, team: Sequence[tuple[int, str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.team = list(team)
        self.worker.choices = [("", "")] + [
            (str(worker_id), f"{name}（{community}）") for worker_id, name, community in self.team
        ]
        today = local_today().isoformat()
        self.first_day.render_kw = {"type": "date", "max": today}
        self.last_day.render_kw = {"type": "date", "max": today}

    @property
    def worker_id(self) -> int:
        """Return the chosen worker's id (valid after validation)."""
        return int(validated(self.worker.data))

    def validate_worker(self, field) -> None:
        """Require a worker of the admin's street, from the list."""
        if not field.data:
            raise ValidationError(_l("Choose a worker."))
        if field.data not in {str(worker_id) for worker_id, _n, _c in self.team}:
            raise ValidationError(_l("Choose a worker of your street from the list."))

    def validate_first_day(self, field) -> None:
        """Accept days from 2000 to today: absence is recorded after it happened."""
        if field.data is None:
            return
        if field.data > local_today():
            raise ValidationError(_l("The date cannot be in the future."))
        if field.data < EARLIEST:
            raise ValidationError(_l("The date cannot be before 2000."))

    def validate_last_day(self, field) -> None:
        """Require a period to end on or after its first day, not in the future, within 62 days."""
        first, last = self.first_day.data, field.data
        if last is None or first is None:
            return
        if last > local_today():
            raise ValidationError(_l("The date cannot be in the future."))
        if last < first:
            raise ValidationError(_l("The last day cannot be before the first day."))
        if (last - first).days >= MAX_PERIOD_DAYS:
            raise ValidationError(
                _l("Enter a period of at most %(n)d days at a time.", n=MAX_PERIOD_DAYS)
            )

    def days(self) -> list[date]:
        """Return the days to record: the one day, or the working days of the period."""
        first = validated(self.first_day.data)
        if self.last_day.data is None:
            return [first]
        return rules.working_days_between(first, self.last_day.data)

    @property
    def note_text(self) -> str | None:
        """Return the note, or None when blank."""
        return (self.note.data or "").strip() or None
