"""Profile one check-in burst in process: where a scan's server time goes.

    python -m bench.checkin_profile [--workers 300] [--top 25] [--database-url URL]

Seeds a fresh SQLite file (or a PostgreSQL database given by URL), then sends every
worker's projector-code scan once plus 10 % second scans through Flask's test client
under cProfile (one thread: no lock waits, pure CPU). Prints the statements per scan
and the top functions by cumulative time, as summarised in bench/checkin-profile.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.checkin import BASE_HEADERS, USER_AGENT, CodePath, Cookies, bench_config, said, seed
from portal import create_app
from portal.extensions import db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.checkin_profile")
    parser.add_argument("--workers", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--database-url", default=None, help="an empty database (default SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="portal-checkin-profile-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'profile.db'}"
        app = create_app(bench_config(Path(tmp), url, secrets.token_hex(32)))
        with app.app_context():
            upgrade()
        seeded = seed(app, args.workers)
        cookies = Cookies(app)
        rng = random.Random(7)
        path = CodePath(*seeded.burst_training)
        order = [w for w in seeded.workers] + rng.sample(seeded.workers, args.workers // 10)
        client = app.test_client(use_cookies=False)
        environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": USER_AGENT}
        warm = CodePath(*seeded.warmup_training)
        for uid, sid in seeded.workers[:20]:
            client.get(
                warm(),
                headers={**BASE_HEADERS, "Cookie": cookies.header(uid, sid)},
                environ_base=environ,
            )
        statements = [0]
        with app.app_context():
            sa.event.listen(
                db.engine,
                "before_cursor_execute",
                lambda *a, **k: statements.__setitem__(0, statements[0] + 1),
            )
        answers: dict[str, int] = {}
        profile = cProfile.Profile()
        t0 = time.perf_counter()
        profile.enable()
        for uid, sid in order:
            headers = {**BASE_HEADERS, "Cookie": cookies.header(uid, sid)}
            response = client.get(path(), headers=headers, environ_base=environ)
            kind = said(response.data)
            answers[kind] = answers.get(kind, 0) + 1
        profile.disable()
        wall = time.perf_counter() - t0
    n = len(order)
    print(
        f"{n} scans: {wall / n * 1000:.2f} ms each (profiled), "
        f"{statements[0] / n:.1f} statements each, answers {answers}"
    )
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
