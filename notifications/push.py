"""Sending web push (RFC 8030/8291) through pywebpush, signed with the app's VAPID key.

The key pair is in ``notifications.vapid``, the checks of a browser's subscription in
``notifications.subscriptions``. Sending rules that matter in production:

* a fresh VAPID claims dict per call: pywebpush writes ``aud`` and ``exp`` into the
  dict it is given, so a shared dict would carry one push service's audience to the next;
* an explicit ``timeout`` and ``ttl`` on every request, and ``Urgency`` by kind;
* 404/410 mean the browser dropped the subscription: delete it; 429 and 5xx are
  temporary: the delivery is retried later with backoff (``Retry-After`` respected,
  bounded); other 4xx are permanent;
* a network error before the request left (refused, DNS, connect timeout) is retried;
  one after it left (read timeout) is recorded ``unknown``: the service may have
  accepted the message, so it is not pushed again;
* many sends go through a bounded thread pool, each thread with its own pooled
  ``requests.Session`` (``notifications.push_sender``, which does the HTTP);
* each endpoint is checked against the allow-list of push services again before
  its POST (``PUSH_ENDPOINT_HOSTS``, see ``notifications.subscriptions``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, wait
from typing import Any

import sqlalchemy as sa
from flask import Flask

from notifications.channels import (
    Channel,
    Outcome,
    Outgoing,
    Result,
    register_channel,
)
from notifications.push_sender import (
    DEFAULT_SUBJECT,
    DEFAULT_TIMEOUT,
    DEFAULT_TTL,
    DEFAULT_WORKERS,
    URGENCIES,
    PushJob,
    PushResponse,
    PushSender,
)
from notifications.reminders import kind_of, path_for
from notifications.subscriptions import allowed_hosts
from notifications.vapid import vapid_keys
from portal.extensions import db
from portal.inbox.models import PushSubscription
from portal.timeutil import utcnow


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

    def send_each(
        self, outgoing: Sequence[Outgoing], stop: Callable[[], bool]
    ) -> Iterator[list[tuple[int, Result]]]:
        """Push deliveries through the pool, yielding results as soon as they are known.

        Each yield holds every delivery finished since the last one, so the caller records
        them together. At most ``workers`` deliveries are in flight at once; once
        ``stop()`` is true, no further one starts (those are not yielded: never attempted).
        """

        def one(jobs: list[PushJob]) -> Result | None:
            if stop():
                return None
            return _aggregate([(job, self.sender.post(job)) for job in jobs])

        # The jobs are built here: their URLs need the app context, the threads have none.
        futures = {
            self.sender.submit(functools.partial(one, self.jobs(item))): index
            for index, item in enumerate(outgoing)
        }
        try:
            waiting = set(futures)
            while waiting:
                done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                finished = [
                    (futures[future], result)
                    for future in done
                    if not future.cancelled() and (result := future.result()) is not None
                ]
                if finished:
                    yield sorted(finished, key=lambda pair: pair[0])
                if stop():
                    for pending in waiting:
                        pending.cancel()
        finally:
            for pending in futures:
                pending.cancel()

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
    unanswered = [r for _, r in pairs if r.maybe_sent]
    if unanswered:
        return Result(Outcome.UNKNOWN, unanswered[0].error, gone=gone)
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
    built = app.extensions.get("assets")  # the static build's manifest (portal/web/assets.py)
    hashed = built.files.get("icons/icon-192.png") if built is not None else None
    if hashed is not None and app.static_url_path is not None:
        icon = f"{app.static_url_path}/{hashed}"
    return PushChannel(sender, ttl=int(config.get("PUSH_TTL", DEFAULT_TTL)), icon=icon)


register_channel("push", build_channel)
