"""The base of every form and the fields they share: one place where input is normalised.

Every field of a ``PortalForm`` (or of a ``PortalSubform`` inside one) is bound through
``NormalisingMeta.bind_field``, which adds, in this order:

- a filter stripping the text of text fields (passwords are left as typed);
- a refusal of control characters (NUL and the like, and the invisible bidi controls);
  multi-line text areas keep their line breaks and tabs;
- for numbers, a refusal of infinities and NaN;

and turns ``InputRequired`` into ``Required``: blanks only do not count as an answer.
Numbers carry their own ``NumberRange``; a test walks every form to hold that.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, MutableMapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, TypeVar, Unpack

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import Field, UnboundField
from wtforms.form import BaseForm
from wtforms.validators import InputRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from portal.labels import label

if TYPE_CHECKING:
    from wtforms.meta import DefaultMeta, _SupportsGettextAndNgettext

_FieldT = TypeVar("_FieldT", bound=Field)
_T = TypeVar("_T")
#: A field check as WTForms calls it: (form, field), raising ValidationError to refuse.
Validator: TypeAlias = Callable[[BaseForm, Field], object]
#: What a field takes as ``validators``; WTForms' stubs take ``list[Any]`` because mypy
#: infers a list of mixed validator classes as ``list[object]``.
Validators: TypeAlias = "list[Any] | tuple[Validator, ...] | None"


class FieldOptions(TypedDict, total=False):
    """The keyword arguments every WTForms field takes (and binding passes on)."""

    filters: Sequence[Callable[[Any], Any]]
    description: str
    id: str | None
    render_kw: dict[str, Any] | None
    name: str | None
    _form: BaseForm | None
    _prefix: str
    _translations: _SupportsGettextAndNgettext | None
    _meta: DefaultMeta | None


NUMBER_FIELDS = (IntegerField, DecimalField, FloatField)
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MULTILINE_ALLOWED = frozenset("\n\r\t")
_TENTH = Decimal("0.1")


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """Return the control characters in text (line breaks and tabs allowed if multiline)."""
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    return [
        char
        for char in text
        if char not in allowed
        and (unicodedata.category(char) in {"Cc", "Cs"} or char in _BIDI_CONTROLS)
    ]


def strip_text(value: object) -> object:
    """Strip the spaces around typed text; other values pass unchanged."""
    return value.strip() if isinstance(value, str) else value


class NoControlCharacters:
    """Refuse NUL and other control characters anywhere in what was sent for the field."""

    message = _l("Remove the control characters (such as a NUL byte) from this field.")

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form: BaseForm, field: Field) -> None:  # noqa: D102
        for value in field.raw_data or ():
            if isinstance(value, str) and control_characters(value, multiline=self.multiline):
                field.errors = []
                raise StopValidation(self.message)


def finite_number(_form: BaseForm, field: Field) -> None:
    """Refuse infinities and NaN: a number must be a number."""
    if field.process_errors:
        raise StopValidation()  # not a number at all: that message is enough
    value = field.data
    finite = True
    if isinstance(value, Decimal):
        finite = value.is_finite()
    elif isinstance(value, float):
        finite = value == value and value not in (float("inf"), float("-inf"))
    if not finite:
        field.errors = []
        message = getattr(field, "invalid_value_message", None)
        raise StopValidation(message or _l("Enter an ordinary number."))


class Required(InputRequired):
    """Require an answer that is not blank once its spaces are stripped."""

    def __call__(self, form: BaseForm, field: Field) -> None:  # noqa: D102
        given = [
            value for value in field.raw_data or () if not isinstance(value, str) or value.strip()
        ]
        if given:
            return
        field.errors = []
        raise StopValidation(self.message or _l("Fill in this field."))


def validated(value: _T | None) -> _T:
    """Return a value the form's validation made sure was given (a required field's data)."""
    if value is None:
        raise ValueError("a required value is missing: read form data only once it validated")
    return value


def parse_tenths(text: str | None, *, maximum: Decimal, ignore: str = "") -> Decimal | None:
    """Return a number from 0 to ``maximum`` with one decimal at most; None if blank.

    Raise ValueError for anything else. Characters in ``ignore`` (thousands separators,
    say) are dropped first.
    """
    text = (text or "").strip()
    for char in ignore:
        text = text.replace(char, "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(text) from error
    # Bounds first: quantize() of 1e30 and beyond overflows the context's precision.
    if not value.is_finite() or not 0 <= value <= maximum or value != value.quantize(_TENTH):
        raise ValueError(text)
    return value.quantize(_TENTH)


def at_most(limit: int) -> Length:
    """Return the length check every form uses, with the one message "At most N characters."."""
    return Length(max=limit, message=_l("At most %(max)d characters."))


def _split_validators(unbound_field: UnboundField[Any]) -> tuple[tuple[Any, ...], list[Any]]:
    # Validators may come as the second positional argument (label, validators).
    args = unbound_field.args
    if len(args) >= 2:
        return (args[0], *args[2:]), list(args[1] or ())
    return args, list(unbound_field.kwargs.get("validators") or ())


class NormalisingMeta:
    """Bind every field with the shared filters and validators (see the module docstring)."""

    def bind_field(  # noqa: D102
        self,
        form: BaseForm,
        unbound_field: UnboundField[_FieldT],
        options: MutableMapping[str, Any],
    ) -> _FieldT:
        field_class = unbound_field.field_class
        if issubclass(field_class, FieldList | FormField):
            return unbound_field.bind(form=form, **options)
        args, validators = _split_validators(unbound_field)
        validators = [Required(v.message) if type(v) is InputRequired else v for v in validators]
        shared: list[Validator] = [
            NoControlCharacters(multiline=issubclass(field_class, TextAreaField))
        ]
        if issubclass(field_class, NUMBER_FIELDS):
            shared.append(finite_number)
        filters = list(unbound_field.kwargs.get("filters") or ())
        if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
            filters.insert(0, strip_text)
        kwargs = dict(unbound_field.kwargs, validators=[*shared, *validators], filters=filters)
        # A fresh unbound field: the class's own is shared by every instance of the form.
        return UnboundField(field_class, *args, **kwargs).bind(form=form, **options)


class PortalForm(FlaskForm):
    """The base of every form of the portal: CSRF, and input normalised."""

    class Meta(NormalisingMeta):
        """Bind fields through the normalising layer."""


class PortalSubform(Form):
    """The base of a form nested in another (FormField): normalised, no CSRF of its own."""

    class Meta(NormalisingMeta):
        """Bind fields through the normalising layer."""


# -- shared fields ---------------------------------------------------------------------


class BlankIsNone(Field):
    """A blank input is "not given" (the required check speaks), not a malformed value."""

    def process_formdata(self, valuelist: list[Any]) -> None:  # noqa: D102
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


# WTForms (3.3) takes ``invalid_value_message`` and ``invalid_choice_message``; its stubs
# (types-WTForms 3.2) do not know them yet. The fields below take them as declared
# keywords and set them once the field is built, as WTForms' own ``__init__`` would.


class LocalDateField(BlankIsNone, DateField):
    """A date typed or picked on a phone (YYYY-MM-DD), in Asia/Shanghai terms."""

    def __init__(
        self,
        label: str | None = None,
        validators: Validators = None,
        format: str | list[str] = "%Y-%m-%d",
        *,
        default: date | Callable[[], date] | None = None,
        invalid_value_message: str | None = None,
        **options: Unpack[FieldOptions],
    ) -> None:
        super().__init__(label, validators, format, default=default, **options)
        self.invalid_value_message = invalid_value_message


class WholeNumberField(BlankIsNone, IntegerField):
    """A whole number (give it a NumberRange)."""

    def __init__(
        self,
        label: str | None = None,
        validators: Validators = None,
        *,
        default: int | Callable[[], int] | None = None,
        invalid_value_message: str | None = None,
        **options: Unpack[FieldOptions],
    ) -> None:
        super().__init__(label, validators, default=default, **options)
        self.invalid_value_message = invalid_value_message


class DecimalNumberField(BlankIsNone, DecimalField):
    """A decimal number as typed, not rounded (give it a NumberRange)."""

    def __init__(
        self,
        label: str | None = None,
        validators: Validators = None,
        *,
        places: int | None = None,
        default: Decimal | Callable[[], Decimal] | None = None,
        invalid_value_message: str | None = None,
        **options: Unpack[FieldOptions],
    ) -> None:
        super().__init__(label, validators, places=places, default=default, **options)
        self.invalid_value_message = invalid_value_message


class ChoiceField(SelectField):
    """A select whose refusals of a malformed or unlisted answer speak the form's words.

    The choices are set by the form's ``__init__`` (WTForms warns about choices given here).
    """

    def __init__(
        self,
        label: str | None = None,
        validators: Validators = None,
        coerce: Callable[[Any], Any] = str,
        *,
        validate_choice: bool = True,
        default: object | None = None,
        invalid_value_message: str | None = None,
        invalid_choice_message: str | None = None,
        **options: Unpack[FieldOptions],
    ) -> None:
        super().__init__(
            label, validators, coerce, validate_choice=validate_choice, default=default, **options
        )
        self.invalid_value_message = invalid_value_message
        self.invalid_choice_message = invalid_choice_message


# -- fields the domain forms build the same way --------------------------------------------------


class MultiCheckboxField(ChoiceField, SelectMultipleField):
    """Several choices as check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def vocabulary_choices(vocabulary: type[Enum]) -> list[tuple[str, str]]:
    """Return (value, translated label) pairs of a vocabulary, for a select."""
    return [(member.value, label(member)) for member in vocabulary]


def date_field(text: str, *, required: bool = True) -> LocalDateField:
    """Return a YYYY-MM-DD date field, required or optional, with the house messages."""
    validators: list[Any] = [InputRequired(_l("Enter a date."))] if required else [Optional()]
    return LocalDateField(
        text,
        validators=validators,
        format="%Y-%m-%d",
        invalid_value_message=_l("Enter a valid date."),
    )


def choice_field(text: str, message: str) -> ChoiceField:
    """Return a select of ids (set by the view) that answers ``message`` to any other value."""
    return ChoiceField(
        text,
        coerce=int,
        validators=[InputRequired(message)],
        invalid_value_message=message,
        invalid_choice_message=message,
    )
