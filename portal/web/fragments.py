"""Template fragments that are the same on every page of one language: rendered once.

A fragment such as the installable-app tags in every page's <head>
(templates/pwa/_head_tags.html) depends only on the language (its strings) and the
prefix the app is mounted under (its URLs); nothing in it comes from the user or the
request. ``cached_fragment(name)`` renders it the first time a language and prefix ask
for it and hands back the same markup afterwards. Only a template whose output depends on
nothing else may be rendered this way.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

# Stand-ins for the two per-request values of the page chrome, swapped in after the cache.
_CSRF = "\x00csrf\x00"
_NEXT = "\x00next\x00"


def cached_fragment(name: str) -> Markup:
    """Return the markup of template ``name`` for this language and prefix (built once)."""
    if not has_request_context():
        return Markup(render_template(name))  # noqa: S704 - an autoescaped template's output
    cache: dict[tuple[str, str, str], Markup] = current_app.extensions["fragments"]
    key = (name, str(get_locale()), request.script_root)
    markup = cache.get(key)
    if markup is None:
        markup = cache[key] = Markup(render_template(name))  # noqa: S704 - as above
    return markup


def page_chrome(part: str) -> Markup:
    """Return the page header and menu around the bell (``part`` "top" or "rest").

    Besides the language and prefix they depend only on whether someone is signed in
    and on their roles, so each combination is rendered once; the CSRF token and the
    page to come back to after switching language are filled in per request.
    """
    authenticated = bool(current_user.is_authenticated)
    roles = tuple(sorted(current_user.roles)) if authenticated else ()
    cache: dict[tuple, Markup] = current_app.extensions["fragments"]
    key = ("chrome", part, str(get_locale()), request.script_root, authenticated, roles)
    markup = cache.get(key)
    if markup is None:
        markup = cache[key] = Markup(  # noqa: S704 - an autoescaped template's output
            render_template(
                f"_chrome_{part}.html",
                authenticated=authenticated,
                roles=frozenset(roles),
                csrf=_CSRF,
                next=_NEXT,
            )
        )
    if part != "rest":
        return markup
    back = request.full_path if request.query_string else request.path
    html = str(markup).replace(_CSRF, str(escape(generate_csrf())))
    html = html.replace(_NEXT, str(escape(back)))
    return Markup(html)  # noqa: S704 - cached autoescaped markup with escaped values


def init_app(app: Flask) -> None:
    """Give templates ``cached_fragment`` and ``page_chrome``."""
    app.extensions["fragments"] = {}
    app.jinja_env.globals["cached_fragment"] = cached_fragment
    app.jinja_env.globals["page_chrome"] = page_chrome
