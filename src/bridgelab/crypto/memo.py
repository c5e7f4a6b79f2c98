"""Bounded memoisation of pure verification functions.

Verifying the same signature over the same bytes always gives the same answer, so each
(key, message, signature) is checked for real once and remembered. Memory stays flat over
long runs: an entry not asked for within the last `limit / 2` new entries is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_ENTRIES = 65_536
# Marks a key the older generation does not hold (None can be a memoised answer).
_ABSENT: Any = object()


class BoundedCache(Generic[K, V]):
    """A map of at most `limit` entries that keeps the recently used ones.

    Two generations approximate least-recently-used eviction: new answers go to `_recent`,
    and when it holds `limit / 2` entries it becomes `_older` (the previous older generation
    is dropped). An answer found in `_older` moves back to `_recent`. A hit in `_recent`,
    the common case, is one lookup with no bookkeeping: keys are tuples, whose hash is not
    cached, or objects hashed in Python, so each lookup hashes the key again.
    """

    __slots__ = ("_generation_size", "_older", "_recent", "limit")

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        assert limit >= 2, "a cache holds at least one entry per generation"
        self.limit = limit
        self._generation_size = limit // 2
        self._recent: dict[K, V] = {}
        self._older: dict[K, V] = {}

    def __len__(self) -> int:
        return len(self._recent) + len(self._older)

    def get_or_compute(self, key: K, compute: Callable[..., V], *args: Any) -> V:
        """The answer remembered for `key`, else `compute(*args)`, remembered.

        Hot callers pass a function and its arguments rather than a closure over them: a
        hit then builds no function object."""
        value = self._recent.get(key, _ABSENT)
        if value is not _ABSENT:
            return value
        value = self._older.pop(key, _ABSENT)
        if value is _ABSENT:
            value = compute(*args)
        self._keep(key, value)
        return value

    def get(self, key: K) -> V | None:
        """The answer remembered for `key` (now counted as recently used), or None."""
        value = self._recent.get(key, _ABSENT)
        if value is not _ABSENT:
            return value
        value = self._older.pop(key, _ABSENT)
        if value is _ABSENT:
            return None
        self.remember(key, value)
        return value

    def remember(self, key: K, value: V) -> None:
        """Take `value` as the answer for `key`, as if it had been computed: for a caller that
        learns a pure function's answer as a by-product of its own work."""
        if key in self._recent:
            return
        # As `get_or_compute` with `value` for the answer: an older answer moves back.
        older = self._older.pop(key, _ABSENT)
        self._keep(key, value if older is _ABSENT else older)

    def _keep(self, key: K, value: V) -> None:
        """Put `key` in the recent generation, starting a new one when it is full."""
        recent = self._recent  # a nested `compute` may have started a generation meanwhile
        recent[key] = value
        if len(recent) >= self._generation_size:
            self._older = recent
            self._recent = {}

    def clear(self) -> None:
        self._recent.clear()
        self._older.clear()
