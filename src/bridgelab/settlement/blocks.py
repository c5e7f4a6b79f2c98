"""The settlement chain's blocks and the records around them: headers, bodies, the pushes
to relayers, censoring proposers, the chain's counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridgelab.crypto.hashing import encode, keccak256
from bridgelab.settlement.contract_records import BurnEvent, MintEvent
from bridgelab.settlement.transactions import Transaction


@dataclass(frozen=True, slots=True)
class SettlementHeader:
    number: int
    slot: int
    parent_hash: bytes
    proposer: int
    events_root: bytes
    event_count: int
    gas_used: int
    base_fee: int
    # Computed once: members, relayers and the chain itself ask for it many times.
    hash: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hash", self._compute_hash())

    def _compute_hash(self) -> bytes:
        return keccak256(
            encode(
                "settlement/header",
                self.number,
                self.slot,
                self.parent_hash,
                self.proposer,
                self.events_root,
                self.event_count,
                self.gas_used,
                self.base_fee,
            )
        )


@dataclass(frozen=True, slots=True)
class SettlementBlock:
    header: SettlementHeader
    events: tuple[bytes, ...]
    decoded: tuple[MintEvent | BurnEvent, ...]
    time: float
    txs: tuple[Any, ...] = ()
    journal: tuple[tuple[Any, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Finalized:
    """A settlement block that reached the relayers' action depth, pushed to subscribers."""

    block: SettlementBlock
    final: bool = True


@dataclass(frozen=True, slots=True)
class Censorship:
    """Proposers that leave out of their blocks every transaction `excludes` holds for."""

    actor: str
    proposers: frozenset[int]
    excludes: Callable[[Transaction], bool]


@dataclass(slots=True)
class ChainStats:
    submitted: int = 0
    # Of those, the bridge's and its users' (not background demand): what congestion delays.
    bridge_submitted: int = 0
    dropped: int = 0
    included: int = 0
    reverted: int = 0
    reorgs: int = 0
    orphaned_blocks: int = 0
    fees_paid_wei: dict[str, int] = field(default_factory=dict)
    gas_by_kind: dict[str, int] = field(default_factory=dict)
