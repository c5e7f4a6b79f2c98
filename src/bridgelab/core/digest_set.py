"""An exact set of 32-byte digests in about 40 bytes each: flat memory for a growing set.

A contract's accepted roots are only asked "accepted?", and a long run accepts one for nearly
every consortium block. In a Python set each costs about 107 bytes (the bytes object, its
slot and the table's slack; `tracemalloc`, 100,000 random digests), against about 39 here:
they sit in one sorted byte string, searched by bisection, with the newest in a plain set
until they are merged in. The answers are a set's for `bytes`
members and any value asked (`tests/core/test_digest_set.py` compares them under
Hypothesis); a `bytes` subclass or a memoryview is not found as the equal `bytes` would be.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

WIDTH = 32
# Digests kept in the plain set before they are merged into the sorted string: at least
# MERGE_AT, and at least 1/MERGE_SHARE of the sorted ones. A merge copies the string once;
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
        self._sorted = bytearray()  # concatenated, ascending, no repeats
        self._recent: set[bytes] = set()  # 32-byte members not yet merged in
        self._odd: set[object] = set()  # members of any other length or type
        for member in members:
            self.add(member)

    def __len__(self) -> int:
        return len(self._sorted) // WIDTH + len(self._recent) + len(self._odd)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __contains__(self, member: object) -> bool:
        if type(member) is not bytes or len(member) != WIDTH:
            return member in self._odd
        return member in self._recent or self._in_sorted(member)

    def __iter__(self) -> Iterator[bytes]:
        data = self._sorted
        for start in range(0, len(data), WIDTH):
            yield bytes(data[start:start + WIDTH])
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
        if len(self._recent) >= max(MERGE_AT, len(self._sorted) // (WIDTH * MERGE_SHARE)):
            self._merge()

    def _in_sorted(self, digest: bytes) -> bool:
        data = self._sorted
        offset = _first_not_below(data, digest, 0)
        return data[offset:offset + WIDTH] == digest

    def _merge(self) -> None:
        """Merge the recent set into the sorted string (one pass over both)."""
        data = self._sorted
        # Sized once: while merging, memory holds the old string and the new one, no more.
        merged = bytearray(len(data) + WIDTH * len(self._recent))
        position = written = 0
        for digest in sorted(self._recent):
            # Copy, in one slice, the run of older members below the next recent one.
            end = _first_not_below(data, digest, position)
            merged[written:written + end - position] = data[position:end]
            written += end - position
            merged[written:written + WIDTH] = digest
            written += WIDTH
            position = end
        merged[written:] = data[position:]
        self._sorted = merged
        self._recent = set()


def _first_not_below(data: bytearray, digest: bytes, start: int) -> int:
    """The offset of the first member of `data` from `start` on that is not below `digest`."""
    low, high = start // WIDTH, len(data) // WIDTH
    while low < high:
        middle = (low + high) // 2
        if data[middle * WIDTH:(middle + 1) * WIDTH] < digest:
            low = middle + 1
        else:
            high = middle
    return low * WIDTH
