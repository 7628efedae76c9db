"""Delivery channels: how an inbox notification reaches a phone besides the inbox itself.

A channel knows which users it can reach and how to send one delivery; reminder
logic never names a channel. Adding another (an SMS gateway) means writing a class
with ``name``, ``reachable()``, ``addresses()`` and ``send()`` and registering its
factory here:

    register_channel("sms", lambda app: SmsChannel(...) if configured else None)

A delivery run has three phases, so that network time never holds a database lock:
``addresses()`` reads what the channel needs (push subscriptions, WeCom user ids),
``send()``/``send_many()`` talk to the outside world without touching the database,
and ``after_send()`` records side effects (a push subscription that is gone).
``send_many`` defaults to one ``send`` after another; web push overrides it with a
bounded thread pool. ``send_each`` yields each result as soon as it is known, so the
delivery run can record it at once (what a crash can repeat is only what was in flight).

A network error is "not sent" when the request never left (connection refused, DNS,
connect timeout, TLS handshake: try again later) and "maybe sent" when it went out and
no answer came (read timeout, connection dropped mid-answer): that one is recorded
``unknown`` and never sent again blindly (``request_maybe_sent``).

Channels are built per run from the app's config and closed afterwards (they may hold
HTTP sessions and threads).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import requests

# urllib3's, as requests uses it; its NewConnectionError (refused, DNS) is a subclass.
from requests.adapters import ConnectTimeoutError

if TYPE_CHECKING:
    from flask import Flask


class Outcome(enum.StrEnum):
    """What became of one delivery attempt."""

    SENT = "sent"
    RETRY = "retry"  # a temporary failure: try again later (with backoff)
    FAILED = "failed"  # a permanent failure: do not try again
    SKIPPED = "skipped"  # nothing to send to (no subscription any more, channel off)
    UNKNOWN = "unknown"  # sent, but no answer came: it may have arrived; not sent again


# Raised before a byte of the request left this machine: sending again cannot duplicate.
_NEVER_SENT = (
    requests.exceptions.ConnectTimeout,
    requests.exceptions.SSLError,
    requests.exceptions.ProxyError,
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidHeader,
)


def request_maybe_sent(error: requests.RequestException) -> bool:
    """Return whether a failed request may have reached the service.

    False for "not sent" (refused, DNS, connect timeout, TLS): retrying is safe. True for
    "maybe sent" (read timeout, connection lost while waiting for the answer).
    """
    if isinstance(error, _NEVER_SENT):
        return False
    if isinstance(error, requests.exceptions.ReadTimeout):
        return True
    if isinstance(error, requests.exceptions.ConnectionError):
        cause = error.args[0] if error.args else None
        cause = getattr(cause, "reason", cause)  # urllib3's MaxRetryError wraps the cause
        return not isinstance(cause, ConnectTimeoutError)  # no connection was made
    return True


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One delivery to send, with its notification and the user's addresses on the channel.

    A plain snapshot: channels may use it from other threads, no database session needed.
    """

    delivery_id: int
    channel: str
    attempts: int
    notification_id: int
    user_id: int
    kind: str
    title: str
    body: str
    url: str | None
    urgency: str
    addresses: tuple = ()  # what ``Channel.addresses`` found for the user


@dataclass(frozen=True, slots=True)
class Result:
    """The result of sending one delivery."""

    outcome: Outcome
    error: str | None = None
    retry_after: float | None = None  # seconds the service asked us to wait, if it said
    reached: tuple = ()  # addresses that accepted the message
    gone: tuple = ()  # addresses that no longer exist

    @classmethod
    def sent(cls, reached: tuple = (), gone: tuple = ()) -> Result:
        """Return a success."""
        return cls(Outcome.SENT, reached=reached, gone=gone)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> Result:
        """Return a temporary failure."""
        return cls(Outcome.RETRY, error, retry_after)

    @classmethod
    def failed(cls, error: str, gone: tuple = ()) -> Result:
        """Return a permanent failure."""
        return cls(Outcome.FAILED, error, gone=gone)

    @classmethod
    def unknown(cls, error: str) -> Result:
        """Return "sent, but no answer": it may have arrived, so it is not sent again."""
        return cls(Outcome.UNKNOWN, error)

    @classmethod
    def skipped(cls, error: str) -> Result:
        """Return "nothing to send to"."""
        return cls(Outcome.SKIPPED, error)


class Channel:
    """A way of delivering notifications; subclasses set ``name`` and implement ``send``."""

    name: ClassVar[str] = ""

    def reachable(self, user_ids: Collection[int], settings: Mapping[int, Any]) -> set[int]:
        """Return the users among ``user_ids`` this channel can reach (reads the database)."""
        raise NotImplementedError

    def addresses(self, user_ids: Collection[int]) -> dict[int, tuple]:
        """Return each user's addresses on this channel (reads the database)."""
        raise NotImplementedError

    def send(self, outgoing: Outgoing) -> Result:
        """Send one delivery; no database access (it may run in another thread)."""
        raise NotImplementedError

    def send_many(self, outgoing: Sequence[Outgoing]) -> list[Result]:
        """Send several deliveries; return one result each, in order."""
        return [self.send(item) for item in outgoing]

    def send_each(
        self, outgoing: Sequence[Outgoing], stop: Callable[[], bool]
    ) -> Iterator[list[tuple[int, Result]]]:
        """Send deliveries, yielding the (index, result) pairs finished since the last yield.

        Once ``stop()`` is true no further send starts; the ones not yielded were not
        attempted. The default sends one after another and yields each result alone.
        """
        for index, item in enumerate(outgoing):
            if stop():
                return
            yield [(index, self.send(item))]

    def after_send(self, outgoing: Sequence[Outgoing], results: Sequence[Result]) -> None:
        """Record the channel's side effects of a run (writes to the database)."""

    def close(self) -> None:
        """Release what the channel holds (HTTP sessions, threads)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


ChannelFactory = Callable[["Flask"], "Channel | None"]

_FACTORIES: dict[str, ChannelFactory] = {}


def register_channel(name: str, factory: ChannelFactory) -> None:
    """Register a channel factory: it returns a channel when configured, else None."""
    _FACTORIES[name] = factory


def configured_channels(app: Flask) -> dict[str, Channel]:
    """Build every channel the app's configuration enables, by name."""
    _load_builtin()
    channels = {}
    for name, factory in _FACTORIES.items():
        channel = factory(app)
        if channel is not None:
            channels[name] = channel
    return channels


def close_all(channels: Mapping[str, Channel]) -> None:
    """Close every channel of a run."""
    for channel in channels.values():
        channel.close()


def _load_builtin() -> None:
    # The built-in channels register themselves on import (they import this module).
    from notifications import push, wecom  # noqa: F401
