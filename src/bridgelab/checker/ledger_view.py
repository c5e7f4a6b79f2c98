"""What the monitor learns from the history, and what it reports: the ledger view it folds
transfers into (its per-transfer tables in `checker/transfer_table.py`), and a violation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bridgelab.checker.frozen import AdversaryTrail, TheftPauses
from bridgelab.checker.transfer_table import TransferTable
from bridgelab.core.dense import DenseIntMap
from bridgelab.protocol.messages import TrustRoot

SAFETY_EVENTS = frozenset({"lock", "mint", "burn", "release"})
# Who records the canonical contracts' events: the escrow on the consortium chain, the bridge
# contract on the settlement chain, and the rollup's inbox for burns on the L2. An event of
# these kinds recorded by anyone else is not the canonical contract's, and backs nothing.
ESCROW_ACTOR = "escrow"
BURN_ACTORS = frozenset({"bridge", "l2-bridge"})
SETTLEMENT_CHAIN = "settlement"  # the actor whose blocks the finality rule counts
# A burn whose record names no block can never be shown final.
UNKNOWN_BLOCK = 2**62
# Where wrapped tokens live: the settlement chain, or the L2 (records say `layer = "l2"`).
LANES = ("l1", "l2")


@dataclass(frozen=True, slots=True)
class Violation:
    property: str
    seq: int
    time: float
    kind: str
    actor: str
    detail: str
    # What the checker established beyond the sentence (a fork's culprits), when it has any.
    evidence: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "property": self.property,
            "event_seq": self.seq,
            "time": self.time,
            "event_kind": self.kind,
            "actor": self.actor,
            "detail": self.detail,
        }
        if self.evidence is not None:
            data["evidence"] = self.evidence
        return data


@dataclass(slots=True)
class LedgerView:
    """What the checker has learnt from the history so far."""

    locked: dict[str, int] = field(default_factory=dict)
    released: dict[str, int] = field(default_factory=dict)
    minted: dict[str, int] = field(default_factory=dict)
    burned: dict[str, int] = field(default_factory=dict)
    # Per transfer, compactly (each answers as the dict it replaced): nonce -> Transfer, and
    # nonce -> the seq of the event that minted, honoured or released it.
    locks: TransferTable = field(default_factory=TransferTable)
    burns: TransferTable = field(default_factory=TransferTable)
    minted_nonces: DenseIntMap = field(default_factory=DenseIntMap)
    honoured_locks: DenseIntMap = field(default_factory=DenseIntMap)
    # Deposits users submitted that the escrow has neither locked nor refused yet.
    submitted_deposits: dict[str, float] = field(default_factory=dict)
    released_nonces: DenseIntMap = field(default_factory=DenseIntMap)
    settlement_final: int = -1
    escrowed: dict[str, int] = field(default_factory=dict)
    # Wrapped tokens per (asset, lane): "l1" (the settlement chain) or "l2", from mints, burns
    # and escape-hatch moves. A lane can never have burnt more than it received.
    lane_supply: dict[tuple[str, str], int] = field(default_factory=dict)
    trust_roots: dict[int, TrustRoot] = field(default_factory=dict)
    # The version each chain's contract accepts now: rotations happen on the settlement
    # chain; the escrow keeps the root it was deployed with.
    current_root: dict[str, int] = field(default_factory=dict)
    # The settlement chain's roots as installed, (version, block), oldest first: a reorg
    # can take back only the latest, and only if its block was orphaned.
    settlement_roots: list[tuple[int, int]] = field(default_factory=list)
    # Liveness: whose transfers are the adversary's, and when a theft's pause held each side.
    adversary: AdversaryTrail = field(default_factory=AdversaryTrail)
    theft_pauses: TheftPauses = field(default_factory=TheftPauses)
