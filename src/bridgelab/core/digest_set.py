"""An exact set of 32-byte digests whose memory does not grow with it: flat memory for a
growing set.

A contract's accepted roots are only asked "accepted?", and a long run accepts one for nearly
every consortium block. In a Python set each costs about 107 bytes (the bytes object, its
slot and the table's slack; `tracemalloc`, 100,000 random digests). Here they sit sorted in
a temporary file (`core/sorted_run.py`: a bisection over a sparse index in memory, then one
read), with the newest in a plain set until they are merged in. The answers are a set's for `bytes`
members and any value asked (`tests/core/test_digest_set.py` compares them under
Hypothesis); a `bytes` subclass or a memoryview is not found as the equal `bytes` would be.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bridgelab.core.sorted_run import SortedRun

WIDTH = 32
# Digests kept in the plain set before they are merged into the sorted run: at least
# MERGE_AT, and at least 1/MERGE_SHARE of the sorted ones. A merge copies the run once;
# with the share, a digest is copied about MERGE_SHARE times per doubling of the set (so
# merging stays O(n log n) bytes copied), and the plain set holds at most about one member
# in MERGE_SHARE.
MERGE_AT = 4_096
MERGE_SHARE = 16


class DigestSet:
    """Membership and insertion of bytes; 32-byte members stored sorted, any other kept in a
    plain set. Iteration gives every member once, sorted members first."""

    __slots__ = ("_odd", "_recent", "_sorted")

    def __init__(self, members: Iterable[bytes] = ()) -> None:
        self._sorted = SortedRun(WIDTH)  # ascending, no repeats
        self._recent: set[bytes] = set()  # 32-byte members not yet merged in
        self._odd: set[object] = set()  # members of any other length or type
        for member in members:
            self.add(member)

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent) + len(self._odd)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __contains__(self, member: object) -> bool:
        if type(member) is not bytes or len(member) != WIDTH:
            return member in self._odd
        return member in self._recent or member in self._sorted

    def __iter__(self) -> Iterator[bytes]:
        yield from self._sorted
        yield from sorted(self._recent)
        yield from self._odd  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DigestSet):
            other = set(other)
        if isinstance(other, (set, frozenset)):
            return len(other) == len(self) and all(member in self for member in other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def add(self, member: bytes) -> None:
        if member in self:
            return
        if type(member) is not bytes or len(member) != WIDTH:
            self._odd.add(member)
            return
        self._recent.add(member)
        if len(self._recent) >= max(MERGE_AT, len(self._sorted) // MERGE_SHARE):
            self._merge()

    def _merge(self) -> None:
        """Merge the recent set into a new sorted run (one pass over both)."""
        # The old run is not closed here: a copy of this set may still read it (a run never
        # changes); its file goes with its last reference.
        self._sorted = self._sorted.merged(sorted(self._recent))
        self._recent = set()
