"""core/intervals.py: an IntervalSet answers as a set of ints would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core.intervals import IntervalSet

# Dense nonces, out of order and replayed, and a few far or negative ones an attack makes up.
KEYS = st.one_of(st.integers(0, 40), st.integers(-6, -1), st.sampled_from([10**12, 2**70]))
PROBES = st.one_of(KEYS, st.booleans(), st.sampled_from(["3", 1.0, 2.5, float("nan"), None]))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "discard", "ask"]), KEYS, PROBES),
                max_size=150))
def test_an_interval_set_answers_as_a_set(operations):
    intervals, plain = IntervalSet(), set()
    for operation, key, probe in operations:
        if operation == "add":
            intervals.add(key)
            plain.add(key)
        elif operation == "discard":
            intervals.discard(key)
            plain.discard(key)
        assert (probe in intervals) == (probe in plain)
        assert (key in intervals) == (key in plain)
        assert len(intervals) == len(plain) and bool(intervals) == bool(plain)
    assert list(intervals) == sorted(plain)
    assert intervals == plain and intervals == IntervalSet(tuple(plain)) == intervals.copy()
    starts, ends = intervals._starts, intervals._ends
    # Sorted, disjoint, never adjacent: no two intervals could be one.
    assert all(start < end for start, end in zip(starts, ends, strict=True))
    assert all(ends[i] < starts[i + 1] for i in range(len(starts) - 1))


def test_dense_nonces_out_of_order_take_one_interval():
    intervals = IntervalSet()
    for nonce in [*range(0, 10_000, 2), *range(1, 10_000, 2)]:
        intervals.add(nonce)
    assert len(intervals) == 10_000 and intervals.intervals() == 1
    intervals.discard(5_000)
    assert 5_000 not in intervals and 4_999 in intervals and intervals.intervals() == 2
    intervals.add(5_000)
    assert intervals.intervals() == 1 and list(intervals) == list(range(10_000))
