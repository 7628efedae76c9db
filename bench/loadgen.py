"""A small HTTP load generator: N client threads, keep-alive connections, per-request latency.

Stdlib only (http.client). Two modes:

- burst (closed loop): every client sends its next request as soon as the previous one
  is answered; all clients start together. Latency is the time from send to full body.
- paced (open loop): request i is due at start + i / rate; latency is measured from when
  it was due, so a server (or client) that falls behind is charged for the wait instead
  of hiding it (no coordinated omission).
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Request:
    """One GET to send; `tag` is the caller's (e.g. which worker, first or duplicate)."""

    path: str | Callable[[], str]  # a callable is called at send time (rotating codes)
    headers: dict[str, str]
    tag: object = None


@dataclass
class Response:
    """What came back for one request (status 0 and `error` if nothing came back)."""

    request: Request
    status: int
    body: bytes
    seconds: float
    error: str | None = None
    retried: bool = False


@dataclass
class Run:
    """All responses of one run, in request order, and its wall time."""

    responses: list[Response]
    wall_seconds: float
    extra: dict = field(default_factory=dict)


class _Client:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def connect(self) -> None:
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.connect()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _once(self, req: Request) -> tuple[int, bytes]:
        if self.conn is None:
            self.connect()
        path = req.path() if callable(req.path) else req.path
        self.conn.request("GET", path, headers=req.headers)
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.will_close:
            self.close()
        return resp.status, body

    def send(self, req: Request, origin: float | None = None) -> Response:
        """Send one request; retry once on a keep-alive connection the server had closed."""
        t0 = time.perf_counter()
        start = t0 if origin is None else origin
        retried = False
        try:
            try:
                status, body = self._once(req)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # An idle keep-alive connection closed under us before any answer: a
                # browser resends the GET on a new connection, and so do we.
                self.close()
                retried = True
                status, body = self._once(req)
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return Response(req, 0, b"", time.perf_counter() - start, repr(error), retried)
        return Response(req, status, body, time.perf_counter() - start, None, retried)


def _run(
    host: str,
    port: int,
    requests: Sequence[Request],
    clients: int,
    rate: float | None,
    timeout: float,
) -> Run:
    responses: list[Response | None] = [None] * len(requests)
    next_index = iter(range(len(requests)))
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1, timeout=60)
    start_at: list[float] = []

    def client_loop() -> None:
        client = _Client(host, port, timeout)
        if not rate:
            # A burst sends at once: connection set-up is kept out of its latencies. Paced
            # clients connect when they first send, as phones do (gunicorn's gthread worker
            # gives an open connection a thread until its first request arrives).
            try:
                client.connect()
            except OSError:
                client.close()
        ready.wait()  # all connected
        ready.wait()  # released together
        t0 = start_at[0]
        try:
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                origin = None
                if rate:
                    origin = t0 + i / rate
                    delay = origin - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                responses[i] = client.send(requests[i], origin)
        finally:
            client.close()

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    start_at.append(time.perf_counter() + 0.01)
    ready.wait()
    for t in threads:
        t.join(timeout=timeout * len(requests))
    wall = time.perf_counter() - start_at[0]
    missing = [i for i, r in enumerate(responses) if r is None]
    for i in missing:  # a thread that hung past its timeout: count as an error, never hide
        responses[i] = Response(requests[i], 0, b"", wall, "no answer")
    return Run(responses, wall)


def burst(host: str, port: int, requests: Sequence[Request], clients: int, timeout=60.0) -> Run:
    """Send every request from `clients` threads as fast as answers come back."""
    return _run(host, port, requests, clients, None, timeout)


def paced(
    host: str, port: int, requests: Sequence[Request], clients: int, rate: float, timeout=60.0
) -> Run:
    """Send request i at start + i/rate from a pool of `clients` threads."""
    return _run(host, port, requests, clients, rate, timeout)


# -- CPU accounting --------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_stats() -> list[tuple[int, int, float]]:
    """(pid, process group, user + system CPU seconds) of every live process."""
    rows = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                raw = f.read()
        except OSError:
            continue  # gone meanwhile
        fields = raw[raw.rfind(b")") + 2 :].split()  # after "pid (comm) "
        rows.append((int(entry.name), int(fields[2]), (int(fields[11]) + int(fields[12])) / _TICK))
    return rows


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by the live processes of a process group."""
    return sum(cpu for _pid, group, cpu in _proc_stats() if group == pgid)


def cmdline_cpu(needle: str) -> float:
    """CPU seconds used so far by live processes whose command line contains `needle`.

    PostgreSQL backends show their database name in their title, so this is the work
    the server does for one database's connections.
    """
    total = 0.0
    for pid, _group, cpu in _proc_stats():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if needle.encode() in f.read():
                    total += cpu
        except OSError:
            continue
    return total


# -- a server under test ---------------------------------------------------------------


class Gunicorn:
    """A gunicorn process group on 127.0.0.1, stopped on exit (and only that group)."""

    def __init__(
        self,
        gunicorn: Path,
        app_spec: str,
        *,
        port: int,
        env: dict[str, str],
        cwd: Path,
        log: Path,
        workers: int,
        threads: int,
    ) -> None:
        self.port = port
        self.log = log
        self.command = [
            str(gunicorn),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--keep-alive",
            "30",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            app_spec,
        ]
        self.env = env
        self.cwd = cwd
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self._log_handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=self.cwd,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop exactly it
        )
        return self

    @property
    def pgid(self) -> int:
        """The server's process group (start_new_session: the id of the process we started)."""
        return self.process.pid

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        """Wait until `path` answers 200 (every worker has imported the app)."""
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}{path}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: gunicorn exited early; see {self.log}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - 127.0.0.1
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"bench: gunicorn not ready after {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        """Return the end of the server's log."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            pgid = self.process.pid  # start_new_session: the group id is our child's pid
            try:
                os.killpg(pgid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(pgid, signal.SIGKILL)
                self.process.wait(timeout=5)
            except ProcessLookupError:
                pass
        self._log_handle.close()
