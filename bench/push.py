"""`make bench`, push part: fan out 20,000 reminders to a local push service.

    python -m bench.push [--reminders 20000] [--floor 5000] [--workers 16] [--check]
    scripts/with-postgres python -m bench.push --postgres --reminders 150000

Builds a fresh SQLite database in a temporary folder (or, with --postgres, a fresh
database ``portal_push_bench`` on the server in BENCH_DATABASE_URL or TEST_DATABASE_URL,
the production database) with 20,000 workers, each with a
browser subscribed at a local push service (its own process on 127.0.0.1, so it does
not share the sender's interpreter lock). The push service checks what a real one
checks: it verifies the VAPID JWT and decrypts the aes128gcm body of every n-th message
(--verify-every; every message is counted and answered 201).

Then, timed separately:

* issue: 20,000 due reminders → reminder log, inbox rows, push deliveries (one run);
* deliver: the real delivery run (claim, pywebpush through the bounded pool with pooled
  sessions, record results) — ``push_per_s``;
* floor: raw encrypted POSTs to the same service with the same pool size and a VAPID
  header signed once — what the network and encryption alone cost (``push_floor_per_s``).

``push_floor_ratio`` = floor rate / push rate (1.0 would be "no overhead over raw
POSTs"). Target: the 20,000 issued and delivered within 30 s. Results are merged into
bench/results.json (other keys kept).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import http_ece
import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from flask_migrate import upgrade
from py_vapid import Vapid
from requests.adapters import HTTPAdapter

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.json"
TARGET_SECONDS = 30.0
KEY_POOL = 64  # distinct browser key pairs, shared round-robin by the subscriptions
SUBJECT = "mailto:bench@example.org"
PG_DATABASE = "portal_push_bench"


# -- the push service, in its own process ------------------------------------------------


def browser_keys(index: int):
    """Return the deterministic browser keys of pool slot `index` (both processes agree)."""
    from tests.notifications.push_service import BrowserKeys

    secret = int.from_bytes(hashlib.sha256(f"bench-key-{index}".encode()).digest(), "big")
    private = ec.derive_private_key(secret % (2**255) + 1, ec.SECP256R1())
    auth = hashlib.sha256(f"bench-auth-{index}".encode()).digest()[:16]
    return BrowserKeys(private, auth)


def _keys_for_token(token: str):
    if token.startswith("u") and token[1:].isdigit():
        return browser_keys(int(token[1:]) % KEY_POOL)
    return None


def _serve(port_queue, verify_every: int) -> None:
    from tests.notifications.push_service import PushServer, PushService

    service = PushService(verify_every=verify_every, key_source=_keys_for_token)
    server = PushServer(service)
    port_queue.put(server.httpd.server_port)
    server.httpd.serve_forever(poll_interval=0.1)


class ServiceProcess:
    """The local push service in a child process."""

    def __init__(self, verify_every: int) -> None:
        context = multiprocessing.get_context("spawn")
        ports = context.Queue()
        self.process = context.Process(target=_serve, args=(ports, verify_every), daemon=True)
        self.process.start()
        self.port = ports.get(timeout=30)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.base_url}/_stats", timeout=10) as answer:  # noqa: S310
            return json.loads(answer.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(timeout=10)


# -- the database ---------------------------------------------------------------------------


def seed(app, base_url: str, count: int) -> list[int]:
    """Insert `count` users, each with one push subscription at the local service."""
    from portal.extensions import db
    from portal.models import PushSubscription, User

    keys = [browser_keys(i) for i in range(KEY_POOL)]
    with app.app_context():
        users = User.__table__
        db.session.execute(
            users.insert(),
            [
                {
                    "phone": f"1{i:010d}",
                    "name": f"工作者{i}",
                    "password_hash": "!",
                    "must_change_password": False,
                    "is_enabled": True,
                }
                for i in range(count)
            ],
        )
        ids = db.session.scalars(sa.select(users.c.id).order_by(users.c.id)).all()
        db.session.execute(
            sa.insert(PushSubscription.__table__),
            [
                {
                    "user_id": user_id,
                    "endpoint": f"{base_url}/push/u{user_id}",
                    "p256dh": keys[user_id % KEY_POOL].p256dh,
                    "auth": keys[user_id % KEY_POOL].auth,
                }
                for user_id in ids
            ],
        )
        db.session.commit()
        db.session.remove()
    return list(ids)


def postgres_url() -> str:
    """Create a fresh benchmark database on the PostgreSQL server; return its URL."""
    raw = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not raw or not raw.startswith("postgresql"):
        raise SystemExit("bench: --postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL")
    server = sa.make_url(raw)
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {PG_DATABASE}")
    engine.dispose()
    return server.set(database=PG_DATABASE).render_as_string(hide_password=False)


# -- the floor: raw encrypted POSTs ------------------------------------------------------------


def floor(base_url: str, user_ids: list[int], vapid: Vapid, workers: int) -> float:
    """POST encrypted messages with no database, no pywebpush: return messages per second."""
    keys = [browser_keys(i) for i in range(KEY_POOL)]
    headers_vapid = vapid.sign({"sub": SUBJECT, "aud": base_url, "exp": int(time.time()) + 3600})
    payload = json.dumps({"title": "今年的健康体检尚未完成", "body": "x" * 40, "url": "/inbox"})
    local = threading.local()
    sessions: list[requests.Session] = []
    lock = threading.Lock()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            adapter = HTTPAdapter(pool_connections=8, pool_maxsize=8, max_retries=0)
            local.session.mount("http://", adapter)
            local.session.trust_env = False
            with lock:
                sessions.append(local.session)
        return local.session

    def post(user_id: int) -> int:
        browser = keys[user_id % KEY_POOL]
        body = http_ece.encrypt(
            payload.encode(),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            dh=browser.public_bytes,
            auth_secret=browser.auth_secret,
            version="aes128gcm",
        )
        answer = session().post(
            f"{base_url}/push/u{user_id}",
            data=body,
            headers={
                **headers_vapid,
                "Content-Encoding": "aes128gcm",
                "TTL": "86400",
                "Urgency": "low",
            },
            timeout=10,
        )
        return answer.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        statuses = list(pool.map(post, user_ids))
    elapsed = time.perf_counter() - started
    for item in sessions:
        item.close()
    bad = [s for s in statuses if s != 201]
    if bad:
        raise SystemExit(f"bench: floor POSTs answered {bad[:5]}")
    return len(user_ids) / elapsed


# -- results ---------------------------------------------------------------------------------


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
    tmp = path.with_suffix(".json.push.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.push", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--reminders", type=int, default=20_000)
    parser.add_argument("--floor", type=int, default=5_000, help="raw POSTs for the floor")
    parser.add_argument("--workers", type=int, default=16, help="concurrent POSTs")
    parser.add_argument("--verify-every", type=int, default=20, help="service checks every n-th")
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database")
    args = parser.parse_args(argv)

    from notifications import channels as channel_registry
    from notifications.deliver import deliver_due
    from notifications.issue import issue, write_lock
    from notifications.reminders import Reminder
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.timeutil import utcnow

    service = ServiceProcess(args.verify_every)
    vapid = Vapid()
    vapid.generate_keys()
    try:
        with tempfile.TemporaryDirectory(prefix="portal-push-bench-") as tmp:
            url = postgres_url() if args.postgres else f"sqlite:///{Path(tmp) / 'push.db'}"
            config = TestConfig(tmp, database_url=url)
            config.TESTING = False
            config.SQLALCHEMY_RECORD_QUERIES = False
            config.VAPID_PRIVATE_KEY = vapid.private_pem().decode()
            config.VAPID_SUBJECT = SUBJECT
            config.PUSH_ENDPOINT_HOSTS = "127.0.0.1"
            config.PUSH_WORKERS = args.workers
            app = create_app(config)
            with app.app_context():
                upgrade()
            user_ids = seed(app, service.base_url, args.reminders)
            # Half the floor before the fan-out and half after: machine noise hits both.
            floor_ids = user_ids[: args.floor]
            half = len(floor_ids) // 2
            floor_seconds = half / floor(service.base_url, floor_ids[:half], vapid, args.workers)
            accepted_before = service.stats()["accepted"]

            now = utcnow().replace(hour=3)  # 11:00 in Shanghai: outside quiet hours
            due = [
                Reminder(
                    user_id=user_id,
                    kind="health_check",
                    subject="health-check:bench",
                    period="bench",
                    title="今年的健康体检尚未完成",
                    body="今年的健康体检应在2026年10月1日前完成。",
                    url=f"/workers/{user_id}/care",
                    urgency="low",
                )
                for user_id in user_ids
            ]
            with app.app_context():
                channels = channel_registry.configured_channels(app)
                try:
                    started = time.perf_counter()
                    with write_lock():
                        issued = issue(due, now=now, channels=channels)
                        db.session.commit()
                    issue_seconds = time.perf_counter() - started

                    started = time.perf_counter()
                    report = deliver_due(now=now, channels=channels)
                    deliver_seconds = time.perf_counter() - started
                finally:
                    channel_registry.close_all(channels)
                    db.session.remove()
                    db.engine.dispose()
            stats = service.stats()
            stats["accepted"] -= accepted_before
            if report.sent != args.reminders or stats["accepted"] != args.reminders:
                raise SystemExit(
                    f"bench: sent {report.sent}, service accepted {stats['accepted']} "
                    f"of {args.reminders}: {dict(report.outcomes)} {stats['errors']}"
                )
            if stats["errors"]:
                raise SystemExit(f"bench: the push service refused messages: {stats['errors']}")
            if issued.issued != args.reminders:
                raise SystemExit(f"bench: issued {issued.issued} of {args.reminders}")

            # The second half of the floor, after the fan-out (the first half ran before).
            floor_seconds += len(floor_ids[half:]) / floor(
                service.base_url, floor_ids[half:], vapid, args.workers
            )
            floor_rate = len(floor_ids) / floor_seconds
            floor_stats = service.stats()
            if floor_stats["errors"]:
                raise SystemExit(f"bench: floor refused: {floor_stats['errors']}")
    finally:
        service.stop()

    push_rate = args.reminders / deliver_seconds
    total = issue_seconds + deliver_seconds
    results = {
        "push_reminders": args.reminders,
        "push_issue_seconds": round(issue_seconds, 2),
        "push_deliver_seconds": round(deliver_seconds, 2),
        "push_total_seconds": round(total, 2),
        "push_per_s": round(push_rate, 1),
        "push_floor_per_s": round(floor_rate, 1),
        "push_floor_ratio": round(floor_rate / push_rate, 2),
        "push_workers": args.workers,
        "push_database": "postgresql" if args.postgres else "sqlite",
        "push_loadavg": [round(x, 2) for x in os.getloadavg()],
        "push_verified_by_service": floor_stats["verified"],
        "push_machine": {
            "nproc": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
        },
    }
    merge_results(results)
    ok = total <= TARGET_SECONDS
    print(
        f"\nPush fan-out  {args.reminders:,} reminders: issue {issue_seconds:5.2f} s, "
        f"deliver {deliver_seconds:5.2f} s ({push_rate:,.0f}/s), total {total:5.2f} s "
        f"target ≤ {TARGET_SECONDS:g} s: {'ok' if ok else 'MISSED'}\n"
        f"Floor         {floor_rate:,.0f} raw encrypted POSTs/s ({len(floor_ids):,} sent, "
        f"{args.workers} at once)   ratio {floor_rate / push_rate:.2f}\n"
        f"The service verified VAPID and decrypted {floor_stats['verified']:,} messages; "
        f"wrote {RESULTS}"
    )
    if args.check and not ok:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
