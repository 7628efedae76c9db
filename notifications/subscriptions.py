"""Browser push subscriptions: what a browser sends, checked before it is stored.

Endpoints are checked against an allow-list of push services (``PUSH_ENDPOINT_HOSTS``),
so a forged subscription cannot make the server call into the local network.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, current_app

from notifications.vapid import b64url_decode

# The push services of the browsers that support web push; a subscription elsewhere
# is refused (set PUSH_ENDPOINT_HOSTS to "*" to allow any host).
DEFAULT_ENDPOINT_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MAX_ENDPOINT = 1000


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
