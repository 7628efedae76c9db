"""Login throttling across real server processes: gunicorn on the database, and Redis.

The servers run the real app (`portal:create_app()`, as `make run` does) on free ports of
127.0.0.1 against a database of their own (a SQLite file, or a throwaway PostgreSQL database
when the suite runs there). The Redis tests start Debian's redis-server on a free port with a
temporary directory and stop it afterwards. A wrong password answers 422 (it was checked), a
throttled attempt 429 (it was not).
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa
from flask_migrate import upgrade
from requests.adapters import HTTPAdapter

from portal.enums import Role
from portal.extensions import db
from portal.models import LoginFailureCounter, User, UserRole
from tests.conftest import fresh_database, make_test_app

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TIMEOUT = 60  # seconds for a process to start or stop on a busy machine
SECRET = "throttle-servers-" + "k" * 32  # shared by the servers, as in production
PASSWORD = "Right-pass-1"  # noqa: S105 - test only
ATTEMPTS = 12
LIMIT = 5  # the default per (account, address): 5 a minute


@pytest.fixture(scope="module")
def server_db(tmp_path_factory) -> Iterator[str]:
    """A migrated database with committed users for the servers."""
    tmp = tmp_path_factory.mktemp("throttle-servers")
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp) as url:
        app = make_test_app(url, str(tmp))
        with app.app_context():
            upgrade()
            for n in range(1, 5):
                user = User(
                    phone=f"1355500000{n}",
                    staff_no=f"GL-TS-{n}",
                    name=f"限流测试{n}",
                    must_change_password=False,
                    role_rows=[UserRole(role=Role.WORKER)],
                )
                user.set_password(PASSWORD)
                db.session.add(user)
            db.session.commit()
            db.engine.dispose()
        yield url


def counters_in_database(url: str) -> int:
    """How many failure counters the database holds."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(LoginFailureCounter))
    finally:
        engine.dispose()


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """The real app under gunicorn on a free port; its access log names the serving process."""

    def __init__(
        self,
        url: str,
        tmp: Path,
        *args: str,
        storage: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.access_log = tmp / f"access-{id(self)}.log"
        extra_env = env
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("WECOM_", "VAPID_", "RATELIMIT_", "PORTAL_"))
        }
        env.update(
            DATABASE_URL=url,
            PORTAL_SECRET_KEY=SECRET,
            PORTAL_SECURE_COOKIES="0",  # plain http on 127.0.0.1: let the client send cookies
            PORTAL_UPLOAD_FOLDER=str(tmp / "uploads"),
        )
        if storage:
            env["RATELIMIT_STORAGE_URI"] = storage
        env.update(extra_env or {})
        self.proc = subprocess.Popen(  # noqa: S603 - our own app
            [
                GUNICORN,
                *args,
                "--bind",
                "127.0.0.1:0",
                "--no-control-socket",
                "--access-logfile",
                str(self.access_log),
                "--access-logformat",
                "%(p)s %(m)s %(U)s %(s)s",
                "--error-logfile",
                "-",
                "portal:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.base = self._wait_for_address()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put("")

    def _wait_for_address(self) -> str:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.output.append(line)
            if match := re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line):
                return match.group(1)
            if line == "":
                break
        self.stop()
        raise AssertionError("gunicorn did not start:\n" + "".join(self.output))

    def stop(self) -> None:
        """Stop as a supervisor does: SIGTERM, SIGKILL if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        self.reader.join(timeout=TIMEOUT)  # the process has ended: its output reaches EOF
        self.proc.stdout.close()

    def login_pids(self) -> list[str]:
        """The process that answered each POST /login, in order."""
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        return [line.split()[0] for line in lines if " POST /login " in line]


@contextmanager
def gunicorn(url: str, tmp: Path, *args: str, storage: str | None = None) -> Iterator[Gunicorn]:
    """Run a gunicorn server for the block."""
    server = Gunicorn(url, tmp, *args, storage=storage)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    """Run Debian's redis-server on a free port of 127.0.0.1 for the block; yield its URL."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: run scripts/install-test-deps"
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - Debian's redis-server
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(tmp),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=1)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=TIMEOUT)


class _FromAddress(HTTPAdapter):
    """Connect from a given source address (another address of the loopback range)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):  # noqa: D102
        kwargs["source_address"] = (self.source, 0)
        return super().init_poolmanager(*args, **kwargs)


def attempt(base: str, username: str, password: str, source: str = "127.0.0.1") -> int:
    """Log in from a fresh browser over a new connection; the status of the POST."""
    with requests.Session() as browser:
        browser.mount("http://", _FromAddress(source))
        headers = {"Connection": "close"}  # a new connection each time, as phones reconnect
        page = browser.get(f"{base}/login", headers=headers, timeout=TIMEOUT).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = browser.post(
            f"{base}/login",
            data={"username": username, "password": password, "csrf_token": token},
            headers=headers,
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        return response.status_code


class Browser:
    """A fresh browser holding the login form, ready to send it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        page = self.session.get(f"{base}/login", headers={"Connection": "close"}, timeout=TIMEOUT)
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

    def send(self, username: str, password: str) -> int:
        """Post the form; the status."""
        with self.session:
            return self.session.post(
                f"{self.base}/login",
                data={"username": username, "password": password, "csrf_token": self.token},
                headers={"Connection": "close"},
                allow_redirects=False,
                timeout=TIMEOUT,
            ).status_code


def simultaneous_attempts(base: str, username: str, count: int) -> list[int]:
    """Send `count` wrong passwords for one account at the same moment; their statuses."""
    browsers = [Browser(base) for _ in range(count)]
    start = threading.Barrier(count, timeout=TIMEOUT)

    def send(n: int) -> int:
        start.wait()
        return browsers[n].send(username, f"Wrong-{n}")

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(send, range(count)))


@pytest.mark.parametrize("storage", ["database", "redis"])
def test_simultaneous_wrong_passwords_are_checked_no_more_than_the_limit(
    storage, server_db, tmp_path
):
    """16 wrong passwords sent at once to 2 workers x 4 threads: still only five are checked.

    Attempts on one account take turns from check to count (a lock per account in
    PostgreSQL or Redis), or each could pass before any had counted: without the locks the
    PostgreSQL leg saw 8-10 checked. On SQLite the login's write lock already serialises them.
    """
    username = {"database": "13555000003", "redis": "GL-TS-4"}[storage]
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(redis_server(tmp_path)) if storage == "redis" else None
        args = ("--workers", "2", "--threads", "4")
        server = stack.enter_context(gunicorn(server_db, tmp_path, *args, storage=url))
        statuses = simultaneous_attempts(server.base, username, 16)
    assert sorted(statuses) == [422] * LIMIT + [429] * (16 - LIMIT)


def test_two_gunicorn_workers_share_the_count_in_the_database(server_db, tmp_path):
    """With `make run`'s two workers and the default storage, 12 wrong passwords: 5 checked.

    Each worker is replaced after 10 requests, so the 12 attempts are answered by at least
    two processes; counting per process would check more than five.
    """
    args = ("--workers", "2", "--threads", "4", "--max-requests", "10")
    with gunicorn(server_db, tmp_path, *args) as server:
        # The attacker alternates phone and staff number: one account all the same.
        names = ["13555000001", "GL-TS-1"] * (ATTEMPTS // 2)
        statuses = [attempt(server.base, name, f"Wrong-{i}") for i, name in enumerate(names)]
        owner = attempt(server.base, "13555000001", PASSWORD, source="127.0.0.2")
        pids = server.login_pids()
    assert statuses == [422] * LIMIT + [429] * (ATTEMPTS - LIMIT)
    assert owner == 302  # the owner, on an address that has not been failing, signs in
    assert len(set(pids[:ATTEMPTS])) >= 2
    assert counters_in_database(server_db) > 0


def test_two_servers_share_the_count_in_redis(server_db, tmp_path):
    """Two servers on one Redis: attempts alternating between them are counted together."""
    with (
        redis_server(tmp_path) as url,
        gunicorn(server_db, tmp_path, "--workers", "1", storage=url) as first,
        gunicorn(server_db, tmp_path, "--workers", "1", storage=url) as second,
    ):
        before = counters_in_database(server_db)
        servers = [first, second] * (ATTEMPTS // 2)
        statuses = [
            attempt(server.base, "13555000002", f"Wrong-{i}") for i, server in enumerate(servers)
        ]
        owner = attempt(second.base, "GL-TS-2", PASSWORD, source="127.0.0.2")
        keys = redis.Redis.from_url(url).keys("*LIMITER/login/*")
        answered = (len(first.login_pids()), len(second.login_pids()))
    assert statuses == [422] * LIMIT + [429] * (ATTEMPTS - LIMIT)
    assert owner == 302
    assert answered == (ATTEMPTS // 2, ATTEMPTS // 2 + 1)
    assert keys  # the counts are in Redis…
    assert counters_in_database(server_db) == before  # …and not in the database
