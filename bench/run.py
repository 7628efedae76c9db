"""`make bench`: the worker home page on a large database, beside a one-query floor.

    python -m bench.run [--rebuild] [--requests 500] [--warmup 50] [--profile] [--check]
                        [--skip-checkin | --checkin-only]

Builds (or reuses) bench/bench.db, or the database in BENCH_DATABASE_URL, then calls the
real WSGI app directly and times only the WSGI call (server time: routing, session,
Flask-Login, queries, templates, Talisman, after-request hooks). Home requests for random
workers are interleaved with requests to a bare `/_bench/floor` endpoint that runs one
indexed query, so both see the same machine noise; the ratio of their medians is the
figure to watch. Results are merged into bench/results.json (other keys are kept).

Then the check-in benchmark runs (bench/checkin.py, in its own process: it starts
gunicorn and a throwaway PostgreSQL) and merges its `checkin_*` and `qr_*` keys.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, request
from werkzeug.test import EnvironBuilder

from bench import build_db
from portal import create_app
from portal.auth.operations import sign_in
from portal.config import TestConfig
from portal.extensions import db
from portal.people.models import User

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DB = BENCH_DIR / "bench.db"
RESULTS = BENCH_DIR / "results.json"

TARGET_RATIO = 3.0
TARGET_P50_MS = 10.0

REMOTE_ADDR = "127.0.0.1"
USER_AGENT = "Mozilla/5.0 (portal-bench)"
FLOOR_SQL = sa.text("SELECT name FROM users WHERE id = :id")
_TX_WORDS = {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"}


class BenchConfig(TestConfig):
    """Production behaviour (CSRF, Talisman, secure cookies) on the benchmark database."""

    def __init__(self, instance_path: str, database_url: str) -> None:
        super().__init__(instance_path, database_url=database_url)
        self.TESTING = False
        self.SQLALCHEMY_RECORD_QUERIES = False


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DEFAULT_DB}"


def add_floor_route(app: Flask) -> None:
    """A bare endpoint: one indexed query, a small string back (registered before use)."""

    def floor():
        return db.session.execute(FLOOR_SQL, {"id": request.args.get("id", type=int)}).scalar_one()

    app.add_url_rule("/_bench/floor", "bench_floor", floor)


# -- requests --------------------------------------------------------------------------


class Caller:
    """Build WSGI environs and time the WSGI call alone."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.serializer = app.session_interface.get_signing_serializer(app)
        with app.test_request_context(
            "/", environ_base={"REMOTE_ADDR": REMOTE_ADDR, "HTTP_USER_AGENT": USER_AGENT}
        ):
            # Flask-Login's session-protection identifier for this address + browser.
            self.identifier = app.login_manager._session_identifier_generator()

    def session_cookie(self, user_id: int, session_id: str) -> str:
        """A signed session cookie as a logged-in worker's browser would hold it."""
        return self.serializer.dumps(
            {
                "_user_id": session_id,  # a device record (Flask-Login, see User.get_id)
                "_fresh": True,
                "_id": self.identifier,
                "csrf_token": f"{user_id:040x}",  # already issued: pages don't rewrite the cookie
            }
        )

    def environ(self, path: str, query: dict | None = None, cookie: str | None = None) -> dict:
        headers = {"User-Agent": USER_AGENT, "Accept": "text/html", "Accept-Language": "zh-CN"}
        if cookie:
            headers["Cookie"] = f"{self.cookie_name}={cookie}"
        builder = EnvironBuilder(
            path=path,
            query_string=query,
            headers=headers,
            environ_base={"REMOTE_ADDR": REMOTE_ADDR},
        )
        try:
            return builder.get_environ()
        finally:
            builder.close()

    def call(self, environ: dict) -> tuple[int, str, dict, bytes]:
        """Run one request; return (nanoseconds, status, headers, body)."""
        captured: list = []

        def start_response(status, headers, exc_info=None):
            captured[:] = [status, headers]

        wsgi = self.app.wsgi_app
        t0 = time.perf_counter_ns()
        iterable = wsgi(environ, start_response)
        try:
            body = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close:
                close()
        elapsed = time.perf_counter_ns() - t0
        status, headers = captured
        return elapsed, status, dict(headers), body


@contextmanager
def statements(engine: sa.Engine):
    """Collect (statement, parameters, seconds) of every SQL statement in the block."""
    rows: list[list] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if head not in _TX_WORDS:
            rows.append([statement, parameters, time.perf_counter() - conn.info["bench_t0"]])

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield rows
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


# -- measuring -------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method, as numpy's default)."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def load_workers(app: Flask, ids: list[int]) -> dict[int, tuple[str, str]]:
    """Sign each worker in on a new device record; return {id: (session id, name)}."""
    with app.app_context():
        users = db.session.scalars(sa.select(User).where(User.id.in_(sorted(set(ids))))).all()
        signed_in = {
            u.id: (sign_in(u, user_agent=USER_AGENT, address=REMOTE_ADDR, remember=False), u.name)
            for u in users
        }
        db.session.commit()
        workers = {uid: (s.session_id, name) for uid, (s, name) in signed_in.items()}
        db.session.remove()
    return workers


class Bench:
    def __init__(self, app: Flask, requests: int, warmup: int, seed: int = 7) -> None:
        self.app = app
        self.caller = Caller(app)
        self.requests = requests
        self.warmup = warmup
        rng = random.Random(seed)
        total = requests + warmup
        self.home_ids = [rng.randint(1, build_db.WORKERS) for _ in range(total)]
        self.floor_ids = [rng.randint(1, build_db.WORKERS) for _ in range(total)]
        self.workers = load_workers(app, self.home_ids)
        missing = set(self.home_ids) - set(self.workers)
        if missing:
            raise SystemExit(f"bench: workers missing from the database: {sorted(missing)[:5]}")
        self.cookies = {
            wid: self.caller.session_cookie(wid, session_id)
            for wid, (session_id, _name) in self.workers.items()
        }

    def home_environ(self, worker_id: int) -> dict:
        return self.caller.environ("/", cookie=self.cookies[worker_id])

    def floor_environ(self, user_id: int) -> dict:
        return self.caller.environ("/_bench/floor", {"id": str(user_id)})

    def home(self, worker_id: int) -> int:
        ns, status, headers, body = self.caller.call(self.home_environ(worker_id))
        name = self.workers[worker_id][1]
        if not status.startswith("200") or name.encode() not in body:
            location = headers.get("Location", "")
            raise SystemExit(
                f"bench: GET / as worker {worker_id} gave {status} {location} without the "
                f"worker's name {name!r}; not logged in as a worker?\n{body[:500]!r}"
            )
        if "Set-Cookie" in headers:  # a steady-state visit should not rewrite the session
            raise SystemExit(f"bench: GET / rewrote a cookie: {headers['Set-Cookie'][:80]}")
        return ns

    def floor(self, user_id: int) -> int:
        ns, status, _headers, body = self.caller.call(self.floor_environ(user_id))
        if not status.startswith("200") or not body:
            raise SystemExit(f"bench: GET /_bench/floor gave {status}: {body[:200]!r}")
        return ns

    def measure(self) -> tuple[list[float], list[float]]:
        home_ms: list[float] = []
        floor_ms: list[float] = []
        for i, (wid, uid) in enumerate(zip(self.home_ids, self.floor_ids, strict=True)):
            # Alternate which goes first so neither always follows the other.
            if i % 2:
                h = self.home(wid)
                f = self.floor(uid)
            else:
                f = self.floor(uid)
                h = self.home(wid)
            if i >= self.warmup:
                home_ms.append(h / 1e6)
                floor_ms.append(f / 1e6)
        return home_ms, floor_ms

    def home_queries(self) -> list[list]:
        with self.app.app_context():
            engine = db.engine
        with statements(engine) as rows:
            self.home(self.home_ids[-1])
        return rows

    def sql_time(self, n: int = 100) -> float:
        """Median per-request time spent in cursor.execute for home requests."""
        with self.app.app_context():
            engine = db.engine
        per_request = []
        for wid in self.home_ids[:n]:
            with statements(engine) as rows:
                self.home(wid)
            per_request.append(sum(r[2] for r in rows) * 1000)
        return statistics.median(per_request)


# -- diagnostics -----------------------------------------------------------------------


def explain(app: Flask, rows: list[list]) -> None:
    """Print the plan of each statement of one home request."""
    with app.app_context():
        engine = db.engine
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        with engine.connect() as conn:
            for i, (statement, params, seconds) in enumerate(rows, 1):
                print(f"\n-- query {i} ({seconds * 1000:.2f} ms): {' '.join(statement.split())}")
                print(f"   params: {params}")
                cursor = conn.connection.driver_connection.cursor()
                cursor.execute(prefix + statement, params)
                for plan in cursor.fetchall():
                    print("   ", plan[-1] if engine.dialect.name == "sqlite" else plan[0])
                cursor.close()


def profile(bench: Bench, n: int = 200) -> None:
    """Profile n home requests: pyinstrument if installed, else cProfile."""
    environs = [bench.home_environ(w) for w in bench.home_ids[:n]]
    call: Callable = bench.caller.call
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for env in environs:
            call(env)
        prof.disable()
        stats = pstats.Stats(prof).strip_dirs()
        print(f"\ncProfile of {n} home requests, by cumulative time:")
        stats.sort_stats("cumulative").print_stats(40)
        print("by own time:")
        stats.sort_stats("tottime").print_stats(25)
        return
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for env in environs:
        call(env)
    profiler.stop()
    print(f"\npyinstrument profile of {n} home requests:")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


# -- results ---------------------------------------------------------------------------


def merge_results(new: dict, path: Path = RESULTS) -> dict:
    """Update bench/results.json with new keys, keeping keys other benchmarks wrote."""
    data: dict = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text())
            if isinstance(loaded, dict):
                data = loaded
        except json.JSONDecodeError:
            print(f"bench: {path} is not valid JSON; starting afresh", file=sys.stderr)
    data.update(new)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild the database")
    parser.add_argument("--requests", type=int, default=500, help="timed home requests")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests first")
    parser.add_argument("--profile", action="store_true", help="print query plans and a profile")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    checkin = parser.add_mutually_exclusive_group()
    checkin.add_argument("--skip-checkin", action="store_true", help="home benchmark only")
    checkin.add_argument("--checkin-only", action="store_true", help="check-in benchmark only")
    args = parser.parse_args(argv)
    if args.checkin_only:
        return run_checkin(args.check)
    if args.requests < 500:
        print("bench: fewer than 500 requests is not the benchmark; results still written")

    with tempfile.TemporaryDirectory(prefix="portal-bench-") as instance:
        app = create_app(BenchConfig(instance, database_url()))
        add_floor_route(app)
        build = build_db.ensure_database(app, rebuild=args.rebuild)
        with app.app_context():
            dialect = db.engine.dialect.name
            counts = build_db.current_counts(db.engine)

        bench = Bench(app, args.requests, args.warmup)
        queries = bench.home_queries()  # also the first (cold) request of the run
        home_ms, floor_ms = bench.measure()
        loadavg = os.getloadavg()  # the 1, 5 and 15-minute load as the timing ended
        sql_ms = bench.sql_time()

        home_p50 = statistics.median(home_ms)
        home_p95 = percentile(home_ms, 95)
        floor_p50 = statistics.median(floor_ms)
        ratio = home_p50 / floor_p50
        results = {
            "home_p50_ms": round(home_p50, 3),
            "home_p95_ms": round(home_p95, 3),
            "floor_p50_ms": round(floor_p50, 3),
            "floor_p95_ms": round(percentile(floor_ms, 95), 3),
            "home_floor_ratio": round(ratio, 2),
            "home_loadavg": [round(x, 2) for x in loadavg],
            "home_queries": len(queries),
            "home_sql_execute_p50_ms": round(sql_ms, 3),
            "requests": len(home_ms),
            "workers": counts["worker_profiles"],
            "attendance_rows": counts["attendances"],
            "database": dialect,
            "machine": {
                "nproc": len(os.sched_getaffinity(0)),
                "python": platform.python_version(),
                "platform": platform.platform(terse=True),
            },
        }
        results["build_seconds"] = build["build_seconds"]  # None: an existing database was reused
        merge_results(results)

        ok_ratio = ratio <= TARGET_RATIO
        ok_p50 = home_p50 <= TARGET_P50_MS
        verdict = {True: "ok", False: "MISSED"}
        print(
            f"\nHome page  p50 {home_p50:7.2f} ms   p95 {home_p95:7.2f} ms   "
            f"{len(queries)} queries ({sql_ms:.2f} ms in cursor.execute, median)\n"
            f"Floor      p50 {floor_p50:7.2f} ms   (one indexed query)\n"
            f"Ratio      {ratio:5.2f}   target ≤ {TARGET_RATIO:g}: {verdict[ok_ratio]}   "
            f"p50 target ≤ {TARGET_P50_MS:g} ms: {verdict[ok_p50]}\n"
            f"{len(home_ms)} requests each, {counts['worker_profiles']:,} workers, "
            f"{counts['attendances']:,} attendance rows, {dialect}; "
            f"load average {loadavg[0]:.2f} {loadavg[1]:.2f} {loadavg[2]:.2f}; wrote {RESULTS}"
        )
        if args.profile:
            explain(app, queries)
            profile(bench)
        with app.app_context():
            db.engine.dispose()
    home_missed = args.check and not (ok_ratio and ok_p50)
    checkin_missed = not args.skip_checkin and run_checkin(args.check) != 0
    return 1 if home_missed or checkin_missed else 0


def run_checkin(check: bool) -> int:
    """Run the check-in burst benchmark (bench/checkin.py) in its own process."""
    print("\n-- check-in benchmark (python -m bench.checkin) --", flush=True)
    command = [sys.executable, "-m", "bench.checkin", *(["--check"] if check else [])]
    return subprocess.call(command, cwd=BENCH_DIR.parent)


if __name__ == "__main__":
    sys.exit(main())
