"""Rules for outside-training submissions: pure functions, no database, no request."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

MIN_HOURS = Decimal("0.5")
MAX_HOURS = Decimal("200")


def earliest_completion(today: date) -> date:
    """Return the earliest completion date accepted: 1 January of last year."""
    return date(today.year - 1, 1, 1)


def parse_hours(text: str | None) -> Decimal | None:
    """Return hours typed by a person (full-width digits too), or None if not a number."""
    cleaned = (text or "").strip().translate(_FULL_WIDTH)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def has_one_decimal_at_most(value: Decimal) -> bool:
    """Return whether hours are given to one decimal place at most (e.g. 1.5, not 1.25)."""
    return value == value.quantize(Decimal("0.1"))


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．。", "0123456789..")
