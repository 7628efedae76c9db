"""Request-level checks for input that no form reads: paths, query strings, JSON bodies.

Forms refuse bad text field by field (portal/web/forms.py). What reaches a view some
other way is checked here, once, before any view runs:

- a path, query string or JSON body carrying NUL or other control characters answers 400
  with a message (PostgreSQL refuses NUL in text, and nobody types one);
- an ``<int:…>`` URL segment beyond the database's integer range does not match: 404;
- ``request.args.get(name, type=int)`` beyond that range gives the default, as a value
  that is not a number does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar, overload

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Map

from portal.web.forms import control_characters

# Every id and number column is a 32-bit INTEGER (PostgreSQL `integer`); none is BIGINT.
DB_INT_MIN, DB_INT_MAX = -(2**31), 2**31 - 1
_JSON_DEPTH = 20
_V = TypeVar("_V")
_T = TypeVar("_T")


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` bounded to what an id column can hold: anything larger is a 404."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = DB_INT_MAX,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BoundedArgs(ImmutableMultiDict[str, _V]):
    """Query-string and form values whose ``get(…, type=int)`` stays in the database's range."""

    # werkzeug's TypeConversionDict.get, with one correction: its overload
    # ``get(key, type)`` reads a second positional argument as ``type``, which at run time
    # is the default. Hence ``type`` only by keyword, and the override "incompatible".
    @overload  # type: ignore[override]
    def get(self, key: str, default: None = None) -> _V | None: ...
    @overload
    def get(self, key: str, default: _V) -> _V: ...
    @overload
    def get(self, key: str, default: _T) -> _V | _T: ...
    @overload
    def get(self, key: str, *, type: Callable[[_V], _T]) -> _T | None: ...
    @overload
    def get(self, key: str, default: _T, type: Callable[[_V], _T]) -> _T: ...
    def get(  # noqa: D102
        self,
        key: str,
        default: object = None,
        type: Callable[[_V], object] | None = None,
    ) -> object:
        if type is None:
            return super().get(key, default)
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not DB_INT_MIN <= value <= DB_INT_MAX:
            return default
        return value


def _json_strings(value: object, depth: int = 0) -> Iterator[str]:
    if depth > _JSON_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item, depth + 1)


def _refuse_control_characters() -> None:
    """Answer 400 when the path, the query string or a JSON body holds control characters."""
    texts = [request.path]
    for key, values in request.args.lists():
        texts.append(key)
        texts.extend(values)
    refused = any(control_characters(text) for text in texts)
    if not refused and request.is_json:
        # JSON may carry line breaks in a text; NUL and the like it may not.
        body = _json_strings(request.get_json(silent=True))
        refused = any(control_characters(text, multiline=True) for text in body)
    if refused:
        abort(
            400,
            description=_(
                "The address or the data sent contains control characters "
                "(such as a NUL byte). Please check what was typed and try again."
            ),
        )


def init_app(app: Flask) -> None:
    """Install the bounded converter and request class, and the control-character check.

    Call before any blueprint is registered: rules pick their converter when added.
    """
    app.url_map.converters["int"] = DatabaseIdConverter
    # Derive from the request class in place (htmx-flask installs its own).
    app.request_class = type(
        "PortalRequest", (app.request_class,), {"parameter_storage_class": BoundedArgs}
    )
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_control_characters)
