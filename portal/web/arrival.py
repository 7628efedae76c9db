"""When a request reached the server: the moment a scan at the door is judged by.

A request can wait before its view reads the clock: for SQLite's write lock (a ``@writes``
view takes it at its first query, which loading the session user already makes), or for
a lock on PostgreSQL. A code that was current when the phone's request arrived must not
expire while it waits, so the arrival is stamped once in the WSGI environ, before any
hook, session load or query runs, and views pass it down as an argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask, request

from portal.timeutil import utcnow

ENVIRON_KEY = "portal.arrived_at"


class StampArrival:
    """WSGI middleware that notes the moment each request reached the app."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:  # noqa: D107
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Stamp the arrival (once), then hand the request on."""
        environ.setdefault(ENVIRON_KEY, utcnow())
        return self.wsgi_app(environ, start_response)


def arrived_at() -> datetime:
    """Return when the current request reached the server.

    A request made without the middleware (``test_request_context``) is stamped at the
    first call, so every later call of the same request gives the same moment.
    """
    environ = request.environ
    if ENVIRON_KEY not in environ:
        environ[ENVIRON_KEY] = utcnow()
    moment: datetime = environ[ENVIRON_KEY]
    return moment


def init_app(app: Flask) -> None:
    """Wrap the WSGI app so every request is stamped with its arrival.

    Call after any other middleware is installed: the outermost wrapper runs first.
    """
    # Flask documents wrapping wsgi_app in place; its annotation as a method does not.
    app.wsgi_app = StampArrival(app.wsgi_app)  # type: ignore[method-assign]
