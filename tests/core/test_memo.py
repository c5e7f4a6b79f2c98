"""The seam's bounded cache: each answer computed once while it stays in use, and never more
entries than its limit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core.memo import BoundedCache


def _counting_cache(limit: int) -> tuple[BoundedCache[int, int], list[int]]:
    cache: BoundedCache[int, int] = BoundedCache(limit)
    return cache, []


def _ask(cache: BoundedCache[int, int], computed: list[int], key: int) -> int:
    def compute() -> int:
        computed.append(key)
        return key * key

    return cache.get_or_compute(key, compute)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 12), st.lists(st.integers(0, 30), max_size=200))
def test_answers_are_right_and_the_size_is_bounded(limit: int, keys: list[int]) -> None:
    cache, computed = _counting_cache(limit)
    for key in keys:
        assert _ask(cache, computed, key) == key * key
        assert len(cache) <= limit


def test_a_repeated_key_is_computed_once() -> None:
    cache, computed = _counting_cache(8)
    for _ in range(3):
        _ask(cache, computed, 1)
    assert computed == [1]


def test_an_entry_in_use_survives_a_stream_of_new_ones() -> None:
    cache, computed = _counting_cache(8)
    for key in range(1, 100):
        _ask(cache, computed, 0)
        _ask(cache, computed, key)
    assert computed.count(0) == 1


def test_an_unused_entry_is_dropped() -> None:
    cache, computed = _counting_cache(8)
    _ask(cache, computed, 0)
    for key in range(1, 9):
        _ask(cache, computed, key)
    _ask(cache, computed, 0)
    assert computed.count(0) == 2


def test_a_nested_call_that_starts_a_generation_keeps_the_bound() -> None:
    cache: BoundedCache[int, int] = BoundedCache(4)

    def outer() -> int:
        for key in range(10, 13):
            cache.get_or_compute(key, lambda: 0)
        return 1

    assert cache.get_or_compute(1, outer) == 1
    assert len(cache) <= 4
    assert cache.get_or_compute(1, lambda: 2) == 1


def test_clear_forgets_everything() -> None:
    cache, computed = _counting_cache(8)
    _ask(cache, computed, 1)
    cache.clear()
    _ask(cache, computed, 1)
    assert computed == [1, 1]


def test_a_miss_computes_with_the_arguments_given_and_a_hit_does_not_compute() -> None:
    cache: BoundedCache[tuple[int, int], int] = BoundedCache(8)
    calls: list[tuple[int, int]] = []

    def power(base: int, exponent: int) -> int:
        calls.append((base, exponent))
        return base**exponent

    assert cache.get_or_compute((2, 10), power, 2, 10) == 1024
    assert cache.get_or_compute((2, 10), power, 2, 10) == 1024
    assert cache.get_or_compute((3, 2), power, 3, 2) == 9
    assert calls == [(2, 10), (3, 2)]
