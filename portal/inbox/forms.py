"""Notification settings form: a switch per reminder kind, quiet hours, WeCom account."""

from __future__ import annotations

import re
import types
from collections.abc import Sequence
from typing import Protocol

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from portal.web.forms import PortalForm

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d(\.\d+)?)?$")
WECOM_USERID = r"^[A-Za-z0-9_.@-]{1,64}$"
KIND_PREFIX = "kind_"


class KindSwitch(Protocol):
    """What the form needs of a reminder kind (``notifications.reminders.ReminderKind``)."""

    code: str
    label: str


def _time_of_day(_form, field) -> None:
    """Accept HH:MM (a time input may add seconds) and keep HH:MM."""
    value = (field.data or "").strip()
    if not _TIME.match(value):
        raise ValidationError(_l("Enter a time such as 21:00."))
    field.data = value[:5]


class SettingsForm(PortalForm):
    """Quiet hours; reminder switches are added per user."""

    quiet_start = StringField(
        _l("Quiet from"),
        validators=[DataRequired(_l("Enter a time such as 21:00.")), _time_of_day],
        render_kw={"type": "time", "inputmode": "numeric"},
    )
    quiet_end = StringField(
        _l("Quiet until"),
        validators=[DataRequired(_l("Enter a time such as 08:00.")), _time_of_day],
        render_kw={"type": "time", "inputmode": "numeric"},
    )

    kind_codes: Sequence[str] = ()

    def kind_fields(self) -> list[Field]:
        """Return the reminder switches in registry order."""
        return [self[KIND_PREFIX + code] for code in self.kind_codes]

    def enabled_kinds(self) -> list[str]:
        """Return the codes of the switches left on."""
        return [code for code in self.kind_codes if self[KIND_PREFIX + code].data]

    def quiet_hours(self) -> tuple[str, str]:
        """Return the quiet hours as HH:MM (after a successful validation)."""
        start, end = self.quiet_start.data, self.quiet_end.data
        if start is None or end is None:
            raise ValueError("the quiet hours are read before the form was validated")
        return start, end


class WeComSettingsForm(SettingsForm):
    """The settings with the user's WeCom account (when WeCom is configured)."""

    wecom_userid = StringField(
        _l("WeCom account (企业微信账号)"),
        validators=[
            Optional(),
            Length(max=64),
            Regexp(WECOM_USERID, message=_l("Use letters, digits and _ . @ - only.")),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )


def settings_form(kinds: Sequence[KindSwitch], *, wecom: bool, **kwargs) -> SettingsForm:
    """Build the form for a user: one switch per kind that concerns them."""
    base = WeComSettingsForm if wecom else SettingsForm
    switches = {KIND_PREFIX + kind.code: BooleanField(kind.label) for kind in kinds}
    kind_codes = tuple(kind.code for kind in kinds)
    form_class = types.new_class(
        "UserSettingsForm", (base,), exec_body=lambda ns: ns.update(switches, kind_codes=kind_codes)
    )
    return form_class(**kwargs)


class TestForm(PortalForm):
    """The "send me a test" button (a CSRF token and nothing else)."""
