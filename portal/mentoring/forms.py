"""Forms for pairings, sessions and the growth plan.

Choices that depend on the user (mentors and workers of the admin's street) are set by
the view; a posted value outside them fails validation with a message, nothing saved.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from portal.enums import MentoringTopic
from portal.web.forms import (
    ChoiceField,
    PortalForm,
    WholeNumberField,
    at_most,
    choice_field,
    date_field,
)
from portal.web.forms import vocabulary_choices as _choices

# -- street admin ------------------------------------------------------------------------------


class PairingForm(PortalForm):
    """Pair a mentor with a mentee for a period, with goals."""

    mentor = choice_field(_l("Mentor"), _l("Choose a mentor of your street."))
    mentee = choice_field(_l("Mentee"), _l("Choose a worker of your street."))
    starts_on = date_field(_l("Starts on"))
    goals = TextAreaField(
        _l("Goals of the pairing"),
        validators=[DataRequired(_l("Write down the goals of the pairing.")), at_most(500)],
        render_kw={"rows": 3},
    )

    def __init__(self, *args, mentors=(), mentees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.mentor.choices = [(u.id, u.name) for u in mentors]
        self.mentee.choices = [(wid, f"{name} · {community}") for wid, name, community in mentees]


class EndPairingForm(PortalForm):
    """End a pairing on a date, with a reason."""

    ends_on = date_field(_l("Ended on"))
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason for ending the pairing.")), at_most(200)],
    )


class ChangePairingForm(PortalForm):
    """Change the mentor: end the current pairing and start a new one."""

    mentor = choice_field(_l("New mentor"), _l("Choose a mentor of your street."))
    changed_on = date_field(_l("Changed on"))
    reason = StringField(
        _l("Reason for the change"),
        validators=[DataRequired(_l("Give the reason for ending the pairing.")), at_most(200)],
    )
    goals = TextAreaField(
        _l("Goals of the new pairing"),
        validators=[DataRequired(_l("Write down the goals of the pairing.")), at_most(500)],
        render_kw={"rows": 3},
    )

    def __init__(self, *args, mentors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.mentor.choices = [(u.id, u.name) for u in mentors]


# -- mentor and mentee -------------------------------------------------------------------------


class SessionForm(PortalForm):
    """Log a session in seconds: date, length and topic come prefilled."""

    held_on = date_field(_l("Date"))
    minutes = WholeNumberField(
        _l("Length (minutes)"),
        invalid_value_message=_l("Enter the length in minutes."),
        validators=[
            InputRequired(_l("Enter the length in minutes.")),
            NumberRange(min=1, max=600, message=_l("Enter between 1 and 600 minutes.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": 600, "step": 5},
    )
    topic = ChoiceField(
        _l("Topic"),
        validators=[InputRequired(_l("Choose a topic."))],
        invalid_choice_message=_l("Choose a topic."),
    )
    passed_on = TextAreaField(
        _l("What was passed on"),
        validators=[DataRequired(_l("Write down what was passed on.")), at_most(1000)],
        render_kw={"rows": 3},
    )
    next_step = TextAreaField(
        _l("Next step"),
        validators=[Optional(), at_most(500)],
        render_kw={"rows": 2},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic.choices = _choices(MentoringTopic)


class ConfirmForm(PortalForm):
    """The mentee confirms a session and may add a short reflection."""

    reflection = TextAreaField(
        _l("My reflection (optional)"),
        validators=[Optional(), at_most(500)],
        render_kw={"rows": 2},
    )


class GrowthItemForm(PortalForm):
    """One of the "四个一": when it was done and the evidence."""

    done_on = date_field(_l("Done on"), required=False)
    evidence = TextAreaField(
        _l("Evidence (what, where, document)"),
        validators=[Optional(), at_most(500)],
        render_kw={"rows": 2},
    )
