"""The settlement chain's blocks by number, the old ones held as rows rather than objects.

A block old and final enough to have lost its body (`SettlementChain._prune_bodies`) is still
asked for by number: members read its header, the L2 gateway its batch transaction. Kept as
objects, each cost about 400 bytes for the whole run. Here it is a row of `core/column.py`
columns (their older chunks in a file), and a `SettlementBlock` equal to the pruned one is
built again when asked. A block that still carries transactions, or a field that does not
fit a row, stays an object, so the one whose header the L2 batcher holds stays that very
object. `tests/settlement/test_block_list.py` compares it with a list.
"""

from __future__ import annotations

from collections.abc import Iterator

from bridgelab.core.column import Column
from bridgelab.settlement.blocks import SettlementBlock, SettlementHeader

_DIGEST_BYTES = 32
_WORDS = 4  # 64-bit words per digest
_INT64 = (-(2**63), 2**63 - 1)


class BlockList:
    """A list of SettlementBlock: `len`, indexing (negative too), `append`, iteration; the
    newest blocks are taken off with `pop_newest` and the oldest archived with `archive`."""

    __slots__ = ("_archived", "_base_fee", "_event_count", "_gas_used", "_parent",
                 "_proposer", "_recent", "_root", "_slot", "_time", "_whole")

    def __init__(self) -> None:
        self._recent: list[SettlementBlock] = []  # blocks from number `_archived` on
        self._archived = 0
        self._slot = Column("q")
        self._proposer = Column("q")
        self._event_count = Column("q")
        self._gas_used = Column("q")
        self._base_fee = Column("q")
        self._time = Column("d")
        self._parent = Column("Q")  # _WORDS words per block
        self._root = Column("Q")
        # Archived blocks kept as objects (their row holds zeros): see the module docstring.
        self._whole: dict[int, SettlementBlock] = {}

    def __len__(self) -> int:
        return self._archived + len(self._recent)

    def __getitem__(self, number: int) -> SettlementBlock:
        if number < 0:
            number += len(self)
        if number >= self._archived:
            return self._recent[number - self._archived]
        if number < 0:
            raise IndexError("block number out of range")
        whole = self._whole.get(number)
        return whole if whole is not None else self._rebuilt(number)

    def __iter__(self) -> Iterator[SettlementBlock]:
        for number in range(self._archived):
            yield self[number]
        yield from list(self._recent)

    def __reversed__(self) -> Iterator[SettlementBlock]:
        yield from reversed(self._recent)
        for number in range(self._archived - 1, -1, -1):
            yield self[number]

    @property
    def archived(self) -> int:
        """How many of the oldest blocks are archived: numbers below it."""
        return self._archived

    def append(self, block: SettlementBlock) -> None:
        assert block.header.number == len(self), "blocks are appended in number order"
        self._recent.append(block)

    def pop_newest(self, count: int) -> list[SettlementBlock]:
        """Take the newest `count` blocks off (a reorg), oldest first; none archived."""
        assert 0 < count <= len(self._recent), "a reorg takes only blocks not archived"
        taken = self._recent[-count:]
        del self._recent[-count:]
        return taken

    def archive(self, kept: tuple[object, ...]) -> None:
        """Archive the oldest block not archived, its body gone: only the transactions
        `kept` stay with it (those the L2 gateway reads again)."""
        block = self._recent.pop(0)
        number = self._archived
        self._archived += 1
        header = block.header
        pruned = SettlementBlock(header, (), (), block.time, kept)
        row = (header.slot, header.proposer, header.event_count, header.gas_used,
               header.base_fee)
        if kept or not _fits(header, row, block.time):
            self._whole[number] = pruned
            row, time, parent, root = (0, 0, 0, 0, 0), 0.0, bytes(32), bytes(32)
        else:
            time, parent, root = block.time, header.parent_hash, header.events_root
        for column, value in zip((self._slot, self._proposer, self._event_count,
                                  self._gas_used, self._base_fee), row, strict=True):
            column.append(value)
        self._time.append(time)
        self._parent.extend(_words(parent))
        self._root.extend(_words(root))

    def _rebuilt(self, number: int) -> SettlementBlock:
        header = SettlementHeader(
            number, self._slot[number], _digest(self._parent, number),
            self._proposer[number], _digest(self._root, number), self._event_count[number],
            self._gas_used[number], self._base_fee[number],
        )
        return SettlementBlock(header, (), (), self._time[number])


def _fits(header: SettlementHeader, row: tuple[object, ...], time: object) -> bool:
    low, high = _INT64
    return (type(header) is SettlementHeader and type(time) is float
            and all(type(value) is int and low <= value <= high for value in row)
            and all(type(digest) is bytes and len(digest) == _DIGEST_BYTES
                    for digest in (header.parent_hash, header.events_root)))


def _words(digest: bytes) -> list[int]:
    return [int.from_bytes(digest[i:i + 8], "big") for i in range(0, _DIGEST_BYTES, 8)]


def _digest(column: Column, number: int) -> bytes:
    start = number * _WORDS
    return b"".join(int(column[start + i]).to_bytes(8, "big") for i in range(_WORDS))
