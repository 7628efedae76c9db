"""One page of a list that is too long to show at once (the roster, the appraisal grid)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


def page_count(total: int, per_page: int) -> int:
    """Return the number of pages `total` rows fill (at least 1)."""
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    """Return `page` moved into 1..the last page (a stale link shows the nearest page)."""
    return min(max(page, 1), page_count(total, per_page))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and where it sits in the whole list."""

    rows: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least 1)."""
        return page_count(self.total, self.per_page)
