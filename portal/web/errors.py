"""Error pages that tell the user what happened, in their language."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, http_error)
