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
from markupsafe import Markup


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


def init_app(app: Flask) -> None:
    """Give templates ``cached_fragment``."""
    app.extensions["fragments"] = {}
    app.jinja_env.globals["cached_fragment"] = cached_fragment
