"""Build (or reuse) the large benchmark database.

Shape: 1 district (policy jiangsu), 20 streets, 400 communities, 20,000 workers,
2,000 trainings over 10 years, 100 attendances per worker (2,000,000 rows), 3 grade
changes and 10 appraisals per worker, a certificate for every other worker, and this
year's care entitlements (2) and care records (5) per worker.

Every count is fixed, so an existing database is reused when its counts match.
The schema always comes from the Alembic migrations, never from create_all().
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from werkzeug.security import generate_password_hash

from portal.enums import (
    AppraisalResult,
    AttendanceMethod,
    CareKind,
    CareStatus,
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
    CareEntitlement,
    CareRecord,
    Certificate,
    Community,
    District,
    GradeChange,
    Street,
    Training,
    User,
    UserRole,
    WorkerProfile,
)
from portal.policy.profiles import load_profile
from portal.timeutil import LOCAL_TZ, local_today

SEED = 42
POLICY = "jiangsu"
STREETS = 20
COMMUNITIES_PER_STREET = 20
WORKERS = 20_000
TRAININGS = 2_000
FUTURE_TRAININGS = 20  # of TRAININGS, in the next 90 days: the "next training" line
ATTENDANCES_PER_WORKER = 100
GRADE_CHANGES_PER_WORKER = 3
APPRAISAL_YEARS = 10
CERTIFICATE_EVERY = 2  # one certificate per 2 workers
CARE_ENTITLEMENTS_PER_WORKER = 2
CARE_RECORDS_PER_WORKER = 5
BATCH = 50_000
YEARS = 10

BENCH_PASSWORD = "Bench-pass-1"  # noqa: S105 - benchmark only

EXPECTED = {
    "users": WORKERS,
    "worker_profiles": WORKERS,
    "trainings": TRAININGS,
    "attendances": WORKERS * ATTENDANCES_PER_WORKER,
    "grade_changes": WORKERS * GRADE_CHANGES_PER_WORKER,
    "appraisals": WORKERS * APPRAISAL_YEARS,
    "certificates": WORKERS // CERTIFICATE_EVERY,
    "care_entitlements": WORKERS * CARE_ENTITLEMENTS_PER_WORKER,
    "care_records": WORKERS * CARE_RECORDS_PER_WORKER,
}


def _batches(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def current_counts(engine: sa.Engine) -> dict[str, int] | None:
    """Return the row counts of the benchmark tables, or None if the schema is absent."""
    inspector = sa.inspect(engine)
    names = set(inspector.get_table_names())
    if not set(EXPECTED) <= names:
        return None
    year = local_today().year
    with engine.connect() as conn:
        counts = {t: conn.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in EXPECTED}
        # Care data is "this year": a database built last year is stale.
        counts["care_records_this_year"] = conn.scalar(
            sa.select(sa.func.count()).select_from(CareRecord).where(CareRecord.year == year)
        )
    return counts


def is_complete(counts: dict[str, int] | None) -> bool:
    """Return whether a database holds exactly the benchmark data set for this year."""
    if counts is None:
        return False
    return all(counts[t] == n for t, n in EXPECTED.items()) and (
        counts["care_records_this_year"] == EXPECTED["care_records"]
    )


# -- generators ------------------------------------------------------------------------


class Generator:
    """Produce every table's rows from one seeded random source."""

    def __init__(self, today: date, now: datetime) -> None:
        self.rng = random.Random(SEED)
        self.today = today
        self.now = now
        self.profile = load_profile(POLICY)
        self.password_hash = generate_password_hash(BENCH_PASSWORD)  # once, for everyone
        self.street_ids = list(range(1, STREETS + 1))
        self.community_street: dict[int, int] = {}
        self.workers: list[dict] = []  # worker_profiles rows, kept for later tables
        self.trainings: list[dict] = []

    # org tree
    def districts(self) -> list[dict]:
        return [{"id": 1, "name": "基准区", "policy_code": POLICY}]

    def streets(self) -> list[dict]:
        return [{"id": s, "district_id": 1, "name": f"街道{s:02d}"} for s in self.street_ids]

    def communities(self) -> list[dict]:
        rows = []
        cid = 0
        for s in self.street_ids:
            for c in range(COMMUNITIES_PER_STREET):
                cid += 1
                self.community_street[cid] = s
                rows.append(
                    {
                        "id": cid,
                        "street_id": s,
                        "name": f"社区{s:02d}-{c:02d}",
                        "population": self.rng.randint(3_000, 20_000),
                        "households": self.rng.randint(1_000, 7_000),
                    }
                )
        return rows

    # people
    def people(self) -> tuple[list[dict], list[dict], list[dict]]:
        rng = self.rng
        users, roles, workers = [], [], []
        community_ids = list(self.community_street)
        post_types = [PostType.HEAD, PostType.DEPUTY, PostType.STAFF]
        for uid in range(1, WORKERS + 1):
            community_id = rng.choice(community_ids)
            street_id = self.community_street[community_id]
            created = self.now - timedelta(days=rng.randint(30, 3650))
            users.append(
                {
                    "id": uid,
                    "phone": f"139{uid:08d}",
                    "staff_no": f"GZ{uid:06d}",
                    "name": f"工作者{uid:05d}",
                    "password_hash": self.password_hash,
                    "must_change_password": False,
                    "is_enabled": True,
                    "locale": None,
                    "street_id": street_id,
                    "created_at": created,
                    "last_login_at": created,
                }
            )
            roles.append({"user_id": uid, "role": Role.WORKER})
            post_type = rng.choices(post_types, weights=(5, 15, 80))[0]
            low, high = self.profile.grades[post_type]
            started = self.today - timedelta(days=rng.randint(200, 30 * 365))
            eligible = (
                self.today - timedelta(days=rng.randint(0, 4 * 365)) if rng.random() < 0.4 else None
            )
            workers.append(
                {
                    "user_id": uid,
                    "community_id": community_id,
                    "post_type": post_type,
                    "grade": rng.randint(low + 3 if high - low > 3 else low, high),
                    "community_work_started_on": started,
                    "joined_on": started + timedelta(days=rng.randint(0, 150)),
                    "education": rng.choice(list(Education)),
                    "party_member": rng.random() < 0.6,
                    "hiring_route": rng.choice(list(HiringRoute)),
                    "status": WorkerStatus.ACTIVE,
                    "status_since": None,
                    "status_until": None,
                    "status_reason": None,
                    "exam_eligible_on": eligible,
                    "updated_at": created,
                    # not a column: the attendance pool needs the street
                    "_street_id": street_id,
                }
            )
        self.workers = workers
        profiles = [{k: v for k, v in w.items() if not k.startswith("_")} for w in workers]
        return users, roles, profiles

    def grade_changes(self) -> Iterator[dict]:
        rng = self.rng
        for w in self.workers:
            start = w["community_work_started_on"]
            span = max((self.today - start).days, GRADE_CHANGES_PER_WORKER + 1)
            days = sorted(rng.sample(range(1, span), GRADE_CHANGES_PER_WORKER))
            for i, d in enumerate(days):
                to_grade = max(1, w["grade"] - (GRADE_CHANGES_PER_WORKER - 1 - i))
                yield {
                    "worker_id": w["user_id"],
                    "changed_on": start + timedelta(days=d),
                    "from_post_type": w["post_type"],
                    "from_grade": to_grade - 1 if to_grade > 1 else None,
                    "to_post_type": w["post_type"],
                    "to_grade": to_grade,
                    "reason": f"年度晋级{i + 1}",
                    "recorded_by_id": None,
                    "created_at": self.now,
                }

    def make_trainings(self) -> list[dict]:
        rng = self.rng
        first = self.today.replace(year=self.today.year - YEARS)
        past_days = (self.today - first).days
        rows = []
        for tid in range(1, TRAININGS + 1):
            if tid <= FUTURE_TRAININGS:
                day = self.today + timedelta(days=rng.randint(1, 90))
            else:
                day = first + timedelta(days=rng.randint(0, past_days - 1))
            local_start = datetime(
                day.year, day.month, day.day, rng.choice((8, 9, 13, 14)), tzinfo=LOCAL_TZ
            )
            starts_at = local_start.astimezone(UTC)
            hours = rng.choice((2, 3, 4, 4, 8, 8))
            county_wide = rng.random() < 0.5
            rows.append(
                {
                    "id": tid,
                    "title": f"培训{tid:04d}",
                    "kind": rng.choice(list(TrainingKind)),
                    "level": OrganiserLevel.COUNTY if county_wide else OrganiserLevel.STREET,
                    "street_id": None if county_wide else rng.choice(self.street_ids),
                    "organiser_id": None,
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(hours=hours),
                    "place": "街道会议室",
                    "credited_hours": Decimal(hours),
                    "capacity": None,
                    "created_at": starts_at - timedelta(days=14),
                }
            )
        self.trainings = rows
        return rows

    def attendances(self) -> Iterator[dict]:
        rng = self.rng
        past = [t for t in self.trainings if t["starts_at"] < self.now]
        county = [t for t in past if t["street_id"] is None]
        pools = {s: county + [t for t in past if t["street_id"] == s] for s in self.street_ids}
        # Precompute per training what every attendance row repeats.
        info = {
            t["id"]: (
                t["starts_at"].astimezone(LOCAL_TZ).date(),
                t["credited_hours"],
                t["starts_at"],
            )
            for t in past
        }
        methods = list(AttendanceMethod)
        for w in self.workers:
            wid = w["user_id"]
            for t in rng.sample(pools[w["_street_id"]], ATTENDANCES_PER_WORKER):
                tid = t["id"]
                credited_on, hours, starts_at = info[tid]
                yield {
                    "training_id": tid,
                    "worker_id": wid,
                    "checked_in_at": starts_at,
                    "credited_on": credited_on,
                    "credited_hours": hours,
                    "method": methods[rng.randrange(4)],
                }

    def appraisals(self) -> Iterator[dict]:
        rng = self.rng
        results = list(AppraisalResult)
        year = self.today.year
        for w in self.workers:
            for y in range(year - APPRAISAL_YEARS, year):
                result = rng.choices(results, weights=(20, 70, 8, 2))[0]
                yield {
                    "worker_id": w["user_id"],
                    "year": y,
                    "result": result,
                    "score": Decimal(rng.randint(60, 99)),
                    "comment": None,
                    "published_at": datetime(y + 1, 1, 20, tzinfo=UTC),
                    "created_at": datetime(y + 1, 1, 10, tzinfo=UTC),
                }

    def certificates(self) -> Iterator[dict]:
        rng = self.rng
        kinds = list(CertificateKind)
        for w in self.workers[::CERTIFICATE_EVERY]:
            issued = self.today - timedelta(days=rng.randint(30, 9 * 365))
            yield {
                "worker_id": w["user_id"],
                "kind": rng.choice(kinds),
                "number": f"BENCH{w['user_id']:08d}",
                "issued_on": issued,
                "expires_on": None,
                "registered_on": issued + timedelta(days=30),
                "issuer": "民政部",
                "created_at": self.now,
            }

    def care_entitlements(self) -> Iterator[dict]:
        year = self.today.year
        for w in self.workers:
            yield {
                "worker_id": w["user_id"],
                "year": year,
                "kind": CareKind.ANNUAL_LEAVE,
                "quantity": Decimal(self.rng.choice((5, 10, 15))),
            }
            yield {
                "worker_id": w["user_id"],
                "year": year,
                "kind": CareKind.HEALTH_CHECK,
                "quantity": Decimal(1),
            }

    def care_records(self) -> Iterator[dict]:
        rng = self.rng
        year = self.today.year
        jan1 = date(year, 1, 1)
        elapsed = (self.today - jan1).days
        kinds = list(CareKind)
        statuses = list(CareStatus)
        for w in self.workers:
            for _ in range(CARE_RECORDS_PER_WORKER):
                kind = rng.choice(kinds)
                if kind == CareKind.ANNUAL_LEAVE:
                    quantity = Decimal(rng.randint(1, 3))
                elif kind in (CareKind.CARE_FUND, CareKind.SUBSIDY, CareKind.CERTIFICATE_ALLOWANCE):
                    quantity = Decimal(rng.choice((200, 500, 1000)))
                else:
                    quantity = None
                yield {
                    "worker_id": w["user_id"],
                    "kind": kind,
                    "year": year,
                    "occurred_on": jan1 + timedelta(days=rng.randint(0, elapsed)),
                    "quantity": quantity,
                    "status": rng.choices(statuses, weights=(1, 2, 1, 6))[0],
                    "note": None,
                    "created_at": self.now,
                }


# -- build -----------------------------------------------------------------------------


def _insert(conn: sa.Connection, model, rows: Iterable[dict]) -> int:
    n = 0
    for batch in _batches(rows):
        conn.execute(sa.insert(model.__table__), batch)
        n += len(batch)
    return n


def _reset(app: Flask, engine: sa.Engine) -> None:
    """Empty the database so the migrations run on a blank schema."""
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        engine.dispose()
        if path and path != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(path + suffix).unlink(missing_ok=True)
    else:  # PostgreSQL: the migrations' own downgrade drops every table they made
        downgrade(revision="base")
        engine.dispose()


def build(app: Flask, log=print) -> float:
    """Build the data set into the app's (freshly migrated) database; return seconds."""
    started = time.perf_counter()
    engine = db.engine
    today = local_today()
    now = datetime.now(UTC).replace(microsecond=0)
    gen = Generator(today, now)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute("PRAGMA synchronous=OFF")
            raw.execute("PRAGMA cache_size=-524288")  # 512 MiB: indexes stay in memory
            raw.execute("PRAGMA temp_store=MEMORY")
        with conn.begin():
            steps = [
                (District, gen.districts),
                (Street, gen.streets),
                (Community, gen.communities),
            ]
            for model, rows in steps:
                _insert(conn, model, rows())
            users, roles, profiles = gen.people()
            _insert(conn, User, users)
            _insert(conn, UserRole, roles)
            _insert(conn, WorkerProfile, profiles)
            for model, rows in [
                (GradeChange, gen.grade_changes),
                (Training, gen.make_trainings),
                (Attendance, gen.attendances),
                (Appraisal, gen.appraisals),
                (Certificate, gen.certificates),
                (CareEntitlement, gen.care_entitlements),
                (CareRecord, gen.care_records),
            ]:
                t0 = time.perf_counter()
                n = _insert(conn, model, rows())
                log(f"  {model.__tablename__:<18} {n:>9,} rows  {time.perf_counter() - t0:6.1f} s")
            if engine.dialect.name == "postgresql":
                # Explicit ids were inserted: move the sequences past them.
                for model in (District, Street, Community, User, Training):
                    table = model.__tablename__
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
        if engine.dialect.name == "sqlite":
            conn.connection.driver_connection.execute("PRAGMA synchronous=NORMAL")
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    log(f"  ANALYZE {time.perf_counter() - t0:.1f} s")
    engine.dispose()  # measurements start from connections with the app's own settings
    return time.perf_counter() - started


def ensure_database(app: Flask, *, rebuild: bool = False, log=print) -> dict:
    """Migrate the database and build the data set unless it is already there."""
    with app.app_context():
        engine = db.engine
        counts = None if rebuild else current_counts(engine)
        if is_complete(counts):
            upgrade()  # new revisions from colleagues apply to the kept data
            log(f"Reusing {engine.url.render_as_string(hide_password=True)} (counts match)")
            return {"built": False, "build_seconds": None}
        if counts is not None or rebuild:
            log("Database incomplete or --rebuild: resetting it")
            if engine.dialect.name != "sqlite":
                upgrade()  # so the downgrade knows where it stands
            _reset(app, engine)
        log(f"Building {engine.url.render_as_string(hide_password=True)} …")
        upgrade()
        seconds = build(app, log=log)
        counts = current_counts(engine)
        if not is_complete(counts):
            raise SystemExit(f"build produced unexpected counts: {counts}")
        log(f"Built in {seconds:.1f} s")
        return {"built": True, "build_seconds": round(seconds, 1)}
