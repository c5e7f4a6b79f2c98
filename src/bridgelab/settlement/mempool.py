"""The settlement chain's mempool: pending transactions in the order they wait.

Relayers ask before every mint bid whether the message's mint waits, and users before every
burn whether theirs does, so the mempool counts how many transactions wait under each
transaction id and under each minted message's key: a lookup instead of a pass over every
pending transaction. At 10 deposits a second the passes cost about 3% of the instructions
per transfer (measured); the mempool then holds about 70 transactions between slots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bridgelab.settlement.transactions import BackgroundTx, MintTx, Transaction


@dataclass(slots=True)
class Pending:
    """A waiting transaction; `seq` orders equal tips (lower first)."""

    seq: int
    tx: Transaction


class Mempool:
    """The pending transactions in the order they wait (a reorg puts orphaned ones first),
    with how many wait under each transaction id and under each minted message's key."""

    __slots__ = ("_ids", "_mint_keys", "entries")

    def __init__(self) -> None:
        self.entries: list[Pending] = []
        self._ids: dict[str, int] = {}
        self._mint_keys: dict[tuple[str, int], int] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Pending]:
        return iter(self.entries)

    # -- changes ----------------------------------------------------------------------------

    def append(self, pending: Pending) -> None:
        self.entries.append(pending)
        self._count(pending.tx, 1)

    def put_first(self, pendings: list[Pending]) -> None:
        self.entries[:0] = pendings
        for pending in pendings:
            self._count(pending.tx, 1)

    def remove_where(self, predicate: Callable[[Pending], bool]) -> int:
        """Remove the entries `predicate` holds for (asked once each, in order); how many."""
        kept: list[Pending] = []
        for pending in self.entries:
            if predicate(pending):
                self._count(pending.tx, -1)
            else:
                kept.append(pending)
        removed = len(self.entries) - len(kept)
        self.entries = kept
        return removed

    def drop(self, predicate: Callable[[Any], bool]) -> int:
        """Remove the transactions a sender replaces (`predicate` over each); how many."""
        return self.remove_where(lambda pending: predicate(pending.tx))

    def drop_tx(self, tx_id: str, kind: type) -> int:
        """`drop` the transactions of type `kind` with the id `tx_id`."""
        if tx_id not in self._ids:
            return 0
        return self.drop(lambda tx: isinstance(tx, kind) and tx.tx_id == tx_id)

    def drop_expired(self, slot: int) -> None:
        """Background bundles whose bidders gave up before `slot` leave unincluded."""
        self.remove_where(
            lambda pending: isinstance(pending.tx, BackgroundTx)
            and pending.tx.expires_slot < slot
        )

    # -- lookups ----------------------------------------------------------------------------

    def has_mint(self, key: tuple[str, int]) -> bool:
        """Whether a mint of the message `key` waits."""
        return key in self._mint_keys

    def has_tx(self, tx_id: str, kind: type) -> bool:
        """Whether a transaction of type `kind` with the id `tx_id` waits."""
        return tx_id in self._ids and self.any(
            lambda tx: isinstance(tx, kind) and tx.tx_id == tx_id
        )

    def any(self, predicate: Callable[[Any], bool]) -> bool:
        return any(predicate(pending.tx) for pending in self.entries)

    def cost_cap(self, sender: str) -> int:
        """The most `sender`'s pending transactions could still cost (gas x max fee)."""
        return sum(
            pending.tx.fee.max_cost for pending in self.entries if pending.tx.sender == sender
        )

    def _count(self, tx: Any, change: int) -> None:
        _add_count(self._ids, tx.tx_id, change)
        if isinstance(tx, MintTx):
            _add_count(self._mint_keys, tx.certificate.message.key, change)


def _add_count(counts: dict[Any, int], key: Any, change: int) -> None:
    """Add `change` to `key`'s count, forgetting keys whose count drops to zero."""
    count = counts.get(key, 0) + change
    if count:
        counts[key] = count
    else:
        del counts[key]
