"""The adversary's transactions in flight: which still wait in a mempool, and re-bidding them.

A forged mint stuck in the settlement mempool (its fee cap priced out by a demand spike) is
an attack whose outcome is still to come: the run must not end on it as if it had been
refused (`Bridge.quiescent`), and an attacker who wants it included raises its bid, as the
L2 batcher and the relayers do (`l2/batcher.py` `_watch`, `actors/relayer_submit.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import simpy

from bridgelab.settlement.transactions import Fee, MintTx, ProveAndMintTx, Transaction

if TYPE_CHECKING:
    from bridgelab.bridge import Bridge

# Seconds without inclusion before a forged mint is re-bid, the factor each re-bid raises
# both fees by (>= 1.125 replaces a pending transaction) and how often it does so at most:
# the L2 batcher's defaults, bounded, after which the forgery waits at its last bid.
REBID_AFTER = 120.0
FEE_BUMP = 1.25
MAX_REBIDS = 10
# A re-bid's fee cap covers this many of the current base fee, as the first bid did.
BASE_FEE_MULTIPLE = 4

SettlementTx = MintTx | ProveAndMintTx


@dataclass(slots=True)
class InFlight:
    """The transactions the adversary sent, by chain (ids only; bounded by its forgeries).

    No id is ever dropped from them: a reorg returns an included settlement transaction to the
    mempool, so one that left it may wait there again."""

    bridge: Bridge
    settlement: list[tuple[str, type]] = field(default_factory=list)
    consortium: list[str] = field(default_factory=list)

    def send_settlement(self, tx: SettlementTx, actor: str, rebid: bool = True) -> bool:
        """Submit `tx` to the settlement chain and watch it; with `rebid`, raise its bid
        while it waits. False when the mempool refused it (recorded as dropped)."""
        self.settlement.append((tx.tx_id, type(tx)))
        accepted = self.bridge.settlement.submit(tx)
        if accepted and rebid:
            self.bridge.world.env.process(self._rebid(tx, actor))
        return accepted

    def send_consortium(self, tx: Transaction) -> bool:
        """Submit `tx` to the consortium chain and watch it."""
        self.consortium.append(tx.tx_id)
        return self.bridge.consortium.submit(tx)

    @property
    def pending(self) -> bool:
        """Whether one of them still waits in a mempool whose contract could still take it
        (a paused bridge or frozen escrow refuses it when it is included)."""
        settlement = self.bridge.settlement
        if not settlement.bridge.paused and any(
            settlement.mempool.has_tx(tx_id, kind) for tx_id, kind in self.settlement
        ):
            return True
        if not self.consortium or self.bridge.consortium.escrow.paused:
            return False
        # Ids in the order sent; the consortium mempool is read once.
        mine = dict.fromkeys(self.consortium)
        return any(tx.tx_id in mine for tx in self.bridge.consortium.mempool)

    def _rebid(self, tx: SettlementTx, actor: str) -> simpy.events.ProcessGenerator:
        """Replace `tx` (same id) with a higher bid each `REBID_AFTER` while it waits."""
        world = self.bridge.world
        settlement = self.bridge.settlement
        kind = type(tx)
        for attempt in range(1, MAX_REBIDS + 1):
            yield world.env.timeout(REBID_AFTER)
            if not settlement.mempool.has_tx(tx.tx_id, kind):
                return  # included, or dropped: nothing waits to re-bid
            if settlement.bridge.paused:
                continue  # included now it would revert: bid again once unpaused
            tx = replace(tx, fee=bumped(tx.fee, settlement.fees.base_fee))
            # The replaced bid leaves room for the new one: a full mempool cannot drop it.
            settlement.mempool.drop_tx(tx.tx_id, kind)
            settlement.submit(tx)
            world.record(
                actor, "attack.rebid", tx=tx.tx_id, attempt=attempt,
                priority_fee=tx.fee.priority_fee, max_fee=tx.fee.max_fee,
            )


def bumped(fee: Fee, base_fee: int) -> Fee:
    """Both fees raised by `FEE_BUMP`; the cap also covers `BASE_FEE_MULTIPLE` of the current
    base fee (the first bid's rule), so a bid priced out by a spike catches up with it."""
    priority = math.ceil(fee.priority_fee * FEE_BUMP)
    cap = max(math.ceil(fee.max_fee * FEE_BUMP), base_fee * BASE_FEE_MULTIPLE + priority)
    return Fee(fee.gas, priority, cap)
