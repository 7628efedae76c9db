"""Failed-login throttling that holds across server processes and does not lock the owner out.

Only failures count, in fixed windows of the `limits` library, under three kinds of key:

- per (account, address): one address guessing one account's password is slowed down;
- per address: one address trying many accounts is slowed down (generous: a training room
  on one Wi-Fi address signing in at once fails far less than that);
- per account, a slower ceiling that applies only to addresses that have themselves failed
  for that account: guesses spread over many addresses stop there, while the owner on an
  address that has not been failing still signs in.

The account is the user the typed phone or staff number names, so both count together; a
name that matches no one counts as its normalised form. Limits are checked before the
password is. The counters live where LOGIN_THROTTLE_STORAGE_URI says: by default the portal's
own database (every process on it shares them, no extra service), or Redis for several servers.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import math
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app, g
from limits import RateLimitItem, parse_many
from limits.storage import RedisStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from limits.util import WindowStats
from redis.exceptions import LockError
from redis.lock import Lock
from sqlalchemy.dialects import postgresql, sqlite

from portal.auth.models import LoginFailureCounter
from portal.database import rows_matched
from portal.extensions import db
from portal.timeutil import utcnow

DATABASE_STORAGE = "database://"
SWEEP_BATCH = 200  # ended windows deleted per failure, so the table stays small
LOCK_SECONDS = 10  # longest one attempt holds its account's Redis lock (or waits for it)
EXTENSION = "portal_login_throttle"


# -- rules (pure) ---------------------------------------------------------------------------


def normalise_name(typed: str) -> str:
    """Fold what phone keyboards vary in a typed login name: full-width digits, spaces, case."""
    return unicodedata.normalize("NFKC", typed).strip().casefold()


def account_key(user_id: int | None, typed_name: str, secret: str) -> str:
    """Name the account an attempt is for: its user, else the normalised typed name.

    Typed names are kept only as a keyed hash: people type their password into the name
    field often enough.
    """
    if user_id is not None:
        return f"user:{user_id}"
    digest = hmac.new(secret.encode(), normalise_name(typed_name).encode(), hashlib.sha256)
    return "name:" + digest.hexdigest()[:32]


def address_key(remote_addr: str | None) -> str:
    """Name the client address; IPv6 by its /64, which one subscriber usually holds whole."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class Policy:
    """The limits on failed logins (each a list of windows, e.g. 5 a minute and 20 an hour)."""

    per_account_address: tuple[RateLimitItem, ...]
    per_address: tuple[RateLimitItem, ...]
    per_account: tuple[RateLimitItem, ...]

    @classmethod
    def from_config(cls, config: Mapping) -> Policy:
        """Read the policy from the app config (limits notation; an empty string: no limit)."""

        def items(name: str) -> tuple[RateLimitItem, ...]:
            text = (config.get(name) or "").strip()
            return tuple(parse_many(text)) if text else ()

        return cls(
            per_account_address=items("LOGIN_FAILURES_PER_ACCOUNT_ADDRESS"),
            per_address=items("LOGIN_FAILURES_PER_ADDRESS"),
            per_account=items("LOGIN_FAILURES_PER_ACCOUNT"),
        )


@dataclass(frozen=True)
class Windows:
    """The current windows an attempt is judged by."""

    per_account_address: Sequence[WindowStats]
    per_address: Sequence[WindowStats]
    per_account: Sequence[WindowStats]
    # Has this address failed for this account within the account ceiling's window?
    address_failed_for_account: bool


def seconds_to_wait(windows: Windows, now: float) -> int:
    """Whole seconds until the attempt may be checked; 0 when it may be checked now.

    A window blocks once it has no failures left; the account ceiling only blocks
    addresses that have failed for the account themselves.
    """
    judged = [*windows.per_account_address, *windows.per_address]
    if windows.address_failed_for_account:
        judged += windows.per_account
    waits = [w.reset_time - now for w in judged if w.remaining <= 0]
    if not waits:
        return 0
    return max(1, math.ceil(max(waits)))


def minutes_to_wait(seconds: int) -> int:
    """Express a wait as the message states it: whole minutes, rounded up."""
    return max(1, math.ceil(seconds / 60))


# -- storage in the portal's database -------------------------------------------------------


class DatabaseStorage(Storage):
    """A `limits` storage in the portal's database (table login_failure_counters).

    It works in the request's session: a failure counts once the request commits, and an
    attempt that is refused or rolled back writes nothing. Counts are atomic upserts on
    SQLite and PostgreSQL. Reads are memoised for the request, so `prefetch()` can read
    all of an attempt's windows in one query.
    """

    STORAGE_SCHEME = ["database"]

    @property
    def base_exceptions(self) -> type[Exception]:  # noqa: D102
        return sa.exc.SQLAlchemyError

    # The request's memo: key -> (count, expires_at) of a live window, or None.
    def _memo(self) -> dict[str, tuple[int, datetime] | None]:
        return g.setdefault("_login_counter_memo", {})

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the windows of these keys in one query."""
        keys = [k for k in keys if k not in self._memo()]
        if not keys:
            return
        rows = db.session.execute(
            sa.select(
                LoginFailureCounter.key, LoginFailureCounter.count, LoginFailureCounter.expires_at
            ).where(LoginFailureCounter.key.in_(keys), LoginFailureCounter.expires_at > utcnow())
        ).all()
        memo = self._memo()
        memo.update(dict.fromkeys(keys))
        memo.update({key: (count, expires_at) for key, count, expires_at in rows})

    def serialise(self, key: str) -> None:
        """Make concurrent attempts on one key wait for each other until this one commits.

        Without it, attempts checked at the same moment on PostgreSQL could each pass before
        any had counted its failure. SQLite needs nothing: the login request holds the
        database's write lock from its first query (see portal.database.writes).
        """
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(
                sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
            )

    def _live(self, key: str) -> tuple[int, datetime] | None:
        self.prefetch([key])
        window = self._memo()[key]
        if window is None or window[1] <= utcnow():
            return None
        return window

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count `amount` failures in the key's window, opening a new window if it ended."""
        table = LoginFailureCounter
        now = utcnow()
        dialect = db.session.get_bind().dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(
            key=key, count=amount, expires_at=now + timedelta(seconds=expiry)
        )
        ended = table.expires_at <= now
        statement = insert.on_conflict_do_update(
            index_elements=[table.key],
            set_={
                "count": sa.case(
                    (ended, insert.excluded.count), else_=table.count + insert.excluded.count
                ),
                "expires_at": sa.case((ended, insert.excluded.expires_at), else_=table.expires_at),
            },
        ).returning(table.count, table.expires_at)
        count, expires_at = db.session.execute(statement).one()
        self._memo()[key] = (count, expires_at)
        return count

    def get(self, key: str) -> int:  # noqa: D102
        window = self._live(key)
        return window[0] if window else 0

    def get_expiry(self, key: str) -> float:  # noqa: D102
        window = self._live(key)
        return window[1].timestamp() if window else time.time()

    def clear(self, key: str) -> None:  # noqa: D102
        db.session.execute(sa.delete(LoginFailureCounter).where(LoginFailureCounter.key == key))
        self._memo()[key] = None

    def reset(self) -> int | None:  # noqa: D102
        result = db.session.execute(sa.delete(LoginFailureCounter))
        g.pop("_login_counter_memo", None)
        return rows_matched(result)

    def check(self) -> bool:  # noqa: D102
        db.session.execute(sa.text("SELECT 1"))
        return True

    def sweep(self, batch: int = SWEEP_BATCH) -> None:
        """Delete windows that have ended, a batch at a time.

        Run after the attempt's own counts: rows another request holds are skipped
        (PostgreSQL), so the sweep never waits and cannot deadlock with that request.
        """
        ended = (
            sa.select(LoginFailureCounter.key)
            .where(LoginFailureCounter.expires_at <= utcnow())
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        db.session.execute(sa.delete(LoginFailureCounter).where(LoginFailureCounter.key.in_(ended)))


# -- the throttle -------------------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    policy: Policy
    storage: Storage
    limiter: FixedWindowRateLimiter


@dataclass(frozen=True)
class Attempt:
    """One login attempt: whose account, from which address."""

    account: str
    address: str


def init_app(app: Flask) -> None:
    """Read the policy and open the counters' storage."""
    storage = storage_from_string(app.config.get("LOGIN_THROTTLE_STORAGE_URI") or DATABASE_STORAGE)
    if not isinstance(storage, Storage):  # e.g. "async+redis://": views here are synchronous
        raise ValueError("LOGIN_THROTTLE_STORAGE_URI must name a synchronous storage")
    app.extensions[EXTENSION] = _State(
        Policy.from_config(app.config), storage, FixedWindowRateLimiter(storage)
    )
    app.teardown_request(_release_lock)


def _serialise(state: _State, attempt: Attempt) -> bool:
    """Make simultaneous attempts on one account take turns, check to count; False: timed out.

    Otherwise several attempts could each pass the check before any had counted its failure.
    """
    key = "login/" + attempt.account
    if isinstance(state.storage, DatabaseStorage):
        state.storage.serialise(key)
    elif isinstance(state.storage, RedisStorage):
        lock = Lock(  # what the client's own .lock() builds
            state.storage.get_connection(),
            f"{state.storage.key_prefix}:lock/{key}",
            timeout=LOCK_SECONDS,
            blocking_timeout=LOCK_SECONDS,
        )
        if not lock.acquire():
            return False
        g._login_throttle_lock = lock
    return True


def _release_lock(_error: BaseException | None = None) -> None:
    lock = g.pop("_login_throttle_lock", None)
    if lock is not None:
        with contextlib.suppress(LockError):  # it expired meanwhile: another attempt has it
            lock.release()


def _state() -> _State:
    return current_app.extensions[EXTENSION]


def attempt(user_id: int | None, typed_name: str, remote_addr: str | None) -> Attempt:
    """Describe an attempt to log in as `typed_name` (which names `user_id`, if anyone)."""
    secret = current_app.config["SECRET_KEY"]
    return Attempt(account_key(user_id, typed_name, secret), address_key(remote_addr))


def _keyed(attempt: Attempt, policy: Policy) -> dict[str, list[tuple[RateLimitItem, tuple]]]:
    """Each kind of counter with the limit items and identifiers of this attempt's keys."""
    pair = ("login", "pair", attempt.account, attempt.address)
    seen = ("login", "seen", attempt.account, attempt.address)
    return {
        "pair": [(item, pair) for item in policy.per_account_address],
        "address": [(item, ("login", "address", attempt.address)) for item in policy.per_address],
        "account": [(item, ("login", "account", attempt.account)) for item in policy.per_account],
        # Failures of this address for this account, in the account ceiling's windows.
        "seen": [(item, seen) for item in policy.per_account],
    }


def seconds_until_allowed(attempt: Attempt) -> int:
    """Whole seconds this attempt must wait before its password may be checked; 0: check now."""
    state = _state()
    keyed = _keyed(attempt, state.policy)
    if not _serialise(state, attempt):
        return LOCK_SECONDS  # attempts on this account are queueing: this one waits
    if isinstance(state.storage, DatabaseStorage):
        state.storage.prefetch(
            item.key_for(*ids) for pairs in keyed.values() for item, ids in pairs
        )

    def stats(kind: str) -> list[WindowStats]:
        return [state.limiter.get_window_stats(item, *ids) for item, ids in keyed[kind]]

    seen = stats("seen")
    windows = Windows(
        per_account_address=stats("pair"),
        per_address=stats("address"),
        per_account=stats("account"),
        address_failed_for_account=any(
            w.remaining < item.amount for w, (item, _ids) in zip(seen, keyed["seen"], strict=True)
        ),
    )
    return seconds_to_wait(windows, time.time())


def record_failure(attempt: Attempt) -> None:
    """Count a failed attempt under each of its keys (in the database: when the caller commits)."""
    state = _state()
    for pairs in _keyed(attempt, state.policy).values():
        for item, ids in pairs:
            state.limiter.hit(item, *ids)
    if isinstance(state.storage, DatabaseStorage):
        state.storage.sweep()


def record_success(attempt: Attempt) -> None:
    """Forget this address's failures for the account: its owner has just proved who they are."""
    state = _state()
    keyed = _keyed(attempt, state.policy)
    for item, ids in [*keyed["pair"], *keyed["seen"]]:
        if state.limiter.get_window_stats(item, *ids).remaining < item.amount:
            state.limiter.clear(item, *ids)


def reset() -> None:
    """Forget every counter (tests)."""
    _state().storage.reset()
