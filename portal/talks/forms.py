"""Forms for 谈心日 talks, their follow-ups and the street's talk responsibilities.

Choices that depend on the user (talk leaders and communities of the admin's street) are
set by the view; a posted value outside them fails validation with a message.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from portal.enums import ConcernArea, FollowUpStatus
from portal.web.forms import (
    ChoiceField,
    MultiCheckboxField,
    PortalForm,
    PortalSubform,
    at_most,
    choice_field,
    date_field,
)
from portal.web.forms import vocabulary_choices as _choices


class ResponsibilityForm(PortalForm):
    """Which communities a talk leader holds the monthly talks in."""

    leader = choice_field(_l("Talk leader"), _l("Choose a talk leader of your street."))
    communities = MultiCheckboxField(
        _l("Communities"),
        coerce=int,
        invalid_choice_message=_l("Choose communities of your street."),
    )

    def __init__(self, *args, leaders=(), communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.leader.choices = [(u.id, u.name) for u in leaders]
        self.communities.choices = [(c.id, c.name) for c in communities]


class FollowUpRowForm(PortalSubform):
    """A follow-up row of a talk; a blank row is ignored."""

    item = StringField(
        _l("Follow-up"),
        validators=[Optional(), at_most(300)],
    )
    owner = StringField(
        _l("Owner"),
        validators=[Optional(), at_most(64)],
    )
    due_on = date_field(_l("Due by"), required=False)


class TalkForm(PortalForm):
    """A one-on-one talk: date, concerns by area, what was said, help and follow-ups."""

    worker = HiddenField(validators=[InputRequired()])
    held_on = date_field(_l("Date of the talk"))
    concerns = MultiCheckboxField(
        _l("Concerns raised"), invalid_choice_message=_l("Choose from the listed areas.")
    )
    notes = TextAreaField(
        _l("What was said"),
        validators=[DataRequired(_l("Write down what was said.")), at_most(2000)],
        render_kw={"rows": 4},
    )
    help_promised = TextAreaField(
        _l("Help promised"),
        validators=[Optional(), at_most(1000)],
        render_kw={"rows": 2},
    )
    follow_ups = FieldList(FormField(FollowUpRowForm), min_entries=3, max_entries=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.concerns.choices = _choices(ConcernArea)


class FollowUpStatusForm(PortalForm):
    """Change a follow-up's status."""

    status = ChoiceField(
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
