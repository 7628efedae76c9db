"""`python -m bench.admin`: every street-admin page at the demo's size and for 2,000 workers.

    python -m bench.admin [--requests 30] [--warmup 3] [--profile PATH] [--check]

Builds a throwaway migrated SQLite database, loads `flask seed-demo`'s data, signs in the
demo street admin (13800000005) and times the WSGI call of every admin GET page, each
request followed or preceded by one `/_bench/floor` request (same machine noise). Then
it grows 湖南路街道 to 2,000 workers with trainings, attendance, three years of
appraisals and talks, and times every page again. Each page's SQL statement count is
recorded at both sizes: it must not grow with the number of rows (no N+1).

Writes `admin_pages_*` keys to bench/results.json (bench.run.merge_results). Targets:
every page p95 ≤ 50 ms at the demo's size and ≤ 200 ms at 2,000 workers.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from bench.run import (
    BenchConfig,
    Caller,
    add_floor_route,
    load_workers,
    merge_results,
    percentile,
    statements,
)
from portal import create_app
from portal.demo import build_demo
from portal.enums import (
    AppraisalResult,
    AttendanceMethod,
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
    Community,
    Training,
    User,
    UserRole,
    WorkerProfile,
)
from portal.policy.profiles import load_profile
from portal.talks.models import Talk
from portal.timeutil import LOCAL_TZ, local_today

ADMIN_PHONE = "13800000005"
LEADER_PHONE = "13800000004"
DEMO_PASSWORD = "Bench-admin-1"  # noqa: S105 - benchmark only
STREET_WORKERS = 2_000
TRAININGS = 120  # past trainings of the street, over three years
ATTENDANCES_PER_WORKER = 25
APPRAISAL_YEARS = 3
TALK_EVERY = 4  # one talk for every 4th worker
DEMO_TARGET_MS = 50.0
LARGE_TARGET_MS = 200.0

# (name, path) of every admin GET page that renders HTML (the .xlsx downloads are not
# pages). {worker} is a worker of the admin's street.
PAGES = [
    ("dashboard", "/street/dashboard"),
    ("roster", "/street/workers"),
    ("worker", "/street/workers/{worker}"),
    ("edit_worker", "/street/workers/{worker}/edit"),
    ("edit_status", "/street/workers/{worker}/status"),
    ("new_worker", "/street/workers/new"),
    ("appraisals", "/street/appraisals"),
    ("exports", "/street/exports"),
    ("import", "/street/import"),
    ("audit", "/street/audit"),
    ("care", "/street/care"),
    ("care_leave", "/street/care/leave"),
    ("care_fund", "/street/care-fund"),
    ("outside_training", "/street/outside-training"),
    ("mentoring", "/street/mentoring"),
    ("talk_leaders", "/street/mentoring/talk-leaders"),
    ("trainings", "/trainings"),
]


def seed(app: Flask) -> None:
    with app.app_context():
        upgrade()
        build_demo(password=DEMO_PASSWORD)
        db.session.commit()
        db.session.remove()


def grow_street(app: Flask, total: int = STREET_WORKERS) -> dict[str, int]:
    """Add workers (and their records) to the admin's street until it has ``total``."""
    rng = random.Random(12)
    today = local_today()
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        admin = db.session.scalars(sa.select(User).where(User.phone == ADMIN_PHONE)).one()
        leader_id = db.session.scalar(sa.select(User.id).where(User.phone == LEADER_PHONE))
        street_id = admin.street_id
        profile = load_profile(admin.street.district.policy_code)
        communities = db.session.scalars(
            sa.select(Community.id).where(Community.street_id == street_id)
        ).all()
        have = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(WorkerProfile)
            .join(Community)
            .where(Community.street_id == street_id)
        )
        password_hash = admin.password_hash
        first_id = (db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
        users, roles, workers = [], [], []
        post_types = [PostType.HEAD, PostType.DEPUTY, PostType.STAFF]
        for uid in range(first_id, first_id + total - have):
            created = now - timedelta(days=rng.randint(30, 3650))
            users.append(
                {
                    "id": uid,
                    "phone": f"137{uid:08d}",
                    "staff_no": f"BA{uid:06d}",
                    "name": f"社工{uid:05d}",
                    "password_hash": password_hash,
                    "must_change_password": False,
                    "is_enabled": True,
                    "street_id": street_id,
                    "created_at": created,
                }
            )
            roles.append({"user_id": uid, "role": Role.WORKER})
            post_type = rng.choices(post_types, weights=(5, 15, 80))[0]
            low, high = profile.grades[post_type]
            started = today - timedelta(days=rng.randint(400, 25 * 365))
            workers.append(
                {
                    "user_id": uid,
                    "community_id": rng.choice(communities),
                    "post_type": post_type,
                    "grade": rng.randint(low, high),
                    "community_work_started_on": started,
                    "joined_on": started + timedelta(days=rng.randint(0, 150)),
                    "education": rng.choice(list(Education)),
                    "party_member": rng.random() < 0.6,
                    "hiring_route": rng.choice(list(HiringRoute)),
                    "status": WorkerStatus.ACTIVE,
                    "exam_eligible_on": (
                        today - timedelta(days=rng.randint(0, 4 * 365))
                        if rng.random() < 0.4
                        else None
                    ),
                    "updated_at": created,
                }
            )
        trainings = []
        for _ in range(TRAININGS):
            day = today - timedelta(days=rng.randint(1, 3 * 365))
            starts = datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL_TZ).astimezone(UTC)
            hours = rng.choice((2, 3, 4, 8))
            trainings.append(
                {
                    "title": f"街道培训{len(trainings):03d}",
                    "kind": rng.choice(list(TrainingKind)),
                    "level": OrganiserLevel.STREET,
                    "street_id": street_id,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=hours),
                    "place": "街道会议室",
                    "credited_hours": Decimal(hours),
                    "created_at": starts - timedelta(days=14),
                }
            )
        conn = db.session.connection()
        conn.execute(sa.insert(User.__table__), users)
        conn.execute(sa.insert(UserRole.__table__), roles)
        conn.execute(sa.insert(WorkerProfile.__table__), workers)
        conn.execute(sa.insert(Training.__table__), trainings)
        training_rows = conn.execute(
            sa.select(Training.id, Training.starts_at, Training.credited_hours).where(
                Training.title.like("街道培训%")
            )
        ).all()
        methods = list(AttendanceMethod)
        attendance, appraisals, talks = [], [], []
        results = list(AppraisalResult)
        for i, w in enumerate(workers):
            wid = w["user_id"]
            for t in rng.sample(training_rows, ATTENDANCES_PER_WORKER):
                attendance.append(
                    {
                        "training_id": t.id,
                        "worker_id": wid,
                        "checked_in_at": t.starts_at,
                        "credited_on": t.starts_at.astimezone(LOCAL_TZ).date(),
                        "credited_hours": t.credited_hours,
                        "method": methods[rng.randrange(len(methods))],
                    }
                )
            for y in range(today.year - APPRAISAL_YEARS, today.year):
                appraisals.append(
                    {
                        "worker_id": wid,
                        "year": y,
                        "result": rng.choices(results, weights=(20, 70, 8, 2))[0],
                        "score": Decimal(rng.randint(60, 99)),
                        "published_at": datetime(y + 1, 1, 20, tzinfo=UTC),
                        "created_at": datetime(y + 1, 1, 10, tzinfo=UTC),
                    }
                )
            if leader_id and i % TALK_EVERY == 0:
                talks.append(
                    {
                        "leader_id": leader_id,
                        "worker_id": wid,
                        "held_on": today - timedelta(days=rng.randint(1, 300)),
                        "concerns": [],
                        "notes": "谈心谈话",
                        "help_promised": "",
                        "created_at": now,
                    }
                )
        conn.execute(sa.insert(Attendance.__table__), attendance)
        conn.execute(sa.insert(Appraisal.__table__), appraisals)
        if talks:
            conn.execute(sa.insert(Talk.__table__), talks)
        db.session.commit()
        with db.engine.begin() as c:
            c.exec_driver_sql("ANALYZE")
        db.session.remove()
        return {
            "workers": total,
            "attendance_rows": len(attendance),
            "appraisal_rows": len(appraisals),
            "talk_rows": len(talks),
        }


class AdminBench:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.caller = Caller(app)
        with app.app_context():
            admin_id = db.session.scalar(sa.select(User.id).where(User.phone == ADMIN_PHONE))
            street_id = db.session.scalar(sa.select(User.street_id).where(User.id == admin_id))
            self.worker_id = db.session.scalar(
                sa.select(WorkerProfile.user_id)
                .join(Community)
                .where(Community.street_id == street_id)
                .order_by(WorkerProfile.user_id)
            )
            self.floor_id = admin_id
            db.session.remove()
        session_id, _name = load_workers(app, [admin_id])[admin_id]
        self.cookie = self.caller.session_cookie(admin_id, session_id)

    def path(self, template: str) -> str:
        return template.format(worker=self.worker_id)

    def page(self, name: str, template: str) -> int:
        path = self.path(template)
        ns, status, headers, body = self.caller.call(self.caller.environ(path, cookie=self.cookie))
        if not status.startswith("200"):
            raise SystemExit(
                f"bench.admin: GET {path} ({name}) gave {status} "
                f"{headers.get('Location', '')}\n{body[:400]!r}"
            )
        return ns

    def floor(self) -> int:
        env = self.caller.environ("/_bench/floor", {"id": str(self.floor_id)})
        ns, status, _headers, body = self.caller.call(env)
        if not status.startswith("200"):
            raise SystemExit(f"bench.admin: floor gave {status}: {body[:200]!r}")
        return ns

    def queries(self, template: str) -> int:
        with self.app.app_context():
            engine = db.engine
        with statements(engine) as rows:
            self.page("", template)
        return len(rows)

    def measure(self, requests: int, warmup: int) -> tuple[dict[str, list[float]], list[float]]:
        pages: dict[str, list[float]] = {name: [] for name, _ in PAGES}
        floor: list[float] = []
        for i in range(warmup + requests):
            order = PAGES if i % 2 else list(reversed(PAGES))
            for j, (name, template) in enumerate(order):
                if (i + j) % 2:
                    p, f = self.page(name, template), self.floor()
                else:
                    f = self.floor()
                    p = self.page(name, template)
                if i >= warmup:
                    pages[name].append(p / 1e6)
                    floor.append(f / 1e6)
        return pages, floor

    def profile(self, out: Path, requests: int = 5) -> None:
        import cProfile
        import pstats

        for name, template in PAGES:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(requests):
                self.page(name, template)
            prof.disable()
            with (out / f"{name}.txt").open("w") as f:
                stats = pstats.Stats(prof, stream=f).strip_dirs()
                stats.sort_stats("cumulative").print_stats(45)
                stats.sort_stats("tottime").print_stats(20)


def run_size(app: Flask, requests: int, warmup: int, profile_dir: Path | None) -> dict:
    bench = AdminBench(app)
    queries = {name: bench.queries(t) for name, t in PAGES}
    pages, floor = bench.measure(requests, warmup)
    if profile_dir:
        profile_dir.mkdir(parents=True, exist_ok=True)
        bench.profile(profile_dir)
    p95 = {name: round(percentile(v, 95), 2) for name, v in pages.items()}
    p50 = {name: round(statistics.median(v), 2) for name, v in pages.items()}
    slowest = max(p95, key=p95.__getitem__)
    return {
        "p95": p95,
        "p50": p50,
        "queries": queries,
        "slowest": slowest,
        "floor_p50": round(statistics.median(floor), 3),
    }


def report(label: str, r: dict, target: float) -> bool:
    print(f"\n{label}: floor p50 {r['floor_p50']:.3f} ms")
    print(f"  {'page':<18} {'p50':>8} {'p95':>8} {'p95/floor':>10} {'queries':>8}")
    for name, _ in PAGES:
        mark = "" if r["p95"][name] <= target else "  MISSED"
        print(
            f"  {name:<18} {r['p50'][name]:8.2f} {r['p95'][name]:8.2f} "
            f"{r['p95'][name] / r['floor_p50']:10.1f} {r['queries'][name]:8d}{mark}"
        )
    worst = r["p95"][r["slowest"]]
    print(f"  slowest {r['slowest']} p95 {worst:.2f} ms (target ≤ {target:g} ms)")
    return worst <= target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.admin", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile per page here")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="portal-bench-admin-") as instance:
        url = f"sqlite:///{Path(instance) / 'admin.db'}"
        app = create_app(BenchConfig(instance, url))
        add_floor_route(app)
        seed(app)
        demo = run_size(app, args.requests, args.warmup, args.profile and args.profile / "demo")
        grown = grow_street(app)
        large = run_size(app, args.requests, args.warmup, args.profile and args.profile / "2000")
        with app.app_context():
            db.engine.dispose()

    load = os.getloadavg()
    flat = {n: large["queries"][n] - demo["queries"][n] for n, _ in PAGES}
    results = {
        "admin_pages_p95_ms": large["p95"][large["slowest"]],
        "admin_pages_slowest": large["slowest"],
        "admin_pages_demo_p95_ms": demo["p95"][demo["slowest"]],
        "admin_pages_demo_slowest": demo["slowest"],
        "admin_pages": {
            "demo": demo,
            "street_2000": large,
            "street_2000_rows": grown,
            "query_growth": flat,
            "requests_per_page": args.requests,
            "loadavg": [round(x, 2) for x in load],
            "nproc": len(os.sched_getaffinity(0)),
            "database": "sqlite",
            "measured_on": date.today().isoformat(),
        },
    }
    merge_results(results)
    ok_demo = report("Demo street (seed-demo)", demo, DEMO_TARGET_MS)
    ok_large = report(f"Street of {STREET_WORKERS:,} workers", large, LARGE_TARGET_MS)
    grew = {n: d for n, d in flat.items() if d}
    print(f"\nquery count growth demo → 2,000: {grew or 'none'}")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 1 if args.check and not (ok_demo and ok_large) else 0


if __name__ == "__main__":
    sys.exit(main())
