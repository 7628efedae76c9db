"""The production setup of deploy/, run for real on 127.0.0.1 and tried as users would.

nginx (deploy/nginx/portal.conf: TLS, precompressed static, one proxy hop) in front of two
gunicorn servers (deploy/gunicorn.conf.py) sharing one PostgreSQL database, Redis for the
login limits, and two schedulers of which one runs. The database is the PostgreSQL leg's
(or a server of its own when the suite runs on SQLite, see ``postgres_url``).
"""

from __future__ import annotations

import gzip
import os
import re
import signal
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest
import redis
import requests
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.checkin.codes import projector_mac, time_step
from portal.extensions import db
from portal.timeutil import utcnow
from portal.training.models import Attendance
from tests import factories
from tests.auth.test_throttle_servers import Gunicorn, redis_server
from tests.conftest import fresh_database, make_test_app
from tests.deploy.stack import ROOT, nginx
from tests.factories import PASSWORD
from tests.notifications.test_scheduler import STARTED, Process
from tests.test_outage import postgres_server

pytestmark = pytest.mark.deploy

WORKERS = 50  # workers scanning at the door
SCANS_EACH = 4  # each scans 4 times: 200 scans, 150 of them repeats
HTMX = "js/htmx-2.0.11.min.js"


@dataclass
class Stack:
    """What the tests talk to."""

    url: str  # the database
    https: str  # nginx
    http: str
    cert: Path
    servers: list[Gunicorn]
    redis_url: str
    schedulers: list[Process]
    phones: list[str]
    training_id: int
    secret: str
    extra_phone: str


@contextmanager
def postgres_url(tmp: Path) -> Iterator[str]:
    """A fresh database on the leg's PostgreSQL, or on a server of our own on the SQLite leg."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    with ExitStack() as stack:
        if not base.startswith("postgresql"):
            base = stack.enter_context(postgres_server()).url
        yield stack.enter_context(fresh_database(base, tmp))


def _seed(url: str, tmp: Path) -> tuple[list[str], int, str, str]:
    app = make_test_app(url, str(tmp / "seed"))
    with app.app_context():
        upgrade()
        street = factories.new_street()
        workers = [factories.new_worker(street.communities[0]) for _ in range(WORKERS)]
        extra = factories.new_worker(street.communities[0])
        training = factories.new_training_now(street)
        db.session.commit()
        found = ([w.user.phone for w in workers], training.id, training.checkin_secret)
        extra_phone = extra.user.phone
        db.session.remove()
        db.engine.dispose()
    return (*found, extra_phone)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """Start everything once for the module; stop it all, whatever happens."""
    tmp = tmp_path_factory.mktemp("deploy")
    (tmp / "metrics").mkdir()
    with ExitStack() as stop:
        url = stop.enter_context(postgres_url(tmp))
        phones, training_id, secret, extra_phone = _seed(url, tmp)
        redis_url = stop.enter_context(redis_server(tmp))
        env = {
            "PORTAL_TRUST_PROXY_HOPS": "1",
            "PORTAL_SECURE_COOKIES": "1",
            "PORTAL_WORKERS": "1",
            "PORTAL_INSTANCE_PATH": str(tmp / "instance"),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
            "PORTAL_LOG_FORMAT": "json",
        }
        servers = []
        for _server in range(2):
            server = Gunicorn(
                url,
                tmp,
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                storage=redis_url,
                env=env,
            )
            stop.callback(server.stop)
            servers.append(server)
        upstreams = [server.base.removeprefix("http://") for server in servers]
        https, http, cert = stop.enter_context(nginx(tmp / "nginx", upstreams=upstreams))
        scheduler_env = {**env, "RATELIMIT_STORAGE_URI": redis_url}
        schedulers = []
        for expected in (STARTED, "waiting for it"):  # the first takes the lock, the second waits
            process = Process(url, "scheduler", "--wait", env=scheduler_env)
            stop.callback(process.stop)
            process.wait_for(expected)
            schedulers.append(process)
        yield Stack(
            url,
            https,
            http,
            cert,
            servers,
            redis_url,
            schedulers,
            phones,
            training_id,
            secret,
            extra_phone,
        )


def _client(stack: Stack) -> requests.Session:
    session = requests.Session()
    session.verify = str(stack.cert)
    session.trust_env = False
    return session


def _token(stack: Stack, client: requests.Session) -> str:
    page = client.get(f"{stack.https}/login", timeout=30)
    return page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def _post_login(
    stack: Stack, client: requests.Session, token: str, phone: str, password: str, **headers
) -> int:
    answer = client.post(
        f"{stack.https}/login",
        data={"username": phone, "password": password, "csrf_token": token},
        headers={
            "Referer": f"{stack.https}/login",
            **headers,
        },  # as a browser sends (CSRF over https)
        allow_redirects=False,
        timeout=30,
    )
    return answer.status_code


def _login(
    stack: Stack, phone: str, password: str = PASSWORD, **headers
) -> tuple[requests.Session, int]:
    client = _client(stack)
    return client, _post_login(stack, client, _token(stack, client), phone, password, **headers)


def _scalar(url: str, query) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).scalar()
    finally:
        engine.dispose()


def test_http_goes_to_https_and_pages_come_through_nginx(stack):
    """Plain http is sent to https; the app answers through the proxy."""
    plain = requests.get(f"{stack.http}/login", allow_redirects=False, timeout=30)
    assert plain.status_code == 308
    assert plain.headers["Location"] == f"{stack.https}/login"
    page = _client(stack).get(f"{stack.https}/login", timeout=30)
    assert page.status_code == 200 and "登录" in page.text
    assert page.headers["Strict-Transport-Security"]


@pytest.mark.parametrize(
    ("encoding", "decode"), [("br", brotli.decompress), ("gzip", gzip.decompress)]
)
def test_static_files_come_precompressed_from_nginx_and_are_cached_a_year(stack, encoding, decode):
    """nginx sends the hashed file's .br/.gz copy itself, with Vary and a year's cache."""
    original = (ROOT / "static" / HTMX).read_bytes()
    page = _client(stack).get(f"{stack.https}/login", timeout=30).text
    url = re.search(r'src="(/static/js/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js)"', page).group(1)
    answer = _client(stack).get(
        f"{stack.https}{url}", headers={"Accept-Encoding": encoding}, stream=True, timeout=30
    )
    raw = answer.raw.read(decode_content=False)
    assert answer.status_code == 200
    assert answer.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in answer.headers.get("Vary", "")
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(raw) < len(original) / 2 and decode(raw) == original
    # Only the build is published: a source name is not a URL.
    assert _client(stack).get(f"{stack.https}/static/{HTMX}", timeout=30).status_code == 404


def test_a_check_in_burst_through_nginx_loses_nothing_and_doubles_nothing(stack):
    """200 scans (150 repeats) from 50 phones at once, spread over both servers: one row each."""
    clients = []
    for phone in stack.phones:
        client, status = _login(stack, phone)
        assert status == 302
        clients.append(client)

    def scan(client: requests.Session) -> tuple[int, str]:
        step = time_step(utcnow())
        mac = projector_mac(stack.secret, stack.training_id, step)
        answer = client.get(f"{stack.https}/c/{stack.training_id}/{step}/{mac}", timeout=60)
        return answer.status_code, "签到成功" if "签到成功" in answer.text else (
            "已签到" if "已签到" in answer.text else answer.text[:200]
        )

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(scan, [c for c in clients for _ in range(SCANS_EACH)]))

    assert Counter(status for status, _said in answers) == Counter({200: WORKERS * SCANS_EACH})
    said = Counter(text for _status, text in answers)
    assert said == Counter({"签到成功": WORKERS, "已签到": WORKERS * (SCANS_EACH - 1)})
    rows = _scalar(
        stack.url,
        sa.select(sa.func.count(sa.distinct(Attendance.worker_id))).where(
            Attendance.training_id == stack.training_id
        ),
    )
    total = _scalar(
        stack.url,
        sa.select(sa.func.count()).where(Attendance.training_id == stack.training_id),
    )
    assert (rows, total) == (WORKERS, WORKERS)
    metrics = requests.get(f"{stack.servers[0].base}/metrics", timeout=30).text  # on the host
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("portal_checkins_total{") and 'via="worker"' in line
    )
    assert counted == WORKERS * SCANS_EACH  # both servers' numbers, added up
    scans_served = [
        sum(" GET /c/" in line for line in server.access_log.read_text().splitlines())
        for server in stack.servers
    ]
    assert all(scans_served) and sum(scans_served) == WORKERS * SCANS_EACH


def test_failed_logins_are_limited_across_both_servers_in_redis(stack):
    """Wrong passwords spread over both servers still hit the limit at the fifth."""
    client = _client(stack)
    token = _token(stack, client)  # one form, posted again and again: the servers take turns
    statuses = [
        _post_login(stack, client, token, stack.extra_phone, "Wrong-pass-9")
        for _attempt in range(7)
    ]
    assert statuses[:5] == [422] * 5
    assert statuses[5:] == [429, 429]
    served = [server.login_pids() for server in stack.servers]
    assert all(served), "nginx sent the logins to both servers"
    assert redis.Redis.from_url(stack.redis_url).keys("*")  # the counters live in Redis


def test_x_forwarded_for_from_a_client_is_not_believed(stack):
    """A client's own X-Forwarded-For does not change the address the portal records."""
    phone = stack.phones[0]
    _client_, status = _login(stack, phone, **{"X-Forwarded-For": "198.51.100.7"})
    assert status == 302
    engine = sa.create_engine(stack.url)
    try:
        with engine.connect() as connection:
            addresses = set(
                connection.execute(
                    sa.text(
                        "SELECT s.address FROM login_sessions s JOIN users u ON u.id = s.user_id"
                        " WHERE u.phone = :phone"
                    ),
                    {"phone": phone},
                ).scalars()
            )
    finally:
        engine.dispose()
    assert addresses == {"127.0.0.1"}


def test_metrics_and_oversized_bodies_stop_at_nginx(stack):
    """/metrics is for the host only; a body over the upload limit never reaches the app."""
    assert _client(stack).get(f"{stack.https}/metrics", timeout=30).status_code == 404
    assert requests.get(f"{stack.servers[1].base}/metrics", timeout=30).status_code == 200
    big = _client(stack).post(f"{stack.https}/login", data=b"x" * (12 * 1024 * 1024), timeout=60)
    assert big.status_code == 413


def test_one_scheduler_runs_and_the_other_takes_over_when_it_is_killed(stack):
    """Exactly one holds the lock; SIGKILL it and the waiting one starts within a minute."""
    first, second = stack.schedulers  # the fixture saw the first start and the second wait
    assert first.proc.poll() is None and second.proc.poll() is None
    locks = _scalar(
        stack.url, sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
    )
    assert locks == 1  # exactly one scheduler is active
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=30)
    assert STARTED in second.wait_for(STARTED, timeout=60)
    assert second.proc.poll() is None
