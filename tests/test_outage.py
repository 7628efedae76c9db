"""A database outage: a real PostgreSQL server stopped and started under a running app.

Not the suite's server (scripts/with-postgres starts one for the whole run): this test
starts its own throwaway one from Debian's binaries, in both legs of `make test`.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from portal.checkin.codes import projector_mac, time_step
from portal.extensions import db
from portal.timeutil import utcnow
from portal.training.models import Attendance
from tests import factories
from tests.conftest import make_test_app
from tests.helpers import login

TIMEOUT = 30  # seconds pg_ctl may take to start or stop the server


@dataclass
class Postgres:
    """A PostgreSQL server of our own that the test can stop and start again."""

    data: Path
    port: int
    run: tuple[str, ...]  # the pg_ctl command line, as the server's owner

    @property
    def url(self) -> str:  # noqa: D102
        return f"postgresql+psycopg://portal@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:  # noqa: D102
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data.parent} -c fsync=off"
        self._pg_ctl("-l", str(self.data.parent / "log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:  # noqa: D102
        self._pg_ctl("-m", mode, "stop")

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - Debian's pg_ctl on our own data directory
            [*self.run, "-D", str(self.data), "-w", "-t", str(TIMEOUT), *args],
            check=True,
            capture_output=True,
            timeout=TIMEOUT + 5,
        )


def _bindir() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(re.sub(r"\D", "", path) or 0),
    )
    assert found, "PostgreSQL is not installed: run scripts/install-test-deps"
    return Path(found[-1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[Postgres]:
    """Run a fresh PostgreSQL server on a free port of 127.0.0.1 for the block."""
    bindir = _bindir()
    # A short path: the server's Unix socket lives there too (at most ~100 characters).
    top = Path(tempfile.mkdtemp(prefix="portal-outage."))
    as_owner: tuple[str, ...] = ()
    if os.getuid() == 0:  # PostgreSQL refuses root: Debian's postgres user runs it
        shutil.chown(top, "postgres")
        as_owner = ("runuser", "-u", "postgres", "--")
    server = Postgres(top / "data", _free_port(), (*as_owner, str(bindir / "pg_ctl")))
    try:
        subprocess.run(  # noqa: S603 - Debian's initdb
            [
                *as_owner,
                str(bindir / "initdb"),
                "-D",
                str(server.data),
                "-U",
                "portal",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        server.start()
        yield server
    finally:
        subprocess.run(  # noqa: S603 - the same pg_ctl; the server may be stopped already
            [*server.run, "-D", str(server.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=TIMEOUT,
        )
        shutil.rmtree(top, ignore_errors=True)


def _scan_path(training_id: int, secret: str) -> str:
    """Return the path the projector's QR code holds now."""
    step = time_step(utcnow())
    return f"/c/{training_id}/{step}/{projector_mac(secret, training_id, step)}"


def _worker_and_training() -> tuple[str, int, str]:
    """Add a worker and a training open now; return the phone, training id and secret."""
    street = factories.new_street()
    worker = factories.new_worker(street.communities[0])
    training = factories.new_training_now(street)
    db.session.commit()
    return worker.user.phone, training.id, training.checkin_secret


def _assert_outage_page(response, *, says: str) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert response.headers["Retry-After"] == "30"
    assert "无法连接数据库" in page
    assert says in page
    assert "Traceback" not in page
    assert "Internal Server Error" not in page
    assert "退出登录" not in page  # drawn without loading the user


def test_pages_answer_503_in_chinese_while_postgres_is_down_and_recover(tmp_path):
    """Stop PostgreSQL under a signed-in worker: 503 pages in Chinese; start it: pages again."""
    with postgres_server() as server:
        app = make_test_app(server.url, str(tmp_path))
        client = app.test_client()
        with app.app_context():
            upgrade()
            phone, training_id, secret = _worker_and_training()
        assert login(client, phone).status_code == 302
        assert client.get("/").status_code == 200

        server.stop()

        scan = _scan_path(training_id, secret)
        _assert_outage_page(client.get("/"), says="请稍后再试")
        _assert_outage_page(client.get(scan), says="签到未记录，请重新扫描屏幕上的二维码")
        english = app.test_client()  # a visitor who chose English: the cookie decides
        english.set_cookie("lang", "en")
        assert "cannot reach its database" in english.get(scan).get_data(as_text=True)
        browser_english = app.test_client()  # no cookie: the browser's language decides
        page = browser_english.get(scan, headers={"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"})
        assert (page.status_code, "cannot reach its database" in page.text) == (503, True)
        answer = client.get("/", headers={"Accept": "application/json"})
        assert (answer.status_code, answer.json["ok"]) == (503, False)
        assert "outcome" not in answer.json  # the door scanner keeps such a scan queued
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.headers["Retry-After"] == "30"
        assert health.json["database"] == "unreachable"

        server.start()

        home = client.get("/")  # the same app and client: no restart, still signed in
        assert home.status_code == 200
        assert "退出登录" in home.get_data(as_text=True)
        again = client.get(_scan_path(training_id, secret))  # scanned again, as told
        assert again.status_code == 200, again.get_data(as_text=True)[:500]
        assert client.get("/healthz").status_code == 200
        with app.app_context():
            recorded = db.session.scalars(
                sa.select(Attendance).where(Attendance.training_id == training_id)
            ).all()
            assert len(recorded) == 1
            db.session.remove()  # returns its connection, which dispose() then closes
            db.engine.dispose()
