"""URLs a page builds many times: built once per app and prefix, then read from a cache.

A page calls ``url_for`` a couple of dozen times, mostly with the same arguments on every
request (the header, the navigation, the installable-app tags). Inside a request a
relative URL depends only on the endpoint, its arguments and the prefix the app is
mounted under (``SCRIPT_NAME``), and the app adds no URL defaults; so the string built
once is the string every later request gets. Anything else (``_external``, ``_anchor``,
``.relative`` endpoints, arguments that are not plain strings or numbers, no request)
goes to Flask's own ``url_for`` every time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, has_request_context, request
from flask import url_for as flask_url_for

MAX_ENTRIES = 4096  # per-worker URLs vary; past this the cache starts afresh
_PLAIN = (str, int)


def cached_url_for(app: Flask) -> Callable[..., str]:
    """Return a ``url_for`` for templates that reuses the URLs it has built in ``app``."""
    cache: dict[tuple, str] = {}

    def url_for(endpoint: str, **values: Any) -> str:
        if endpoint[:1] == "." or not has_request_context():
            return flask_url_for(endpoint, **values)
        if values:
            for name, value in values.items():
                if name[:1] == "_" or type(value) not in _PLAIN:
                    return flask_url_for(endpoint, **values)
            key: tuple = (request.script_root, endpoint, *sorted(values.items()))
        else:
            key = (request.script_root, endpoint)
        url = cache.get(key)
        if url is None:
            if len(cache) >= MAX_ENTRIES:
                cache.clear()
            url = cache[key] = flask_url_for(endpoint, **values)
        return url

    return url_for


def init_app(app: Flask) -> None:
    """Give templates the caching ``url_for``."""
    app.jinja_env.globals["url_for"] = cached_url_for(app)
