"""The one seam for speed: every memoised pure function of bridgelab is registered here.

A pure function's answer depends on its arguments alone, so remembering it changes how long a
run takes and nothing else. The rules every memo here keeps:

- **Declared at the function.** `@memo.pure("name")` on the function itself: there is no
  memoised twin beside it, and `memo.raw(f)` is the computation without the memo.
- **Keyed by value.** The key is the arguments tuple (or what `key=` makes of the arguments),
  hashed and compared by value, never by identity. An argument type may define a cheap
  `__hash__` (fewer fields), never a partial `__eq__`.
- **Computed, never told.** An entry is made only by computing the function on exactly those
  arguments: no caller can store an answer it learned some other way.
- **Bounded.** At most `size` entries; two generations approximate least-recently-used.
- **Cleared when a run starts** (`reset`, called by the runner): nothing carries over from run
  to run.
- **One switch.** `memo.enabled(False)` turns every memo off (`with memo.enabled(False):` for a
  block), as does `BRIDGELAB_MEMO=0` in the environment, read once at import. Off, every call
  computes; a run's history is byte-identical either way (tests/core/test_seam.py). To measure what
  one memo earns, `BRIDGELAB_MEMO=off:NAME[,NAME...]` turns off just those.
- **One-argument tables.** `memo.table("name", f)` is a memo of a one-argument `f` read by
  subscript (`table[x]`): a hit is one C-level look-up with no Python call, for functions
  asked so often that a call costs more than the answer (`crypto/hashing.py`'s string fields).
- **The checker keeps its own.** `memo.private` memoises a raw function for the checker alone,
  so it never reads an answer the model computed (registered too: reset and the switch apply).

Why each memo is kept, and what it earns, is in docs/performance.md ("The memo seam").
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
F = TypeVar("F", bound=Callable[..., Any])

ENV_VAR = "BRIDGELAB_MEMO"
# Every answer a run asks again is asked within a few hundred look-ups of the first (the standard
# workload misses exactly as often with 512 entries per memo as with 65,536): a small bound keeps
# a long run's memory flat while leaving that reuse a wide margin.
DEFAULT_ENTRIES = 4_096
# For memos whose keys hold a whole batch, certificate or commit (kilobytes each).
BATCH_ENTRIES = 512
# Marks a key a generation does not hold (None can be a memoised answer).
_ABSENT: Any = object()


class BoundedCache(Generic[K, V]):
    """A map of at most `limit` entries that keeps the recently used ones.

    Two generations approximate least-recently-used eviction: new answers go to `_recent`,
    and when it holds `limit / 2` entries it becomes `_older` (the previous older generation
    is dropped). An answer found in `_older` moves back to `_recent`. A hit in `_recent`, the
    common case, is one dictionary look-up with no bookkeeping. Entries are only ever made by
    `compute`: there is no way to store an answer from outside.
    """

    __slots__ = ("_generation_size", "_older", "_recent", "limit", "storing")

    def __init__(self, limit: int = DEFAULT_ENTRIES) -> None:
        assert limit >= 2, "a cache holds at least one entry per generation"
        self.limit = limit
        self._generation_size = limit // 2
        self._recent: dict[K, V] = {}
        self._older: dict[K, V] = {}
        # False while the switch is off: every call computes, and nothing is kept.
        self.storing = True

    def __len__(self) -> int:
        return len(self._recent) + len(self._older)

    def __contains__(self, key: object) -> bool:
        return key in self._recent or key in self._older

    def get_or_compute(self, key: K, compute: Callable[..., V], *args: Any) -> V:
        """The answer kept for `key`, else `compute(*args)`, kept."""
        value = self._recent.get(key, _ABSENT)
        if value is not _ABSENT:
            return value
        return self.miss(key, compute, args)

    def miss(self, key: K, compute: Callable[..., V], args: tuple[Any, ...]) -> V:
        """Not in the recent generation: from the older one, else computed; kept as recent."""
        value = self._older.pop(key, _ABSENT)
        if value is _ABSENT:
            value = compute(*args)
        if self.storing:
            self._keep(key, value)
        return value

    def _keep(self, key: K, value: V) -> None:
        """Put a computed answer in the recent generation, starting a new one when full."""
        recent = self._recent  # a nested `compute` may have started a generation meanwhile
        recent[key] = value
        if len(recent) >= self._generation_size:
            self._older = recent
            self._recent = {}

    def clear(self) -> None:
        self._recent = {}
        self._older = {}


class Table(dict):  # type: ignore[type-arg]
    """A memo of a one-argument function read by subscript: `table[x]` is `compute(x)`.

    A hit is dict's own look-up; a miss computes in `__missing__` and keeps the answer (while
    the switch is on). At `limit` entries the table empties and starts again: its functions
    are cheap, so a miss costs little. Nothing but `__missing__` stores an entry.
    """

    __slots__ = ("compute", "limit", "storing")

    def __init__(self, compute: Callable[[Any], Any], limit: int) -> None:
        super().__init__()
        assert limit >= 1, "a table holds at least one entry"
        self.compute = compute
        self.limit = limit
        self.storing = True

    def __missing__(self, key: Any) -> Any:
        value = self.compute(key)
        if self.storing:
            if len(self) >= self.limit:
                dict.clear(self)
            dict.__setitem__(self, key, value)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TypeError("a memo table is filled only by computing its function")


@dataclass(slots=True)
class Memo:
    """One registered memo: the raw function, its cache, and how its key is made."""

    name: str
    function: Callable[..., Any]
    cache: BoundedCache[Any, Any] | Table
    key: Callable[..., Hashable] | None
    # The checker's own (`private`): never shared with the model.
    private: bool = False


_REGISTRY: dict[str, Memo] = {}


def _read_environment() -> tuple[bool, frozenset[str]]:
    """The switch `BRIDGELAB_MEMO` sets, and the memos it names to leave off."""
    value = os.environ.get(ENV_VAR, "1").strip()
    if value in ("0", "1"):
        return value == "1", frozenset()
    if value.startswith("off:") and value[4:]:
        return True, frozenset(name.strip() for name in value[4:].split(","))
    raise ValueError(f"{ENV_VAR}: expected 0, 1 or off:NAME[,NAME...], found {value!r}")


_switch_on, _LEFT_OFF = _read_environment()
_on = [_switch_on]


def pure(name: str, *, size: int = DEFAULT_ENTRIES, key: Callable[..., Hashable] | None = None
         ) -> Callable[[F], F]:
    """Memoise the decorated pure function under `name`, for at most `size` entries, keyed by
    its positional arguments (or by `key(*args)`). Keyword arguments are not accepted."""

    def decorate(function: F) -> F:
        return memoise(name, function, size=size, key=key)

    return decorate


def private(name: str, function: Callable[..., Any], *, size: int = DEFAULT_ENTRIES,
            key: Callable[..., Hashable] | None = None) -> Callable[..., Any]:
    """A memo of the raw `function` for the checker alone: it reads only answers it computed
    itself. `function` must not be memoised already (pass `memo.raw(f)`)."""
    if hasattr(function, "memo"):
        raise ValueError(f"{name}: a private memo wraps a raw function, not a memoised one")
    return memoise(name, function, size=size, key=key, is_private=True)


def memoise(name: str, function: F, *, size: int = DEFAULT_ENTRIES,
            key: Callable[..., Hashable] | None = None, is_private: bool = False) -> F:
    """Register a memo of `function` under `name` and return the memoised function."""
    if name in _REGISTRY:
        raise ValueError(f"a memo named {name!r} is registered already")
    cache: BoundedCache[Any, Any] = BoundedCache(size)
    cache.storing = _on[0] and name not in _LEFT_OFF
    memo = Memo(name, function, cache, key, is_private)
    _REGISTRY[name] = memo
    # The hit path is one look-up in the recent generation. A miss is `cache.miss` written
    # out (a call costs about as much as the look-up); it calls `memo.function`, read there so
    # that a benchmark can time the raw function.
    if key is None:

        def memoised(*args: Any) -> Any:
            value = cache._recent.get(args, _ABSENT)
            if value is _ABSENT:
                value = cache._older.pop(args, _ABSENT)
                if value is _ABSENT:
                    value = memo.function(*args)
                if cache.storing:  # as `cache._keep`
                    recent = cache._recent
                    recent[args] = value
                    if len(recent) >= cache._generation_size:
                        cache._older = recent
                        cache._recent = {}
            return value
    else:
        make_key = key

        def memoised(*args: Any) -> Any:
            made = make_key(*args)
            value = cache._recent.get(made, _ABSENT)
            if value is _ABSENT:
                value = cache.miss(made, memo.function, args)
            return value

    functools.update_wrapper(memoised, function)
    memoised.memo = memo  # type: ignore[attr-defined]
    return memoised  # type: ignore[return-value]


def table(name: str, function: Callable[[Any], Any], *, size: int = DEFAULT_ENTRIES) -> Table:
    """Register a memo of the one-argument pure `function` under `name`, read by subscript."""
    if name in _REGISTRY:
        raise ValueError(f"a memo named {name!r} is registered already")
    cache = Table(function, size)
    cache.storing = _on[0] and name not in _LEFT_OFF
    _REGISTRY[name] = Memo(name, function, cache, None)
    return cache


def raw(function: Callable[..., Any]) -> Callable[..., Any]:
    """The computation behind a memoised function (`function` itself if it is not one)."""
    memo = getattr(function, "memo", None)
    return function if memo is None else memo.function


def registry() -> tuple[Memo, ...]:
    """Every registered memo, by name."""
    return tuple(_REGISTRY[name] for name in sorted(_REGISTRY))


def reset() -> None:
    """Forget every memoised answer: the runner calls this when a run starts."""
    unknown = sorted(_LEFT_OFF - _REGISTRY.keys())
    if unknown:
        raise ValueError(f"{ENV_VAR}: no memo named {', '.join(unknown)}")
    for memo in _REGISTRY.values():
        memo.cache.clear()


def is_enabled() -> bool:
    return _on[0]


def _switch(on: bool) -> bool:
    """Turn every memo on or off; returns what the switch was. Either way the caches start
    empty, so an answer kept before is never read after."""
    previous = _on[0]
    _on[0] = on
    for memo in _REGISTRY.values():
        memo.cache.clear()
        memo.cache.storing = on and memo.name not in _LEFT_OFF
    return previous


class enabled:
    """`memo.enabled(False)` turns every memo off now (and `True` on again);
    `with memo.enabled(False):` does so for the block and then restores the switch."""

    __slots__ = ("_previous",)

    def __init__(self, on: bool) -> None:
        self._previous = _switch(on)

    def __enter__(self) -> enabled:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        _switch(self._previous)
