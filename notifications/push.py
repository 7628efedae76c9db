"""Web push (RFC 8030/8291/8292) through pywebpush, signed with the app's VAPID key.

Sending rules that matter in production:

* a fresh VAPID claims dict per call: pywebpush writes ``aud`` and ``exp`` into the
  dict it is given, so a shared dict would carry one push service's audience to the next;
* an explicit ``timeout`` and ``ttl`` on every request, and ``Urgency`` by kind;
* 404/410 mean the browser dropped the subscription: delete it; 429 and 5xx are
  temporary: the delivery is retried later with backoff (``Retry-After`` respected,
  bounded); other 4xx are permanent;
* many sends go through a bounded thread pool, each thread with its own pooled
  ``requests.Session`` (sessions are not shared between threads);
* endpoints are checked against an allow-list of push services (``PUSH_ENDPOINT_HOSTS``),
  so a forged subscription cannot make the server call into the local network.

The VAPID key pair is generated once by ``flask --app portal push init`` into the
instance folder, or given in the environment (``VAPID_PRIVATE_KEY``/``VAPID_PUBLIC_KEY``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, current_app
from flask.globals import app_ctx
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from requests.adapters import HTTPAdapter

from notifications.channels import Channel, Outcome, Outgoing, Result, register_channel
from notifications.reminders import kind_of, path_for
from portal.extensions import db
from portal.inbox.models import PushSubscription
from portal.timeutil import utcnow

PRIVATE_KEY_FILE = "vapid_private.pem"
DEFAULT_SUBJECT = "mailto:admin@localhost"
DEFAULT_TIMEOUT = 10.0  # seconds for one POST to the push service
DEFAULT_TTL = 24 * 3600  # seconds a push service keeps a message for an offline phone
DEFAULT_WORKERS = 16  # concurrent POSTs
# The push services of the browsers that support web push; a subscription elsewhere
# is refused (set PUSH_ENDPOINT_HOSTS to "*" to allow any host).
DEFAULT_ENDPOINT_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)
URGENCIES = ("very-low", "low", "normal", "high")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MAX_ENDPOINT = 1000


# -- keys ------------------------------------------------------------------------------


class PushKeyError(RuntimeError):
    """The VAPID key pair is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class VapidKeys:
    """The server's VAPID signing key and its public half as browsers want it."""

    vapid: Vapid
    public_key: str  # base64url of the uncompressed P-256 point (applicationServerKey)
    source: str  # "environment" or the key file's path


def b64url(data: bytes) -> str:
    """Encode bytes as unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; ValueError when it is not."""
    if not isinstance(text, str) or not text or any(c in text for c in "+/ \n"):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


def public_key_of(vapid: Vapid) -> str:
    """Return the applicationServerKey of a VAPID key pair."""
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def _vapid_from_text(text: str) -> Vapid:
    text = text.strip()
    try:
        if "-----BEGIN" in text:
            key = serialization.load_pem_private_key(text.encode(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise PushKeyError("VAPID private key is not an EC key")
            return Vapid(key)
        return Vapid.from_string(text)
    except PushKeyError:
        raise
    except Exception as error:  # noqa: BLE001 - any parse failure means the same to the admin
        raise PushKeyError(f"cannot read the VAPID private key: {error}") from error


def key_file(app: Flask) -> Path:
    """Return where ``push init`` keeps the private key."""
    return Path(app.instance_path) / PRIVATE_KEY_FILE


def load_keys(app: Flask) -> VapidKeys | None:
    """Read the VAPID keys from the config (environment) or the instance folder."""
    private = app.config.get("VAPID_PRIVATE_KEY")
    if private:
        vapid = _vapid_from_text(private)
        public = public_key_of(vapid)
        expected = app.config.get("VAPID_PUBLIC_KEY")
        if expected and expected.strip() != public:
            raise PushKeyError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY")
        return VapidKeys(vapid, public, "environment")
    path = key_file(app)
    if not path.exists():
        return None
    return read_key_file(path)


def read_key_file(path: Path) -> VapidKeys:
    """Read the key pair ``push init`` wrote."""
    vapid = _vapid_from_text(path.read_text())
    return VapidKeys(vapid, public_key_of(vapid), str(path))


def vapid_keys(app: Flask | None = None) -> VapidKeys | None:
    """Return the app's VAPID keys (read once per app), or None when push is not set up."""
    app = app or app_ctx.app
    cache = app.extensions.setdefault("portal_push", {})
    if "keys" not in cache:
        cache["keys"] = load_keys(app)
    return cache["keys"]


def forget_keys(app: Flask) -> None:
    """Drop the cached keys (after ``push init --force``)."""
    app.extensions.get("portal_push", {}).pop("keys", None)


def generate_keys(app: Flask, *, force: bool = False) -> VapidKeys:
    """Write a new VAPID key pair into the instance folder; refuse to overwrite unless forced."""
    path = key_file(app)
    if path.exists() and not force:
        raise FileExistsError(str(path))
    vapid = Vapid()
    vapid.generate_keys()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(vapid.private_pem())
    os.replace(tmp, path)
    forget_keys(app)
    return VapidKeys(vapid, public_key_of(vapid), str(path))


# -- subscriptions -----------------------------------------------------------------------


class SubscriptionError(ValueError):
    """A subscription sent by a browser is not usable; the message is for the user."""


def endpoint_host_allowed(endpoint: str, allowed: Collection[str] | str | None) -> bool:
    """Return whether an endpoint's host is one of the allowed push services."""
    host = (urlsplit(endpoint).hostname or "").lower()
    if not host:
        return False
    if allowed in (None, "*") or (not isinstance(allowed, str) and "*" in allowed):
        return True
    if isinstance(allowed, str):
        allowed = [h.strip() for h in allowed.split(",") if h.strip()]
    return any(host == h.lower() or host.endswith("." + h.lower()) for h in allowed)


def allowed_hosts(app: Flask | None = None) -> Any:
    """Return the configured allow-list of push service hosts."""
    app = app or current_app
    return app.config.get("PUSH_ENDPOINT_HOSTS", DEFAULT_ENDPOINT_HOSTS)


@dataclass(frozen=True)
class SubscriptionInfo:
    """A validated browser subscription."""

    endpoint: str
    p256dh: str
    auth: str


def parse_subscription(data: Any, allowed: Any) -> SubscriptionInfo:
    """Check a PushSubscription.toJSON() object; raise SubscriptionError naming the problem.

    The error's message is a code (``endpoint_missing``…) the view turns into words.
    """
    if not isinstance(data, dict):
        raise SubscriptionError("not_object")
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not endpoint:
        raise SubscriptionError("endpoint_missing")
    if not isinstance(keys, dict):
        raise SubscriptionError("keys_missing")
    if len(endpoint) > _MAX_ENDPOINT:
        raise SubscriptionError("endpoint_too_long")
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)
    if not secure or not host:
        raise SubscriptionError("endpoint_not_https")
    if not endpoint_host_allowed(endpoint, allowed):
        raise SubscriptionError("service_not_allowed")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not _is_p256_point(p256dh):
        raise SubscriptionError("bad_p256dh")
    if not isinstance(auth, str) or not _is_auth_secret(auth):
        raise SubscriptionError("bad_auth")
    return SubscriptionInfo(endpoint, p256dh, auth)


def _is_p256_point(text: str) -> bool:
    """Return whether ``text`` is the base64url of an uncompressed P-256 public key."""
    try:
        point = b64url_decode(text)
        if len(point) != 65:
            return False
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, TypeError):
        return False
    return True


def _is_auth_secret(text: str) -> bool:
    """Return whether ``text`` is the base64url of a 16-byte auth secret."""
    try:
        return len(b64url_decode(text)) == 16
    except ValueError:
        return False


# -- sending -----------------------------------------------------------------------------


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


def payload_of(outgoing: Outgoing, *, icon: str | None = None, url: str | None = None) -> bytes:
    """Return the JSON the service worker shows: title, body, where a tap leads."""
    data = {
        "id": outgoing.notification_id,
        "kind": outgoing.kind,
        "title": outgoing.title,
        "body": outgoing.body,
        "url": url or outgoing.url or "/",
        "tag": f"n{outgoing.notification_id}",
    }
    if icon:
        data["icon"] = icon
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


SUBSCRIPTIONS_OF = (
    sa.select(
        PushSubscription.id,
        PushSubscription.user_id,
        PushSubscription.endpoint,
        PushSubscription.p256dh,
        PushSubscription.auth,
    )
    .where(PushSubscription.user_id.in_(sa.bindparam("user_ids", expanding=True)))
    .order_by(PushSubscription.id)
)
USERS_WITH_SUBSCRIPTIONS = sa.select(sa.distinct(PushSubscription.user_id)).where(
    PushSubscription.user_id.in_(sa.bindparam("user_ids", expanding=True))
)


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
        claims = {"sub": self.subject}  # fresh per call: pywebpush adds aud and exp to it
        try:
            response = webpush(
                subscription_info={
                    "endpoint": job.endpoint,
                    "keys": {"p256dh": job.p256dh, "auth": job.auth},
                },
                data=job.payload,
                vapid_private_key=self.keys.vapid,
                vapid_claims=claims,
                timeout=self.timeout,
                ttl=job.ttl,
                headers={"Urgency": job.urgency},
                requests_session=self._session(),
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
            return PushResponse(None, error=f"network: {type(error).__name__}")

    def post_many(self, jobs: Sequence[PushJob]) -> list[PushResponse]:
        """POST many messages through the pool; results in the order of ``jobs``."""
        if len(jobs) <= 1:
            return [self.post(job) for job in jobs]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="push")
        return list(self._pool.map(self.post, jobs))

    def close(self) -> None:
        """Stop the threads and close every session."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()


class PushChannel(Channel):
    """Web push to every browser the user subscribed."""

    name = "push"

    def __init__(self, sender: PushSender, *, ttl: int = DEFAULT_TTL, icon: str | None = None):
        self.sender = sender
        self.ttl = ttl
        self.icon = icon

    def reachable(self, user_ids: Collection[int], settings: Mapping[int, Any]) -> set[int]:
        """Return the users with at least one subscription."""
        if not user_ids:
            return set()
        return set(db.session.scalars(USERS_WITH_SUBSCRIPTIONS, {"user_ids": sorted(user_ids)}))

    def addresses(self, user_ids: Collection[int]) -> dict[int, tuple]:
        """Return each user's subscriptions as (id, endpoint, p256dh, auth)."""
        found: dict[int, list] = {}
        if user_ids:
            for sub in db.session.execute(SUBSCRIPTIONS_OF, {"user_ids": sorted(user_ids)}):
                found.setdefault(sub.user_id, []).append(
                    (sub.id, sub.endpoint, sub.p256dh, sub.auth)
                )
        return {user_id: tuple(subs) for user_id, subs in found.items()}

    def _ttl(self, kind: str) -> int:
        registered = kind_of(kind)
        if registered is not None and registered.ttl is not None:
            return min(registered.ttl, self.ttl)
        return self.ttl

    def jobs(self, outgoing: Outgoing) -> list[PushJob]:
        """Return the POSTs for one delivery: one per subscription, the same payload."""
        urgency = outgoing.urgency if outgoing.urgency in URGENCIES else "normal"
        payload = payload_of(
            outgoing,
            icon=self.icon,
            url=path_for("inbox.open", notification_id=outgoing.notification_id),
        )
        ttl = self._ttl(outgoing.kind)
        return [
            PushJob(sub_id, endpoint, p256dh, auth, payload, ttl, urgency)
            for sub_id, endpoint, p256dh, auth in outgoing.addresses
        ]

    def send(self, outgoing: Outgoing) -> Result:
        """Push one delivery to all of its user's browsers."""
        return self.send_many([outgoing])[0]

    def send_many(self, outgoing: Sequence[Outgoing]) -> list[Result]:
        """Push many deliveries at once through the sender's pool."""
        jobs: list[PushJob] = []
        owners: list[int] = []  # index of the delivery each job belongs to
        for index, item in enumerate(outgoing):
            for job in self.jobs(item):
                jobs.append(job)
                owners.append(index)
        responses = self.sender.post_many(jobs)
        per_delivery: list[list[tuple[PushJob, PushResponse]]] = [[] for _ in outgoing]
        for job, owner, response in zip(jobs, owners, responses, strict=True):
            per_delivery[owner].append((job, response))
        return [_aggregate(pairs) for pairs in per_delivery]

    def after_send(self, outgoing: Sequence[Outgoing], results: Sequence[Result]) -> None:
        """Delete subscriptions the push service called gone; note the ones that worked."""
        gone = sorted({sub_id for result in results for sub_id in result.gone})
        reached = sorted({sub_id for result in results for sub_id in result.reached})
        if gone:
            db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id.in_(gone)))
        if reached:
            db.session.execute(
                sa.update(PushSubscription)
                .where(PushSubscription.id.in_(reached))
                .values(last_success_at=utcnow())
            )

    def close(self) -> None:
        """Stop the sender's threads and sessions."""
        self.sender.close()


def _aggregate(pairs: list[tuple[PushJob, PushResponse]]) -> Result:
    """Fold the answers of a user's browsers into one result for the delivery.

    One accepted copy is enough: retrying because another browser failed would show
    the message twice on the browser that got it.
    """
    if not pairs:
        return Result.skipped("no push subscription")
    reached = tuple(job.subscription_id for job, r in pairs if r.ok)
    gone = tuple(job.subscription_id for job, r in pairs if r.gone)
    if reached:
        return Result.sent(reached=reached, gone=gone)
    temporary = [r for _, r in pairs if r.temporary]
    if temporary:
        waits = [r.retry_after for r in temporary if r.retry_after is not None]
        error = temporary[0].error or "temporary failure"
        return Result(Outcome.RETRY, error, max(waits, default=None), gone=gone)
    if len(gone) == len(pairs):
        return Result.failed("subscription expired", gone=gone)
    problem = next(r for _, r in pairs if not r.gone)
    return Result.failed(problem.error or f"HTTP {problem.status}", gone=gone)


def build_channel(app: Flask) -> PushChannel | None:
    """Return the push channel when the VAPID keys exist, else None."""
    keys = vapid_keys(app)
    if keys is None:
        return None
    config = app.config
    sender = PushSender(
        keys,
        subject=config.get("VAPID_SUBJECT", DEFAULT_SUBJECT),
        timeout=float(config.get("PUSH_TIMEOUT", DEFAULT_TIMEOUT)),
        workers=int(config.get("PUSH_WORKERS", DEFAULT_WORKERS)),
        allowed=allowed_hosts(app),
    )
    icon = None
    static_url = app.static_url_path
    icon_file = Path(app.static_folder or "") / "icons" / "icon-192.png"
    if app.static_folder and static_url is not None and icon_file.exists():
        icon = static_url + "/icons/icon-192.png"
    return PushChannel(sender, ttl=int(config.get("PUSH_TTL", DEFAULT_TTL)), icon=icon)


register_channel("push", build_channel)
