"""What operators watch: one JSON log line per request, and Prometheus metrics at /metrics."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Log requests (with a request id) and serve /metrics to the allowed addresses."""
    from portal.observability import logs, views

    logs.init_app(app)
    app.register_blueprint(views.bp)
