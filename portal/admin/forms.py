"""Forms of the admin side: roster filters, a worker's record, status, import upload.

Every message a user can see is an English msgid translated to Chinese; WTForms' own
English messages never reach the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    StringField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from portal.admin.queries import RosterFilter, RosterStatus
from portal.enums import Education, HiringRoute, PostType, WorkerStatus
from portal.labels import label
from portal.people.record import grade_problem
from portal.policy.profiles import MAX_GRADE, MIN_GRADE, PolicyProfile
from portal.policy.rules import CertLevel
from portal.web.forms import (
    ChoiceField,
    LocalDateField,
    PortalForm,
    WholeNumberField,
    at_most,
    choice_field,
    vocabulary_choices,
)

PHONE_RE = re.compile(r"^1\d{10}$")  # a mainland mobile number
STAFF_NO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")
MAX_QUERY = 40
T = TypeVar("T")


def required(value: T | None) -> T:
    """Return the value of a required field of a form that validated (it cannot be None)."""
    if value is None:
        raise ValueError("a required field has no value after validation")
    return value


def _date(text, *, required: bool, checked: bool = False) -> LocalDateField:
    # Optional() would stop the form's own validate_<field> checks: leave it off for those.
    validators = (
        [InputRequired(_l("Enter a date."))] if required else [] if checked else [Optional()]
    )
    return LocalDateField(
        text,
        validators=validators,
        format="%Y-%m-%d",
        invalid_value_message=_l("Enter a date as YYYY-MM-DD."),
    )


def _select(text, message) -> ChoiceField:
    # Choices are set by the form's __init__ (WTForms warns about tuples given here).
    return ChoiceField(
        text,
        validators=[InputRequired(message)],
        invalid_choice_message=message,
        invalid_value_message=message,
    )


# -- roster filters (GET) ---------------------------------------------------------------


def _int_arg(args: Mapping[str, str], name: str, allowed: set[int] | None = None) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw.isdigit():
        return None
    value = int(raw)
    if allowed is not None and value not in allowed:
        return None
    return value


def _enum_arg(args: Mapping[str, str], name: str, vocabulary):
    try:
        return vocabulary(args.get(name) or "")
    except ValueError:
        return None


def roster_filter(
    args: Mapping[str, str], *, street_ids: set[int], community_ids: set[int]
) -> RosterFilter:
    """Read the roster's filters from the query string; values out of scope are ignored."""
    grade = _int_arg(args, "grade")
    return RosterFilter(
        q=(args.get("q") or "").strip()[:MAX_QUERY],
        street_id=_int_arg(args, "street", street_ids),
        community_id=_int_arg(args, "community", community_ids),
        post_type=_enum_arg(args, "post", PostType),
        grade=grade if grade is not None and MIN_GRADE <= grade <= MAX_GRADE else None,
        status=_enum_arg(args, "status", RosterStatus) or RosterStatus.CURRENT,
        cert=_enum_arg(args, "cert", CertLevel),
    )


STATUS_FILTER_LABELS = {
    RosterStatus.CURRENT: _l("On post or seconded"),
    RosterStatus.ACTIVE: _l("On post"),
    RosterStatus.SECONDED: _l("Seconded"),
    RosterStatus.EXITED: _l("Exited"),
    RosterStatus.ALL: _l("Everyone"),
}


# -- a worker's record --------------------------------------------------------------------


class _GradeInRange(NumberRange):
    """1–18, told as the roster import tells it: the post type's own range [003 §2].

    With a post type chosen, the message is ``grade_problem``'s (the same text as an
    import row); without one, the whole 1–18.
    """

    def __init__(self) -> None:
        super().__init__(
            MIN_GRADE,
            MAX_GRADE,
            _l("Enter a grade from %(min)d to %(max)d.", min=MIN_GRADE, max=MAX_GRADE),
        )

    def __call__(self, form, field) -> None:
        if field.data is None:
            return
        problem = form.grade_problem(field.data)
        if problem is not None:
            raise ValidationError(problem)
        super().__call__(form, field)


class WorkerForm(PortalForm):
    """A worker's record: who, where, post and grade, dates, education, how hired."""

    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(_l("Enter the name.")),
            at_most(64),
        ],
    )
    phone = StringField(
        _l("Phone"),
        validators=[InputRequired(_l("Enter the phone number."))],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    staff_no = StringField(_l("Staff number"))
    community = choice_field(_l("Community"), _l("Choose a community of your street."))
    post_type = _select(_l("Post type"), _l("Choose a post type."))
    grade = WholeNumberField(
        _l("Grade"),
        validators=[InputRequired(_l("Enter the grade.")), _GradeInRange()],
        invalid_value_message=_l("Enter the grade as a whole number."),
        render_kw={"inputmode": "numeric"},
    )
    grade_reason = StringField(
        _l("Reason for the post or grade change"),
        validators=[at_most(200)],
    )
    community_work_started_on = _date(_l("Started community work on"), required=True)
    joined_on = _date(_l("Joined this street on"), required=True)
    education = _select(_l("Education"), _l("Choose the education."))
    party_member = BooleanField(_l("Party member"))
    hiring_route = _select(_l("Hiring route"), _l("Choose how the worker was hired."))
    exam_eligible_on = _date(_l("Eligible for the social-work exam on"), required=False)

    def __init__(
        self,
        *args,
        profile: PolicyProfile,
        communities: Sequence,
        worker=None,
        today: date,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self._profile = profile
        self._worker = worker
        self._today = today
        self.community.choices = [(c.id, c.name) for c in communities]
        self.post_type.choices = vocabulary_choices(PostType)
        self.education.choices = vocabulary_choices(Education)
        self.hiring_route.choices = vocabulary_choices(HiringRoute)
        ranges = ", ".join(f"{label(post)} {r.low}–{r.high}" for post, r in profile.grades.items())
        self.grade.description = ranges

    def validate_phone(self, field) -> None:
        """Refuse anything but an 11-digit mainland mobile number."""
        field.data = (field.data or "").strip()
        if not PHONE_RE.match(field.data):
            raise ValidationError(_l("Enter an 11-digit mobile number starting with 1."))

    def validate_staff_no(self, field) -> None:
        """Accept letters, digits, - and _ only."""
        field.data = (field.data or "").strip() or None
        if field.data is not None and not STAFF_NO_RE.match(field.data):
            raise ValidationError(
                _l("Use at most 32 letters, digits, - or _ for the staff number.")
            )

    def grade_problem(self, grade: int) -> str | None:
        """Return why ``grade`` does not fit the chosen post type (None: it fits, or no type)."""
        if self.post_type.data not in PostType._value2member_map_:
            return None
        return grade_problem(self._profile, self.post_type.data, grade)

    def validate_grade_reason(self, field) -> None:
        """Require a reason when the post type or grade of an existing worker changes."""
        field.data = (field.data or "").strip()
        if self._worker is None:
            return
        changed = (
            self.post_type.data != self._worker.post_type.value
            or self.grade.data != self._worker.grade
        )
        if changed and not field.data:
            raise ValidationError(_l("Give the reason for the post or grade change."))

    def validate_community_work_started_on(self, field) -> None:
        """Refuse a start in the future."""
        if field.data and field.data > self._today:
            raise ValidationError(_l("This date is in the future."))

    def validate_joined_on(self, field) -> None:
        """Refuse joining the street in the future or before community work started."""
        if not field.data:
            return
        if field.data > self._today:
            raise ValidationError(_l("This date is in the future."))
        started = self.community_work_started_on.data
        if started and field.data < started:
            raise ValidationError(_l("Joining the street cannot come before starting work."))


class StatusForm(PortalForm):
    """在岗 / 借调 (with start and end) / 退出 (with the reason) [003 §9, §11]."""

    status = _select(_l("Status"), _l("Choose a status."))
    since = _date(_l("From"), required=False, checked=True)
    until = _date(_l("Until"), required=False, checked=True)
    reason = StringField(
        _l("Reason"),
        validators=[at_most(200)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = vocabulary_choices(WorkerStatus)

    def validate_since(self, field) -> None:
        """Require the start of a secondment or the date of leaving."""
        if self.status.data in {WorkerStatus.SECONDED, WorkerStatus.EXITED} and not field.data:
            raise ValidationError(_l("Enter the date."))

    def validate_until(self, field) -> None:
        """Require the end of a secondment, on or after its start."""
        if self.status.data != WorkerStatus.SECONDED:
            return
        if not field.data:
            raise ValidationError(_l("Enter the end of the secondment."))
        if self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end cannot come before the start."))

    def validate_reason(self, field) -> None:
        """Require the reason for an exit."""
        field.data = (field.data or "").strip()
        if self.status.data == WorkerStatus.EXITED and not field.data:
            raise ValidationError(_l("Give the reason for the exit."))


class ConfirmForm(PortalForm):
    """A button that only needs its CSRF token."""


# -- import -----------------------------------------------------------------------------


class ImportForm(PortalForm):
    """Choose what the file holds and upload it."""

    kind = _select(_l("What the file holds"), _l("Choose what the file holds."))
    file = FileField(
        _l("Excel file (.xlsx)"),
        validators=[FileRequired(_l("Choose a file."))],
        render_kw={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
    )

    def __init__(self, *args, kinds: Sequence[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = list(kinds)


class CommitForm(PortalForm):
    """Confirm the previewed import."""

    token = HiddenField(validators=[InputRequired()])
