"""A set of ints held as sorted disjoint intervals: O(1) memory while its members are dense.

Used nonces (a contract's minted nonces) are only asked "seen before?", and they are
nearly consecutive: a run of 100,000 mints is one interval and a few open ones at the top.
The answers are a set's, for any int, in any order, replayed or not:
`tests/core/test_intervals.py` compares them with a plain set under Hypothesis.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

from bridgelab.core.dense import int_equal


class IntervalSet:
    """Membership, insertion and removal of ints; iteration in ascending order.

    Interval i is [starts[i], ends[i]) (half-open); intervals are sorted, disjoint and never
    adjacent (an insertion that closes a gap merges its neighbours)."""

    __slots__ = ("_count", "_ends", "_starts")

    def __init__(self, members: tuple[int, ...] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._count = 0
        for member in members:
            self.add(member)

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[int]:
        for start, end in zip(self._starts, self._ends, strict=True):
            yield from range(start, end)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IntervalSet):
            return (self._starts, self._ends) == (other._starts, other._ends)
        if isinstance(other, (set, frozenset)):
            return len(other) == self._count and all(key in self for key in other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as a set

    def __repr__(self) -> str:
        spans = ", ".join(f"{start}..{end - 1}" for start, end in zip(
            self._starts, self._ends, strict=True))
        return f"IntervalSet({spans})"

    def copy(self) -> IntervalSet:
        twin = IntervalSet()
        twin._starts, twin._ends, twin._count = list(self._starts), list(self._ends), self._count
        return twin

    def intervals(self) -> int:
        """How many intervals hold the members (what the memory grows with)."""
        return len(self._starts)

    def _index(self, key: int) -> int:
        """The interval that would hold `key`: the last starting at or below it, or -1."""
        return bisect_right(self._starts, key) - 1

    def __contains__(self, key: object) -> bool:
        if type(key) is not int:
            key = int_equal(key)
            if type(key) is not int:
                return False  # a set of ints holds nothing else
        ends = self._ends
        if ends and ends[-1] - 1 == key:  # the newest member, the usual question
            return True
        index = self._index(key)
        return index >= 0 and key < ends[index]

    def add(self, key: int) -> None:
        assert type(key) is int, "an interval set holds ints"
        starts, ends = self._starts, self._ends
        if ends and ends[-1] == key:  # the next one up: the usual insertion
            ends[-1] = key + 1
            self._count += 1
            return
        index = self._index(key)
        if index >= 0 and key < ends[index]:
            return  # already a member
        joins_left = index >= 0 and ends[index] == key
        joins_right = index + 1 < len(starts) and starts[index + 1] == key + 1
        if joins_left and joins_right:
            ends[index] = ends[index + 1]
            del starts[index + 1], ends[index + 1]
        elif joins_left:
            ends[index] = key + 1
        elif joins_right:
            starts[index + 1] = key
        else:
            starts.insert(index + 1, key)
            ends.insert(index + 1, key + 1)
        self._count += 1

    def discard(self, key: object) -> None:
        if type(key) is not int:
            key = int_equal(key)
            if type(key) is not int:
                return
        index = self._index(key)
        starts, ends = self._starts, self._ends
        if index < 0 or key >= ends[index]:
            return  # not a member
        start, end = starts[index], ends[index]
        if start == key and end == key + 1:
            del starts[index], ends[index]
        elif start == key:
            starts[index] = key + 1
        elif end == key + 1:
            ends[index] = key
        else:  # split in two
            ends[index] = key
            starts.insert(index + 1, key + 1)
            ends.insert(index + 1, end)
        self._count -= 1
