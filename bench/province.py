"""`python -m bench.province`: a province in one PostgreSQL database.

    scripts/with-postgres python -m bench.province [--workers 150000] [--repeat 5]

Builds a fresh database (``portal_province``) on the server in BENCH_DATABASE_URL or
TEST_DATABASE_URL: 3 districts, 30 streets (10 per district, 10 communities each) and
``--workers`` workers spread evenly over the streets (5,000 a street at the default
150,000), each with 3 published appraisals, 5 training attendances and, for every
other worker, a certificate. Rows are written with COPY, never the ORM per row; the
schema comes from the Alembic migrations.

Then, as a district admin (district 1, its 10 streets, a third of the workers) through
the real WSGI app, each timed ``--repeat`` times (median) beside the bench floor (one
indexed query through the same app, interleaved so both see the same machine noise):

* ``province_dashboard_ms``: the district dashboard (/street/dashboard, whole district);
* ``province_street_dashboard_ms``: the same page narrowed to one 5,000-worker street;
* ``province_roster_search_ms``: a roster search by name over the district;
* ``province_exit_risk_export_ms``: the exit-risk .xlsx export of the district;
* ``province_import_10k_s``: a 10,000-row roster import into one street (bench/imports.py's
  file, what the confirm button does).

Each comes with its ratio to the floor and the load average. Results are merged into
bench/results.json.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from bench.imports import roster_file, timed_roster_import
from bench.run import BenchConfig, Caller, add_floor_route, load_workers, merge_results
from portal import create_app
from portal.enums import (
    AppraisalResult,
    AttendanceMethod,
    CertificateKind,
    Education,
    HiringRoute,
    OrganiserLevel,
    PostType,
    Role,
    TrainingKind,
    WorkerStatus,
)
from portal.extensions import db
from portal.models import (
    Appraisal,
    Attendance,
    Certificate,
    Community,
    District,
    Street,
    Training,
    User,
    UserRole,
    WorkerProfile,
)
from portal.policy.profiles import load_profile
from portal.timeutil import LOCAL_TZ, local_today

SEED = 11
POLICY = "jiangsu"
DISTRICTS = 3
STREETS_PER_DISTRICT = 10
COMMUNITIES_PER_STREET = 10
TRAININGS_PER_STREET = 10
APPRAISAL_YEARS = 3
ATTENDANCES_PER_WORKER = 5
DATABASE = "portal_province"
ADMIN_PHONE = "13000000001"


def server_url() -> sa.URL:
    raw = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not raw or not raw.startswith("postgresql"):
        raise SystemExit("bench.province: run under scripts/with-postgres (PostgreSQL only)")
    return sa.make_url(raw)


def fresh_database(url: sa.URL) -> sa.URL:
    """Drop and create the province database on the server; return its URL."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
    engine.dispose()
    return url.set(database=DATABASE)


# -- building ---------------------------------------------------------------------------


def copy(conn: sa.Connection, table: sa.Table, columns: list[str], rows) -> int:
    """COPY rows (tuples in ``columns`` order) into ``table``, through the columns' types."""
    dialect = conn.dialect
    processors = [table.c[name].type.bind_processor(dialect) for name in columns]
    cursor = conn.connection.driver_connection.cursor()
    n = 0
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as out:
        for row in rows:
            out.write_row(
                [
                    p(v) if p is not None and v is not None else v
                    for p, v in zip(processors, row, strict=True)
                ]
            )
            n += 1
    cursor.close()
    return n


def build(workers: int, log=print) -> dict:
    """Write the province into the (migrated, empty) database; return counts and seconds."""
    rng = random.Random(SEED)
    profile = load_profile(POLICY)
    today = local_today()
    now = datetime.now(UTC).replace(microsecond=0)
    password = generate_password_hash("Bench-pass-1")
    streets = DISTRICTS * STREETS_PER_DISTRICT
    started = time.perf_counter()
    timings: dict[str, float] = {}
    with db.engine.connect() as conn, conn.begin():

        def step(model, columns, rows):
            t0 = time.perf_counter()
            n = copy(conn, model.__table__, columns, rows)
            timings[model.__tablename__] = round(time.perf_counter() - t0, 1)
            log(f"  {model.__tablename__:<18} {n:>9,} rows  {timings[model.__tablename__]:6.1f} s")

        step(
            District,
            ["id", "name", "policy_code"],
            [(d, f"区{d}", POLICY) for d in range(1, DISTRICTS + 1)],
        )
        step(
            Street,
            ["id", "district_id", "name"],
            [
                (s, 1 + (s - 1) // STREETS_PER_DISTRICT, f"街道{s:02d}")
                for s in range(1, streets + 1)
            ],
        )
        communities = streets * COMMUNITIES_PER_STREET
        step(
            Community,
            ["id", "street_id", "name", "population", "households"],
            [
                (c, 1 + (c - 1) // COMMUNITIES_PER_STREET, f"社区{c:03d}", 10_000, 3_000)
                for c in range(1, communities + 1)
            ],
        )
        # Worker i lives in community 1 + i % communities: every street gets workers/30.
        community_of = [1 + i % communities for i in range(workers + 1)]
        street_of = [1 + (c - 1) // COMMUNITIES_PER_STREET for c in community_of]
        admin_id = workers + 1
        user_cols = ["id", "phone", "staff_no", "name", "password_hash", "must_change_password"]
        user_cols += ["is_enabled", "street_id", "district_id", "created_at"]
        users = (
            (u, f"139{u:08d}", f"GZ{u:07d}", f"工作者{u:06d}", password, False, True,
             street_of[u], None, now)
            for u in range(1, workers + 1)
        )  # fmt: skip
        step(User, user_cols, users)
        copy(
            conn,
            User.__table__,
            user_cols,
            [(admin_id, ADMIN_PHONE, None, "区管理员", password, False, True, None, 1, now)],
        )
        roles = [(u, Role.WORKER) for u in range(1, workers + 1)]
        roles.append((admin_id, Role.DISTRICT_ADMIN))
        step(UserRole, ["user_id", "role"], roles)
        post_types = [PostType.HEAD, PostType.DEPUTY, PostType.STAFF]
        educations, routes = list(Education), list(HiringRoute)

        def profiles():
            for u in range(1, workers + 1):
                post = rng.choices(post_types, weights=(5, 15, 80))[0]
                low, high = profile.grades[post]
                began = today - timedelta(days=rng.randint(200, 30 * 365))
                yield (
                    u, community_of[u], post, rng.randint(low, high), began,
                    began + timedelta(days=rng.randint(0, 150)), rng.choice(educations),
                    rng.random() < 0.6, rng.choice(routes), WorkerStatus.ACTIVE, now,
                )  # fmt: skip

        step(
            WorkerProfile,
            ["user_id", "community_id", "post_type", "grade", "community_work_started_on",
             "joined_on", "education", "party_member", "hiring_route", "status", "updated_at"],
            profiles(),
        )  # fmt: skip
        results = list(AppraisalResult)

        def appraisals():
            for u in range(1, workers + 1):
                for y in range(today.year - APPRAISAL_YEARS, today.year):
                    result = rng.choices(results, weights=(20, 70, 8, 2))[0]
                    yield (u, y, result, datetime(y + 1, 1, 20, tzinfo=UTC), now)

        step(
            Appraisal,
            ["worker_id", "year", "result", "published_at", "created_at"],
            appraisals(),
        )
        kinds = list(CertificateKind)

        def certificates():
            for u in range(1, workers + 1, 2):
                issued = today - timedelta(days=rng.randint(30, 9 * 365))
                yield (u, rng.choice(kinds), f"P{u:09d}", issued, issued, "民政部", now)

        step(
            Certificate,
            ["worker_id", "kind", "number", "issued_on", "registered_on", "issuer", "created_at"],
            certificates(),
        )
        trainings = []
        tid = 0
        for s in range(1, streets + 1):
            for _ in range(TRAININGS_PER_STREET):
                tid += 1
                day = today - timedelta(days=rng.randint(1, 300))
                starts = datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL_TZ).astimezone(UTC)
                trainings.append(
                    (tid, f"培训{tid:04d}", rng.choice(list(TrainingKind)), OrganiserLevel.STREET,
                     s, starts, starts + timedelta(hours=4), "街道会议室", 4, starts,
                     f"province-{tid:06d}")
                )  # fmt: skip
        step(
            Training,
            ["id", "title", "kind", "level", "street_id", "starts_at", "ends_at", "place",
             "credited_hours", "created_at", "checkin_secret"],
            trainings,
        )  # fmt: skip
        by_street = {s: [t for t in trainings if t[4] == s] for s in range(1, streets + 1)}
        methods = list(AttendanceMethod)

        def attendances():
            for u in range(1, workers + 1):
                for t in rng.sample(by_street[street_of[u]], ATTENDANCES_PER_WORKER):
                    starts = t[5]
                    yield (t[0], u, starts, starts.astimezone(LOCAL_TZ).date(), 4, methods[u % 4])

        step(
            Attendance,
            ["training_id", "worker_id", "checked_in_at", "credited_on", "credited_hours",
             "method"],
            attendances(),
        )  # fmt: skip
        for model in (District, Street, Community, User, Training):
            table = model.__tablename__
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    log(f"  built in {seconds:.1f} s")
    return {"province_build_seconds": round(seconds, 1), "admin_id": admin_id}


# -- timing -----------------------------------------------------------------------------


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


def timed_pages(app, admin_id: int, repeat: int) -> dict:
    """Time each page ``repeat`` times beside the floor; return result keys."""
    # A worker of district 1 (community 8): its name less the last digit matches ten.
    worker = (admin_id // 2) // 300 * 300 + 7
    needle = f"工作者{worker:06d}"[:-1]
    caller = Caller(app)
    session_id, _name = load_workers(app, [admin_id])[admin_id]
    cookie = caller.session_cookie(admin_id, session_id)
    street = 1  # of district 1
    pages = {
        "dashboard": ("/street/dashboard", None, "区1".encode()),
        "street_dashboard": ("/street/dashboard", {"street": str(street)}, "街道01".encode()),
        "roster_search": ("/street/workers", {"q": needle}, needle.encode()),
        "exit_risk_export": ("/street/export/exit-risks.xlsx", None, b"PK"),
    }
    rng = random.Random(SEED)
    result: dict = {}
    floors: list[float] = []
    for key, (path, query, expect) in pages.items():
        times = []
        load = loadavg()
        for i in range(repeat + 1):  # the first is a warm-up
            floor_env = caller.environ("/_bench/floor", {"id": str(rng.randint(1, admin_id))})
            ns_f, status_f, _h, _b = caller.call(floor_env)
            ns, status, headers, body = caller.call(caller.environ(path, query, cookie))
            if not status.startswith("200") or expect not in body:
                raise SystemExit(f"bench.province: {path} {query} gave {status}: {body[:300]!r}")
            if i:
                times.append(ns / 1e6)
                floors.append(ns_f / 1e6)
        result[f"province_{key}_ms"] = round(statistics.median(times), 1)
        result[f"province_{key}_loadavg"] = load
        print(f"  {key:<18} {result[f'province_{key}_ms']:9.1f} ms  (load {load})", flush=True)
    floor = statistics.median(floors)
    result["province_floor_ms"] = round(floor, 3)
    for key in pages:
        result[f"province_{key}_floor_ratio"] = round(result[f"province_{key}_ms"] / floor, 1)
    return result


def timed_import(app, street_id: int, rows: int) -> dict:
    """Import ``rows`` new workers into one street as the confirm button does."""
    with app.app_context(), force_locale("zh_Hans_CN"):
        names = db.session.scalars(
            sa.select(Community.name).where(Community.street_id == street_id)
        ).all()
        data = roster_file(rows, list(names))
        load = loadavg()
        _report, seconds = timed_roster_import(data, street_id, "province.xlsx")
        db.session.remove()
    print(f"  import {rows:,} rows  {seconds:6.2f} s  (load {load})", flush=True)
    return {
        "province_import_rows": rows,
        "province_import_10k_s": round(seconds, 2),
        "province_import_loadavg": load,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.province", description=__doc__)
    parser.add_argument("--workers", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed calls of each page")
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    if args.workers % (DISTRICTS * STREETS_PER_DISTRICT * COMMUNITIES_PER_STREET):
        raise SystemExit("bench.province: --workers must be a multiple of 300")
    url = fresh_database(server_url())
    with tempfile.TemporaryDirectory(prefix="portal-province-") as instance:
        app = create_app(BenchConfig(instance, url.render_as_string(hide_password=False)))
        add_floor_route(app)
        print(f"-- province: {args.workers:,} workers, 30 streets, 3 districts --", flush=True)
        with app.app_context():
            upgrade()
            built = build(args.workers)
            db.engine.dispose()
        admin_id = built.pop("admin_id")
        result = {
            "province_workers": args.workers,
            "province_streets": DISTRICTS * STREETS_PER_DISTRICT,
            "province_districts": DISTRICTS,
            "province_district_workers": args.workers // DISTRICTS,
            "province_street_workers": args.workers // (DISTRICTS * STREETS_PER_DISTRICT),
            "province_database": "postgresql",
            **built,
        }
        result.update(timed_pages(app, admin_id, args.repeat))
        result.update(timed_import(app, 2, args.import_rows))
        with app.app_context():
            db.engine.dispose()
    result["province_nproc"] = len(os.sched_getaffinity(0))
    merge_results(result)
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
