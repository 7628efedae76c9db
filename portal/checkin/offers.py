"""申请加入 is offered after a scan only: the scan leaves the offer in this browser's session.

A worker of the training's street who is not on its list scans the projector code and
is offered to ask to join. The offer (training, user) is kept in the Flask session — a
cookie signed with the app's secret key, so it cannot be forged — and the join request
is accepted only with it: a join request for a training id typed by hand answers 404.
"""

from __future__ import annotations

from flask import session

_KEY = "join_offers"
MAX_OFFERS = 5  # the cookie stays small; the newest offers are kept


def offer(training_id: int, user_id: int) -> None:
    """Remember that this user, in this browser, scanned the training's code."""
    offers = [pair for pair in _offers() if pair != [training_id, user_id]]
    session[_KEY] = [*offers, [training_id, user_id]][-MAX_OFFERS:]


def is_offered(training_id: int, user_id: int) -> bool:
    """Return whether this browser holds the user's offer to join the training."""
    return [training_id, user_id] in _offers()


def _offers() -> list[list[int]]:
    raw = session.get(_KEY)
    if not isinstance(raw, list):
        return []
    return [pair for pair in raw if isinstance(pair, list) and len(pair) == 2]
