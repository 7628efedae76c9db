"""Posting web push: one encrypted POST per subscription, many through a bounded pool.

``notifications.push`` turns notifications into ``PushJob``s and results; this module only
talks HTTP (pywebpush signs with the VAPID key and encrypts with aes128gcm). What each
answer means is ``PushResponse``: 2xx accepted, 404/410 gone, 429/5xx temporary, a read
timeout after the request left "maybe sent" (never pushed again).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from pywebpush import WebPusher, WebPushException
from requests.adapters import HTTPAdapter

from notifications.channels import request_maybe_sent
from notifications.subscriptions import DEFAULT_ENDPOINT_HOSTS, endpoint_host_allowed
from notifications.vapid import VapidKeys
from portal.timeutil import utcnow

DEFAULT_SUBJECT = "mailto:admin@localhost"
DEFAULT_TIMEOUT = 10.0  # seconds for one POST to the push service
DEFAULT_TTL = 24 * 3600  # seconds a push service keeps a message for an offline phone
DEFAULT_WORKERS = 16  # concurrent POSTs
URGENCIES = ("very-low", "low", "normal", "high")
VAPID_LIFETIME = 12 * 3600  # seconds a signed VAPID token is valid (pywebpush's own choice)
VAPID_REUSE = 3600  # seconds one signed token is reused for a push service before re-signing


@dataclass(frozen=True, slots=True)
class PushJob:
    """One encrypted POST to one subscription."""

    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    ttl: int
    urgency: str


@dataclass(frozen=True, slots=True)
class PushResponse:
    """What one POST came back with."""

    status: int | None  # HTTP status; None for a network error or a refused host
    retry_after: float | None = None
    error: str | None = None
    maybe_sent: bool = False  # the request went out and no answer came

    @property
    def ok(self) -> bool:
        """Return whether the push service accepted the message."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        """Return whether the subscription no longer exists."""
        return self.status in (404, 410)

    @property
    def temporary(self) -> bool:
        """Return whether trying again later may work."""
        if self.maybe_sent:
            return False
        if self.status is None:
            return self.error is not None and not self.error.startswith("refused")
        return self.status == 429 or self.status >= 500


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - (now or utcnow())).total_seconds(), 0.0)


class PushSender:
    """A bounded pool of threads, each POSTing through its own pooled HTTP session."""

    def __init__(
        self,
        keys: VapidKeys,
        *,
        subject: str = DEFAULT_SUBJECT,
        timeout: float = DEFAULT_TIMEOUT,
        workers: int = DEFAULT_WORKERS,
        allowed: Any = DEFAULT_ENDPOINT_HOSTS,
    ) -> None:
        self.keys = keys
        self.subject = subject
        self.timeout = timeout
        self.workers = max(1, int(workers))
        self.allowed = allowed
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._vapid: dict[str, tuple[float, dict[str, str]]] = {}  # audience → (signed, headers)

    def vapid_headers(self, endpoint: str) -> dict[str, str]:
        """Return the VAPID Authorization header for the endpoint's push service.

        One ECDSA signature per push service and hour, not one per message: the token
        names only the service (``aud``), the subject and its expiry (12 hours on), so
        every message to that service may carry it until it is re-signed.
        """
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self._vapid.get(audience)
        if cached is not None and now - cached[0] < VAPID_REUSE:
            return cached[1]
        claims = {"sub": self.subject, "aud": audience, "exp": int(now) + VAPID_LIFETIME}
        headers = dict(self.keys.vapid.sign(claims))
        self._vapid[audience] = (now, headers)  # a race signs twice: both tokens are valid
        return headers

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=8, pool_maxsize=8, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.trust_env = False  # no proxy from the environment: endpoints are checked
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def post(self, job: PushJob) -> PushResponse:
        """Encrypt and POST one message; never raises."""
        if not endpoint_host_allowed(job.endpoint, self.allowed):
            return PushResponse(None, error="refused: push service not allowed")
        try:
            # What pywebpush.webpush() does, with the VAPID header signed once per service.
            pusher = WebPusher(
                {"endpoint": job.endpoint, "keys": {"p256dh": job.p256dh, "auth": job.auth}},
                requests_session=self._session(),
            )
            response = pusher.send(
                job.payload,
                {"Urgency": job.urgency, **self.vapid_headers(job.endpoint)},
                ttl=job.ttl,
                content_encoding="aes128gcm",
                timeout=self.timeout,
            )
            if response.status_code > 202:
                raise WebPushException(
                    f"Push failed: {response.status_code} {response.reason}", response=response
                )
            return PushResponse(response.status_code)
        except WebPushException as error:
            response = error.response
            if response is None:
                return PushResponse(None, error=f"refused: {error.message}"[:300])
            return PushResponse(
                response.status_code,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                error=f"HTTP {response.status_code} {response.reason or ''}".strip(),
            )
        except requests.RequestException as error:
            if request_maybe_sent(error):
                return PushResponse(
                    None,
                    error=f"no answer ({type(error).__name__}); may have arrived, not sent again",
                    maybe_sent=True,
                )
            return PushResponse(None, error=f"network: {type(error).__name__}")

    def post_many(self, jobs: Sequence[PushJob]) -> list[PushResponse]:
        """POST many messages through the pool; results in the order of ``jobs``."""
        if len(jobs) <= 1:
            return [self.post(job) for job in jobs]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="push")
        return list(self._pool.map(self.post, jobs))

    def submit(self, work: Callable[[], Any]) -> Future:
        """Run ``work`` on one of the pool's threads."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="push")
        return self._pool.submit(work)

    def close(self) -> None:
        """Stop the threads and close every session."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
