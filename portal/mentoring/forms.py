"""Forms for pairings, sessions, the growth plan and talks.

Choices that depend on the user (mentors and workers of the admin's street) are set by
the view; a posted value outside them fails validation with a message, nothing saved.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.enums import ConcernArea, FollowUpStatus, MentoringTopic
from portal.labels import label
from portal.mentoring import labels as _labels  # noqa: F401 - registers the vocabulary labels
from portal.web.forms import LocalDateField, PortalForm, PortalSubform, WholeNumberField


class MultiCheckboxField(SelectMultipleField):
    """Several choices as check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(vocabulary) -> list[tuple[str, str]]:
    return [(member.value, label(member)) for member in vocabulary]


def _date_field(text, *, required: bool = True) -> LocalDateField:
    validators = [InputRequired(_l("Enter a date."))] if required else [Optional()]
    return LocalDateField(
        text,
        validators=validators,
        format="%Y-%m-%d",
        invalid_value_message=_l("Enter a valid date."),
    )


def _choice_field(text, message) -> SelectField:
    return SelectField(
        text,
        coerce=int,
        validators=[InputRequired(message)],
        invalid_value_message=message,
        invalid_choice_message=message,
    )


# -- street admin ------------------------------------------------------------------------------


class PairingForm(PortalForm):
    """Pair a mentor with a mentee for a period, with goals."""

    mentor = _choice_field(_l("Mentor"), _l("Choose a mentor of your street."))
    mentee = _choice_field(_l("Mentee"), _l("Choose a worker of your street."))
    starts_on = _date_field(_l("Starts on"))
    goals = TextAreaField(
        _l("Goals of the pairing"),
        validators=[
            DataRequired(_l("Write down the goals of the pairing.")),
            Length(max=500, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"rows": 3},
    )

    def __init__(self, *args, mentors=(), mentees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.mentor.choices = [(u.id, u.name) for u in mentors]
        self.mentee.choices = [(wid, f"{name} · {community}") for wid, name, community in mentees]


class EndPairingForm(PortalForm):
    """End a pairing on a date, with a reason."""

    ends_on = _date_field(_l("Ended on"))
    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Give the reason for ending the pairing.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )


class ChangePairingForm(PortalForm):
    """Change the mentor: end the current pairing and start a new one."""

    mentor = _choice_field(_l("New mentor"), _l("Choose a mentor of your street."))
    changed_on = _date_field(_l("Changed on"))
    reason = StringField(
        _l("Reason for the change"),
        validators=[
            DataRequired(_l("Give the reason for ending the pairing.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    goals = TextAreaField(
        _l("Goals of the new pairing"),
        validators=[
            DataRequired(_l("Write down the goals of the pairing.")),
            Length(max=500, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"rows": 3},
    )

    def __init__(self, *args, mentors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.mentor.choices = [(u.id, u.name) for u in mentors]


class ResponsibilityForm(PortalForm):
    """Which communities a talk leader holds the monthly talks in."""

    leader = _choice_field(_l("Talk leader"), _l("Choose a talk leader of your street."))
    communities = MultiCheckboxField(
        _l("Communities"),
        coerce=int,
        invalid_choice_message=_l("Choose communities of your street."),
    )

    def __init__(self, *args, leaders=(), communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.leader.choices = [(u.id, u.name) for u in leaders]
        self.communities.choices = [(c.id, c.name) for c in communities]


# -- mentor and mentee -------------------------------------------------------------------------


class SessionForm(PortalForm):
    """Log a session in seconds: date, length and topic come prefilled."""

    held_on = _date_field(_l("Date"))
    minutes = WholeNumberField(
        _l("Length (minutes)"),
        invalid_value_message=_l("Enter the length in minutes."),
        validators=[
            InputRequired(_l("Enter the length in minutes.")),
            NumberRange(min=1, max=600, message=_l("Enter between 1 and 600 minutes.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": 600, "step": 5},
    )
    topic = SelectField(
        _l("Topic"),
        validators=[InputRequired(_l("Choose a topic."))],
        invalid_choice_message=_l("Choose a topic."),
    )
    passed_on = TextAreaField(
        _l("What was passed on"),
        validators=[
            DataRequired(_l("Write down what was passed on.")),
            Length(max=1000, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"rows": 3},
    )
    next_step = TextAreaField(
        _l("Next step"),
        validators=[Optional(), Length(max=500, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 2},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic.choices = _choices(MentoringTopic)


class ConfirmForm(PortalForm):
    """The mentee confirms a session and may add a short reflection."""

    reflection = TextAreaField(
        _l("My reflection (optional)"),
        validators=[Optional(), Length(max=500, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 2},
    )


class GrowthItemForm(PortalForm):
    """One of the "四个一": when it was done and the evidence."""

    done_on = _date_field(_l("Done on"), required=False)
    evidence = TextAreaField(
        _l("Evidence (what, where, document)"),
        validators=[Optional(), Length(max=500, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 2},
    )


# -- talks -------------------------------------------------------------------------------------


class FollowUpRowForm(PortalSubform):
    """A follow-up row of a talk; a blank row is ignored."""

    item = StringField(
        _l("Follow-up"),
        validators=[Optional(), Length(max=300, message=_l("At most %(max)d characters."))],
    )
    owner = StringField(
        _l("Owner"),
        validators=[Optional(), Length(max=64, message=_l("At most %(max)d characters."))],
    )
    due_on = _date_field(_l("Due by"), required=False)


class TalkForm(PortalForm):
    """A one-on-one talk: date, concerns by area, what was said, help and follow-ups."""

    worker = HiddenField(validators=[InputRequired()])
    held_on = _date_field(_l("Date of the talk"))
    concerns = MultiCheckboxField(
        _l("Concerns raised"), invalid_choice_message=_l("Choose from the listed areas.")
    )
    notes = TextAreaField(
        _l("What was said"),
        validators=[
            DataRequired(_l("Write down what was said.")),
            Length(max=2000, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"rows": 4},
    )
    help_promised = TextAreaField(
        _l("Help promised"),
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 2},
    )
    follow_ups = FieldList(FormField(FollowUpRowForm), min_entries=3, max_entries=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.concerns.choices = _choices(ConcernArea)


class FollowUpStatusForm(PortalForm):
    """Change a follow-up's status."""

    status = SelectField(
        _l("Status"),
        validators=[InputRequired(_l("Choose a status."))],
        invalid_choice_message=_l("Choose a status."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = _choices(FollowUpStatus)


def status_choices() -> list[tuple[str, str]]:
    """Return the follow-up statuses as (value, label) for the carried-over selects."""
    return _choices(FollowUpStatus)
