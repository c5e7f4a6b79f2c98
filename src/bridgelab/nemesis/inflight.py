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
# Waits while the bridge is paused, at most (two hours of them): they use up no re-bid.
# Past that the forgery keeps its bid; if it is still pending at the end, the run is
# inconclusive, never safe.
MAX_PAUSED_WAITS = 60
# A re-bid's fee cap covers this many of the current base fee, as the first bid did.
BASE_FEE_MULTIPLE = 4

SettlementTx = MintTx | ProveAndMintTx


@dataclass(slots=True)
class InFlight:
    """The transactions the adversary sent, by chain (ids only; bounded by its forgeries).

    No id is ever dropped from them: a reorg returns an included settlement transaction to the
    mempool, so one that left it may wait there again."""

    bridge: Bridge
    # Read only by `pending`, which `Bridge.quiescent` asks at most once per progress step
    # of the run (not per event): a pass over the forgeries sent costs little there.
    settlement: list[tuple[str, type]] = field(default_factory=list)
    consortium: dict[str, None] = field(default_factory=dict)

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
        self.consortium[tx.tx_id] = None
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
        mine = self.consortium
        return any(tx.tx_id in mine for tx in self.bridge.consortium.mempool)

    def _rebid(self, tx: SettlementTx, actor: str) -> simpy.events.ProcessGenerator:
        """Replace `tx` (same id) with a higher bid each `REBID_AFTER` while it waits."""
        world = self.bridge.world
        settlement = self.bridge.settlement
        kind = type(tx)
        attempt = 0
        # A paused bridge does not use up a re-bid (one included now would revert), but the
        # waits are bounded too: MAX_PAUSED_WAITS of them, then the forgery keeps its bid.
        for _wait in range(MAX_REBIDS + MAX_PAUSED_WAITS):
            if attempt >= MAX_REBIDS:
                return
            yield world.env.timeout(REBID_AFTER)
            if not settlement.mempool.has_tx(tx.tx_id, kind):
                return  # included, or dropped: nothing waits to re-bid
            if settlement.bridge.paused:
                continue
            attempt += 1
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
