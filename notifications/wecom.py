"""WeCom (企业微信) application messages: the documented ``gettoken`` + ``message/send`` API.

Many streets already reach their workers on WeCom, and it works where Google's push
service does not. The channel is on only when the corp id, agent id and secret are
configured (``WECOM_CORP_ID``, ``WECOM_AGENT_ID``, ``WECOM_SECRET``); the base URL is
configurable (``WECOM_BASE_URL``) so tests talk to a local server, never a real host.

* ``GET {base}/cgi-bin/gettoken?corpid=…&corpsecret=…`` gives an access token valid for
  ``expires_in`` seconds; it is cached (per corp and secret) until shortly before then.
* ``POST {base}/cgi-bin/message/send?access_token=…`` with a text message to the
  user's WeCom user id (set per user in the notification settings).
* errcode 40014/42001/41001 (token invalid, expired, missing): fetch a new token and
  send once more. -1 (busy), 45009 (rate limit), 45033 (concurrency) and HTTP/network
  failures are temporary; every other errcode is permanent.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import requests
import sqlalchemy as sa
from flask import Flask

from notifications.channels import Channel, Outgoing, Result, register_channel, request_maybe_sent
from portal.extensions import db
from portal.inbox.models import NotificationSettings

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"
DEFAULT_TIMEOUT = 10.0
TOKEN_MARGIN = 300  # seconds before expiry at which a cached token is no longer used
TOKEN_ERRORS = {40014, 42001, 41001}
TEMPORARY_ERRORS = {-1, 45009, 45033}
MAX_CONTENT_BYTES = 2048  # WeCom's limit for a text message


class WeComError(Exception):
    """A WeCom call failed; ``temporary`` says whether trying later may work."""

    def __init__(
        self,
        message: str,
        *,
        errcode: int | None = None,
        temporary: bool = False,
        maybe_sent: bool = False,
    ):
        super().__init__(message)
        self.errcode = errcode
        self.temporary = temporary
        self.maybe_sent = maybe_sent  # a message went out and no answer came


@dataclass
class _Token:
    value: str
    expires_at: float  # on the client's monotonic clock


# Tokens live longer than one delivery run: shared by every client of the same corp+secret.
_TOKENS: dict[tuple[str, str, str], _Token] = {}
_TOKENS_LOCK = threading.Lock()


def clear_token_cache() -> None:
    """Forget every cached access token."""
    with _TOKENS_LOCK:
        _TOKENS.clear()


class WeComClient:
    """A small client for the two calls the channel needs."""

    def __init__(
        self,
        *,
        corp_id: str,
        agent_id: int,
        secret: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
    ) -> None:
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.clock = clock
        self.session = session or requests.Session()
        self.session.trust_env = False
        secret_digest = hashlib.sha256(secret.encode()).hexdigest()[:16]
        self._cache_key = (self.base_url, corp_id, secret_digest)

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    def _call(self, method: str, path: str, **kwargs) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            # Only an unanswered POST may have sent something; a token GET is safe to repeat.
            if method == "POST" and request_maybe_sent(error):
                raise WeComError(
                    f"no answer ({type(error).__name__}); may have arrived, not sent again",
                    maybe_sent=True,
                ) from error
            raise WeComError(f"network: {type(error).__name__}", temporary=True) from error
        if response.status_code >= 500 or response.status_code == 429:
            raise WeComError(f"HTTP {response.status_code}", temporary=True)
        if response.status_code != 200:
            raise WeComError(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as error:
            raise WeComError("answer is not JSON", temporary=True) from error
        if not isinstance(data, dict):
            raise WeComError("answer is not a JSON object", temporary=True)
        return data

    def access_token(self, *, refresh: bool = False) -> str:
        """Return a valid access token, fetching one when none is cached or it expired."""
        now = self.clock()
        with _TOKENS_LOCK:
            cached = _TOKENS.get(self._cache_key)
            if cached and not refresh and cached.expires_at > now:
                return cached.value
        data = self._call(
            "GET",
            "/cgi-bin/gettoken",
            params={"corpid": self.corp_id, "corpsecret": self.secret},
        )
        errcode = int(data.get("errcode", 0) or 0)
        token = data.get("access_token")
        if errcode != 0 or not token:
            raise WeComError(
                f"gettoken: {errcode} {data.get('errmsg', '')}".strip(),
                errcode=errcode,
                temporary=errcode in TEMPORARY_ERRORS,
            )
        lifetime = int(data.get("expires_in", 7200) or 7200)
        margin = min(TOKEN_MARGIN, lifetime // 2)
        with _TOKENS_LOCK:
            _TOKENS[self._cache_key] = _Token(token, now + lifetime - margin)
        return token

    def send_text(self, touser: str, content: str) -> dict[str, Any]:
        """Send a text message to one WeCom user; raise WeComError on failure."""
        body = {
            "touser": touser,
            "msgtype": "text",
            "agentid": self.agent_id,
            "text": {"content": truncate_utf8(content, MAX_CONTENT_BYTES)},
            "safe": 0,
        }
        for attempt in (1, 2):
            token = self.access_token(refresh=attempt == 2)
            data = self._call(
                "POST", "/cgi-bin/message/send", params={"access_token": token}, json=body
            )
            errcode = int(data.get("errcode", 0) or 0)
            if errcode in TOKEN_ERRORS and attempt == 1:
                continue  # the token went stale before its time: fetch a new one, once
            if errcode != 0:
                raise WeComError(
                    f"message/send: {errcode} {data.get('errmsg', '')}".strip(),
                    errcode=errcode,
                    temporary=errcode in TEMPORARY_ERRORS or errcode in TOKEN_ERRORS,
                )
            invalid = str(data.get("invaliduser") or "")
            if touser in invalid.split("|"):
                raise WeComError("WeCom user id not found", errcode=errcode)
            return data
        raise AssertionError("unreachable")  # pragma: no cover


def truncate_utf8(text: str, limit: int) -> str:
    """Cut a text to at most ``limit`` bytes of UTF-8 without splitting a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", errors="ignore") + "…"


WECOM_IDS_OF = sa.select(NotificationSettings.user_id, NotificationSettings.wecom_userid).where(
    NotificationSettings.user_id.in_(sa.bindparam("user_ids", expanding=True)),
    NotificationSettings.wecom_userid.is_not(None),
)


class WeComChannel(Channel):
    """A WeCom application message to the user's WeCom account."""

    name = "wecom"

    def __init__(self, client: WeComClient, *, public_url: str | None = None) -> None:
        self.client = client
        self.public_url = (public_url or "").rstrip("/")

    def reachable(self, user_ids: Collection[int], settings: Mapping[int, Any]) -> set[int]:
        """Return the users who have a WeCom user id set."""
        return {
            user_id
            for user_id in user_ids
            if (found := settings.get(user_id)) is not None and (found.wecom_userid or "").strip()
        }

    def addresses(self, user_ids: Collection[int]) -> dict[int, tuple]:
        """Return each user's WeCom user id."""
        if not user_ids:
            return {}
        rows = db.session.execute(WECOM_IDS_OF, {"user_ids": sorted(user_ids)})
        return {user_id: (wecom_id.strip(),) for user_id, wecom_id in rows if wecom_id.strip()}

    def content_of(self, outgoing: Outgoing) -> str:
        """Return the message text: title, body, and a link when the public URL is known."""
        lines = [outgoing.title]
        if outgoing.body:
            lines.append(outgoing.body)
        if self.public_url and outgoing.url:
            lines.append(self.public_url + outgoing.url)
        return "\n".join(lines)

    def send(self, outgoing: Outgoing) -> Result:
        """Send one delivery to the user's WeCom account."""
        if not outgoing.addresses:
            return Result.skipped("no WeCom user id")
        try:
            self.client.send_text(outgoing.addresses[0], self.content_of(outgoing))
        except WeComError as error:
            if error.maybe_sent:
                return Result.unknown(str(error)[:300])
            if error.temporary:
                return Result.retry(str(error)[:300])
            return Result.failed(str(error)[:300])
        return Result.sent()

    def close(self) -> None:
        """Close the client's session."""
        self.client.close()


def is_configured(app: Flask) -> bool:
    """Return whether corp id, agent id and secret are all set."""
    config = app.config
    return all(config.get(key) for key in ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET"))


def build_channel(app: Flask) -> WeComChannel | None:
    """Return the WeCom channel when configured, else None."""
    if not is_configured(app):
        return None
    config = app.config
    client = WeComClient(
        corp_id=str(config["WECOM_CORP_ID"]),
        agent_id=int(config["WECOM_AGENT_ID"]),
        secret=str(config["WECOM_SECRET"]),
        base_url=config.get("WECOM_BASE_URL") or DEFAULT_BASE_URL,
        timeout=float(config.get("WECOM_TIMEOUT", DEFAULT_TIMEOUT)),
    )
    return WeComChannel(client, public_url=config.get("PORTAL_PUBLIC_URL"))


register_channel("wecom", build_channel)
