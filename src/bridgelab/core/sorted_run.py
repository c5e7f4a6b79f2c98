"""A sorted run of fixed-width byte records in a temporary file, searched through a sparse
index in memory.

A set that only grows and is only asked "member?" (a contract's accepted roots) cannot drop
old members, and held in memory it grows with the run. Here the members sit sorted in an
unnamed temporary file, in blocks of BLOCK records; memory holds each block's first record,
so a look-up is a bisection in memory and one read of one block. A run is never changed:
`merged` writes a new one (memory holds a block at a time while it does).
"""

from __future__ import annotations

import heapq
import os
import tempfile
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import IO

BLOCK = 128  # records per block (4 KiB of 32-byte digests): one read answers a look-up


class SortedRun:
    """Ascending, distinct records of `width` bytes: `len`, membership, iteration in order."""

    __slots__ = ("_block", "_count", "_file", "_firsts", "_width")

    def __init__(self, width: int, block: int | None = None) -> None:
        assert width > 0
        self._width = width
        self._block = BLOCK if block is None else block
        assert self._block > 0
        self._count = 0
        self._file: IO[bytes] | None = None  # opened at the first block written
        self._firsts: list[bytes] = []  # each block's first record, ascending

    def __len__(self) -> int:
        return self._count

    def __contains__(self, record: object) -> bool:
        if type(record) is not bytes or len(record) != self._width:
            return False
        number = bisect_right(self._firsts, record) - 1
        if number < 0:
            return False
        data, width = self._read(number), self._width
        low, high = 0, len(data) // width
        while low < high:
            middle = (low + high) // 2
            if data[middle * width:(middle + 1) * width] < record:
                low = middle + 1
            else:
                high = middle
        return data[low * width:(low + 1) * width] == record

    def __iter__(self) -> Iterator[bytes]:
        width = self._width
        for number in range(len(self._firsts)):
            data = self._read(number)
            for start in range(0, len(data), width):
                yield data[start:start + width]

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def merged(self, additions: Iterable[bytes]) -> SortedRun:
        """A new run of this run's records and `additions` (ascending, none of them here)."""
        out = SortedRun(self._width, self._block)
        pending: list[bytes] = []
        for record in heapq.merge(self, additions):
            assert len(record) == self._width
            pending.append(record)
            if len(pending) == self._block:
                out._write(pending)
                pending = []
        if pending:
            out._write(pending)
        return out

    def _write(self, records: list[bytes]) -> None:
        # Only the last block may be short: every block starts at a multiple of BLOCK.
        assert self._count % self._block == 0, "a block after a short one"
        if self._file is None:
            # Unnamed: gone when closed (by `close` or `__del__`) or when the process ends.
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (held for the run's life)
        os.pwrite(self._file.fileno(), b"".join(records), self._count * self._width)
        self._firsts.append(records[0])
        self._count += len(records)

    def _read(self, number: int) -> bytes:
        assert self._file is not None
        size = self._block * self._width
        return os.pread(self._file.fileno(), size, number * size)
