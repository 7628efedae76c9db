"""Login and password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.auth.passwords import password_problem
from portal.web.forms import PortalForm

MIN_PASSWORD_LENGTH = 8


class LoginForm(PortalForm):
    """Phone number (or staff number) and password."""

    username = StringField(
        _l("Phone or staff number"),
        validators=[DataRequired(_l("Enter your phone number or staff number.")), Length(max=32)],
        render_kw={"autocomplete": "username", "inputmode": "text", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this phone"), default=True)


class ChangePasswordForm(PortalForm):
    """Choose a new password (forced on first login)."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=128,
                message=_l("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", _l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user

    def validate_current_password(self, field) -> None:
        """Refuse a wrong current password."""
        if self._user is not None and not self._user.check_password(field.data or ""):
            raise ValidationError(_l("The current password is not correct."))

    def validate_new_password(self, field) -> None:
        """Refuse passwords that are easy to guess for this user."""
        value = field.data or ""
        user = self._user
        problem = password_problem(
            value,
            phone=user.phone if user else None,
            staff_no=user.staff_no if user else None,
            name=user.name if user else None,
        )
        if problem:
            raise ValidationError(problem)
        if self._user is not None and self._user.check_password(value):
            raise ValidationError(_l("Choose a password different from the current one."))
