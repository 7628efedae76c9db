"""Logs as JSON lines: every request once, every record with the request's id.

``PORTAL_LOG_FORMAT`` = ``json`` (default) or ``text``; empty leaves logging to whoever
runs the app (the tests). An access line carries ``request_id``, ``user_id``, ``route``
(the URL rule, e.g. ``/c/<int:training_id>/<int:step>/<mac>`` — never the path itself,
which holds QR codes), ``method``, ``status`` and ``duration_ms``.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from portal.observability import metrics

access_log = logging.getLogger("portal.access")
REQUEST_ID_HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_HANDLER_MARK = "_portal_handler"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Give every record the id of the request it was logged in (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def json_formatter() -> JsonFormatter:
    """Return the JSON line formatter: time, level, logger, message, then extra fields."""
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # ISO 8601 in UTC
        json_ensure_ascii=False,
    )


def configure(log_format: str | None, *, stream=None) -> logging.Handler | None:
    """Send the root logger's records to stderr, as JSON or text (once per process)."""
    if not log_format:
        return None
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, _HANDLER_MARK, False):
            return handler
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        json_formatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def _start() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def route_of() -> str:
    """Return the URL rule the request matched (never the path: it may hold a QR code)."""
    rule = request.url_rule
    return rule.rule if rule is not None else "<no route>"


def _user_id() -> int | None:
    # Only a user already loaded for the request: the log line never costs a query.
    user = g.get("_login_user")
    return user.id if user is not None and user.is_authenticated else None


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:  # a request that failed before the first hook
        return response
    seconds = time.perf_counter() - started
    route = route_of()
    response.headers[REQUEST_ID_HEADER] = g.request_id
    metrics.observe_request(route, request.method, response.status_code, seconds)
    access_log.info(
        "%s %s %s",
        request.method,
        route,
        response.status_code,
        extra={
            "request_id": g.request_id,
            "user_id": _user_id(),
            "route": route,
            "method": request.method,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
        },
    )
    return response


def init_app(app: Flask) -> None:
    """Start a request id before every request, log the request after it."""
    configure(app.config.get("LOG_FORMAT"))
    app.before_request(_start)
    app.after_request(_finish)
