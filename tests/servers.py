"""The one way tests serve HTTP: a server on a free port of 127.0.0.1, in a thread, for a block.

``serve(app)`` serves the Flask app (browser tests, gunicorn-free live tests); ``FakeServer``
serves a fake outside service (web push, WeCom) written as an ``http.server`` handler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import BaseServer
from typing import Generic, TypeVar

from werkzeug.serving import make_server

from portal.extensions import db

S = TypeVar("S")


@contextmanager
def running(server: BaseServer) -> Iterator[str]:
    """Run a bound server in a daemon thread for the block; yield its base URL."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def _buffered(app):
    """Buffer responses: werkzeug's dev server leaks open files on dropped connections."""

    def wrapped(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            getattr(body, "close", lambda: None)()

    return wrapped


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve an app over real HTTP on a free port of 127.0.0.1; yield its base URL."""
    try:
        with running(make_server("127.0.0.1", 0, _buffered(app), threaded=True)) as url:
            yield url
    finally:
        with app.app_context():
            db.engine.dispose()


class FakeServer(Generic[S]):
    """Serve a fake service over HTTP on 127.0.0.1: ``with Server() as service: ...``.

    ``handler_for(service)`` returns the request handler class; the service learns its
    ``base_url`` before the block starts.
    """

    def __init__(self, service: S, handler_for: Callable[[S], type[BaseHTTPRequestHandler]]):
        self.service = service
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(service))
        self.httpd.daemon_threads = True
        self._running = running(self.httpd)
        self.service.base_url = f"http://127.0.0.1:{self.httpd.server_port}"

    def __enter__(self) -> S:
        self._running.__enter__()
        return self.service

    def __exit__(self, *exc) -> None:
        self._running.__exit__(*exc)
