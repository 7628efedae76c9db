"""Forms of the platform admin's pages: a name, a new district, an admin, a policy profile.

The forms check that something was entered; the operations check the rest (length,
duplicates, the phone number), so the CLI and the pages refuse in the same words.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired

from portal.policy.profiles import available_profiles
from portal.web.forms import ChoiceField, PortalForm


def _profile_field() -> ChoiceField:
    return ChoiceField(
        _l("Policy profile"),
        validators=[InputRequired(_l("Choose a policy profile."))],
        invalid_choice_message=_l("Choose one of the listed policy profiles."),
    )


class NameForm(PortalForm):
    """A new or changed name of a district, street or community."""

    name = StringField(
        _l("Name of the place"), validators=[InputRequired(_l("Enter the name of the place."))]
    )


class DistrictForm(NameForm):
    """A new district and the policy profile it follows."""

    profile = _profile_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile.choices = available_profiles()


class AdminForm(PortalForm):
    """A new admin account: the name and the phone number that is its login."""

    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter the name."))])
    phone = StringField(
        _l("Phone"),
        validators=[InputRequired(_l("Enter the phone number."))],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )


class PolicyForm(PortalForm):
    """Confirm the previewed policy profile."""

    profile = HiddenField(validators=[InputRequired(_l("Choose a policy profile."))])
