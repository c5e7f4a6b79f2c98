"""Bounded memoisation of pure verification functions.

Verifying the same signature over the same bytes always gives the same answer, so each
(key, message, signature) is checked for real once and remembered (least recently used
entries are dropped past `MAX_ENTRIES`, keeping memory flat over long runs).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_ENTRIES = 65_536


class BoundedCache(Generic[K, V]):
    """A least-recently-used map with a hard size limit."""

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self.limit = limit
        self._items: OrderedDict[K, V] = OrderedDict()

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        items = self._items
        if key in items:
            items.move_to_end(key)
            return items[key]
        value = compute()
        items[key] = value
        if len(items) > self.limit:
            items.popitem(last=False)
        return value

    def clear(self) -> None:
        self._items.clear()
