"""A growable array of one C type whose older whole chunks live in a temporary file.

A run keeps some facts per nonce to its end (which nonces were minted, each lock's terms),
because a replay of an old nonce must be met as the first was. Nearly all of them are never
asked about again, yet in memory they grow with the run. A `Column` indexes as an `array`
does, from 0 up; it holds its newest chunks in memory and writes every older whole chunk to
an unnamed temporary file, read back (one chunk at a time) when asked. Memory stays flat
however long the run, the answers stay the array's (`tests/core/test_column.py`), and the
disk holds the item size per item.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from typing import IO

CHUNK = 1_024  # items moved to the file at a time
HOT_CHUNKS = 2  # at least this many of the newest chunks stay in memory


class Column:
    """`array(typecode)` with indexing, assignment, `len`, iteration, `append`, `extend` and
    `clear` (and `chunks`); no slices and no negative indices (nothing here asks for them)."""

    __slots__ = ("_base", "_cached", "_cached_number", "_chunk", "_file", "_hot", "_spill_at",
                 "typecode")

    def __init__(self, typecode: str, chunk: int | None = None) -> None:
        chunk = CHUNK if chunk is None else chunk  # read here, so a test may set it small
        assert chunk > 0
        self.typecode = typecode
        self._hot = array(typecode)
        self._base = 0  # the index of `_hot[0]`: every item below it is in the file
        self._chunk = chunk
        self._spill_at = chunk * (HOT_CHUNKS + 1)
        self._file: IO[bytes] | None = None  # opened at the first chunk moved out
        self._cached_number = -1  # the chunk last read back, kept for the next question
        self._cached = array(typecode)

    def __len__(self) -> int:
        return self._base + len(self._hot)

    def __getitem__(self, index: int) -> int | float:
        at = index - self._base
        if at >= 0:
            return self._hot[at]
        return self._cold(index)[index % self._chunk]

    def __setitem__(self, index: int, value: int | float) -> None:
        at = index - self._base
        if at >= 0:
            self._hot[at] = value
            return
        chunk = self._cold(index)
        offset = index % self._chunk
        chunk[offset] = value
        assert self._file is not None
        os.pwrite(self._file.fileno(), chunk[offset:offset + 1].tobytes(),
                  index * chunk.itemsize)

    def __iter__(self) -> Iterator[int | float]:
        for chunk in self._in_file():
            yield from chunk
        yield from self._hot

    def chunks(self) -> Iterator[array]:
        """The items in order, as arrays of at most a chunk each (the newest, copied)."""
        yield from self._in_file()
        hot = self._hot
        for start in range(0, len(hot), self._chunk):
            yield hot[start:start + self._chunk]

    def append(self, value: int | float) -> None:
        self._hot.append(value)
        if len(self._hot) >= self._spill_at:
            self._spill()

    def extend(self, values: Iterable[int | float]) -> None:
        self._hot.extend(values)
        if len(self._hot) >= self._spill_at:
            self._spill()

    def clear(self) -> None:
        del self._hot[:]
        self._base = 0
        self._cached_number = -1
        if self._file is not None:
            self._file.close()
            self._file = None

    def __del__(self) -> None:
        if self._file is not None:
            self._file.close()

    def _spill(self) -> None:
        """Move the oldest whole chunks to the file, keeping HOT_CHUNKS or more in memory."""
        hot, chunk = self._hot, self._chunk
        if self._file is None:
            # Unnamed: gone when closed (by `clear` or `__del__`) or when the process ends.
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (held for the column's life)
        while len(hot) >= self._spill_at:
            os.pwrite(self._file.fileno(), hot[:chunk].tobytes(), self._base * hot.itemsize)
            del hot[:chunk]
            self._base += chunk

    def _in_file(self) -> Iterator[array]:
        """The chunks in the file, oldest first."""
        for number in range(self._base // self._chunk):
            yield self._read(number)

    def _cold(self, index: int) -> array:
        if not 0 <= index < self._base:
            raise IndexError("column index out of range")
        number = index // self._chunk
        if number != self._cached_number:
            self._cached = self._read(number)
            self._cached_number = number
        return self._cached

    def _read(self, number: int) -> array:
        if number == self._cached_number:
            return self._cached
        assert self._file is not None
        size = self._chunk * self._hot.itemsize
        data = os.pread(self._file.fileno(), size, number * size)
        assert len(data) == size, "a chunk moved to the file is read back whole"
        chunk = array(self.typecode)
        chunk.frombytes(data)
        return chunk
