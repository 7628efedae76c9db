"""Error pages that tell the user what happened, in their language.

A database outage is answered here too: 503 with ``Retry-After``, on a page rendered
without the database. The signed-in user is not loaded (that is a query); the page is
drawn as for a visitor, in the language of the cookie (see ``portal.i18n``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db, login_manager

log = logging.getLogger(__name__)

# What a lost, refused or broken connection raises (a locked SQLite file too: it passes).
DATABASE_DOWN = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DisconnectionError)
RETRY_AFTER_SECONDS = 30
_OUTAGE_MESSAGE = "_portal_outage_message"

MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have access to this page."),
    404: lambda: _("This page does not exist, or you do not have access to it."),
    405: lambda: _("This action is not allowed here."),
    429: lambda: _("Too many attempts. Please wait a minute and try again."),
    500: lambda: _("Something went wrong on our side. Please try again later."),
}


def _render_error(code: int, message: str):
    return render_template("errors/error.html", code=code, message=message), code


def _own_description(error: HTTPException) -> str | None:
    # abort(400, description=...) sets a message for the user; the class default is English,
    # and the limiter's is the limit itself ("5 per 1 minute"), not a message.
    if isinstance(error, RateLimitExceeded):
        return None
    description = error.description
    if description and description != type(error).description:
        return str(description)
    return None


def http_error(error: HTTPException):
    """Answer an HTTP error: its own description, or the message for its code."""
    code = error.code or 500
    message = _own_description(error) or MESSAGES.get(code, MESSAGES[500])()
    if request.is_json:
        return jsonify(ok=False, error=message, message=message), code
    return _render_error(code, message)


def _csrf_error(_error: CSRFError):
    return _render_error(
        400, _("The form expired or was sent from elsewhere. Please reload the page and retry.")
    )


_ViewT = TypeVar("_ViewT", bound=Callable[..., Any])


def when_database_down(message: Callable[[], str]) -> Callable[[_ViewT], _ViewT]:
    """Mark a view with what to tell its user during an outage (e.g. "scan again").

    Put it right under the route decorator, like ``@writes``.
    """

    def mark(view: _ViewT) -> _ViewT:
        setattr(view, _OUTAGE_MESSAGE, message)
        return view

    return mark


def _outage_message() -> str:
    view = current_app.view_functions.get(request.endpoint or "")
    own: Callable[[], str] | None = getattr(view, _OUTAGE_MESSAGE, None)
    return own() if own is not None else _("Please try again in a minute.")


def forget_database() -> None:
    """Drop the request's connection and stop anything after this from querying.

    For every answer given because the database is down (this module's, /healthz).
    """
    # The connection is gone: drop it (and the transaction) without a round trip;
    # the pool's pre-ping replaces it once the database is back.
    try:
        db.session().invalidate()
    except sa.exc.SQLAlchemyError:  # pragma: no cover - invalidating never needs the server
        log.warning("could not discard the session", exc_info=True)
    # Loading the user is a query: every later use of current_user (hooks, templates,
    # the locale) sees a visitor instead. The login itself stays in the session cookie.
    g._login_user = login_manager.anonymous_user()


def database_unavailable(error: Exception):
    """Answer while the database cannot be reached: 503, Retry-After, no query."""
    # The text only: a log record keeping the exception would keep its dead connection too.
    log.warning("database unavailable on %s %s: %s", request.method, request.path, str(error))
    forget_database()
    title = _("The portal cannot reach its database right now.")
    message = _outage_message()
    if request.is_json or request.accept_mimetypes.best == "application/json":
        response = jsonify(ok=False, error=title, message=f"{title} {message}")
    else:
        body = render_template("errors/unavailable.html", title=title, message=message)
        response = current_app.response_class(body, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    for error in DATABASE_DOWN:
        app.register_error_handler(error, database_unavailable)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, http_error)
