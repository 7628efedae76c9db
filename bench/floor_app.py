"""The check-in benchmark's floor: a bare WSGI app that runs one indexed query.

    gunicorn 'bench.floor_app:app'   (env BENCH_FLOOR_DATABASE_URL)

`GET /?id=N` answers the name of user N (a primary-key lookup) as plain text; `GET
/healthz` answers "ok". No Flask, no session, no templates: what is left is gunicorn,
HTTP parsing, the connection pool and one round trip to the database.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs

import sqlalchemy as sa

_URL = os.environ["BENCH_FLOOR_DATABASE_URL"]
# One pooled connection per gunicorn thread, as the portal's own pool would give.
_engine = sa.create_engine(_URL, pool_size=int(os.environ.get("BENCH_FLOOR_POOL", "16")))
_NAME = sa.text("SELECT name FROM users WHERE id = :id")


def app(environ, start_response):
    """Answer one user's name by id."""
    if environ.get("PATH_INFO") == "/healthz":
        body = b"ok"
    else:
        raw = parse_qs(environ.get("QUERY_STRING", "")).get("id", ["0"])[0]
        user_id = int(raw) if raw.isdigit() else 0
        with _engine.connect() as conn:
            body = (conn.execute(_NAME, {"id": user_id}).scalar() or "").encode()
    start_response(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
