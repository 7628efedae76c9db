"""Languages: Simplified Chinese first, English available."""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import numbers as babel_numbers  # Babel's, as Flask-Babel imports it
from flask_login import current_user

from portal.extensions import babel
from portal.labels import label
from portal.labels import translations as _translations

LANG_COOKIE = "lang"
_NUMBER_PATTERN = babel_numbers.parse_pattern("#,##0.#")  # parsed once, not at every number shown


def select_locale() -> str:
    """Pick the user's saved language, else the cookie, else the browser's, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, scheduler: Chinese unless forced otherwise
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen is not None and chosen in languages:
        return chosen
    offered = [(value, quality) for value, quality in request.accept_languages]
    return locale_for_browser(offered, languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def locale_for_browser(offered: list[tuple[str, float]], languages: tuple[str, ...]) -> str | None:
    """Return the first of our languages the browser asks for (best first), or None.

    Matched on the primary subtag: any Chinese (zh-CN, zh-Hans, zh-TW) is the one Chinese we
    have, any English is English. A wildcard or a language we lack is no answer.
    """
    ours = {language.split("_")[0].lower(): language for language in languages}
    for tag, quality in sorted(offered, key=lambda item: -item[1]):
        primary = tag.replace("_", "-").split("-")[0].lower()
        if quality > 0 and primary in ours:
            return ours[primary]
    return None


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the locale selector."""
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel's template callables look up the locale and catalog at every call (a page
    # makes dozens); these look them up once per request (see _translations).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    # `_` is Jinja's alias that looks `gettext` up in the context at each call; no template
    # defines its own `gettext`, so `_` may be that function itself.
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"]
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["date"] = _format_date
    app.jinja_env.filters["datetime"] = _format_datetime
    app.jinja_env.filters["num"] = _format_number
    app.jinja_env.globals["html_lang"] = html_lang
    app.after_request(_vary_by_language)


def _vary_by_language(response: Response) -> Response:
    # A page's language comes from the cookie or Accept-Language: caches must keep them apart.
    if response.mimetype == "text/html":
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def html_lang() -> str:
    """Return the BCP 47 tag of the current locale for <html lang>."""
    return "en" if str(get_locale()).startswith("en") else "zh-CN"


def _format_date(value: date | None, fmt: str = "medium") -> str:
    if not value:
        return ""
    if isinstance(value, datetime):  # shown in the user's timezone: not a pure function
        return format_date(value, fmt)
    return _date_text(str(get_locale()), value, fmt)


# A page shows the same few dates and numbers on every request; Babel takes ~13 µs to
# format each. The text depends only on the locale (part of the key), the value and the
# format (and the app's fixed Babel formats), so it is kept.
@functools.lru_cache(maxsize=4096)
def _date_text(locale: str, value: date, fmt: str) -> str:
    return format_date(value, fmt)  # locale: the current one, which the key names


def _format_datetime(value: datetime | None, fmt: str = "medium") -> str:
    # Stored UTC; Flask-Babel converts to Asia/Shanghai (BABEL_DEFAULT_TIMEZONE).
    return format_datetime(value, fmt) if value else ""


def _format_number(value: Decimal | int | float | None) -> str:
    if value is None:
        return ""
    return _number_text(str(get_locale()), str(Decimal(value).normalize()))


@functools.lru_cache(maxsize=4096)
def _number_text(locale: str, value: str) -> str:
    # Keyed by the decimal's text, not its value: 0 and -0 are equal but print differently.
    return format_decimal(Decimal(value), format=_NUMBER_PATTERN)
