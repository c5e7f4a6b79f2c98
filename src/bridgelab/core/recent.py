"""A set that remembers only its most recent members, so watchers stay flat over long runs.

Used to drop duplicate notifications (the same block from several followed validators), which
arrive close together; anything older than `limit` insertions is long settled.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

DEFAULT_LIMIT = 2_048


class RecentSet:
    """Insertion-ordered, bounded: adding past `limit` forgets the oldest member."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        assert limit > 0
        self.limit = limit
        self._items: OrderedDict[Hashable, None] = OrderedDict()

    def __contains__(self, item: Hashable) -> bool:
        return item in self._items

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: Hashable) -> bool:
        """Remember `item`; False if it was already remembered."""
        if item in self._items:
            return False
        self._items[item] = None
        if len(self._items) > self.limit:
            self._items.popitem(last=False)
        return True
