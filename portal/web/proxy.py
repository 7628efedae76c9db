"""Trust X-Forwarded-* only from the number of proxies configured."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Wrap the WSGI app in ProxyFix when it runs behind a reverse proxy."""
    hops = app.config.get("TRUST_PROXY_HOPS", 0)
    if hops:
        # Flask documents wrapping wsgi_app in place; its annotation as a method does not.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
