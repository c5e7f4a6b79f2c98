"""The escape hatch: after `escape_timeout` without a finalised batch, users exit on L1 alone.

Each user proves their balance in the last finalised state root and is paid it once. Balances
that exist only in soft (unbatched or unfinalised) L2 state cannot be proven, so are lost.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.l2.batcher import Batcher
from bridgelab.scenario.l2_schema import L2

ACTOR = "l2-escape"
# A timeout computed as deadline - now may land a hair before the deadline in floating point.
_EPSILON = 1e-9

Payout = Callable[[str, str, int], None]


class EscapeHatch:
    """Watches the time since the last finalised batch; once open, pays proven balances."""

    def __init__(self, world: World, batcher: Batcher, config: L2) -> None:
        self.world = world
        self.batcher = batcher
        self.config = config
        self.open = False
        self.opened_at: float | None = None
        self.paid: dict[tuple[str, str], int] = {}
        self.on_payout: list[Payout] = []
        self.on_open: list[Callable[[], None]] = []

    @property
    def deadline(self) -> float:
        return self.batcher.last_finalized_time + self.config.escape_timeout

    def start(self) -> None:
        self.world.env.process(self._watch())

    def _watch(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        # Each pass either opens the hatch or sleeps until a deadline later than now.
        while not self.open:
            remaining = self.deadline - env.now
            if remaining <= _EPSILON:
                self._open()
                return
            yield env.timeout(remaining)

    def _open(self) -> None:
        self.open = True
        self.opened_at = self.world.now
        self.batcher.freeze()
        batcher = self.batcher
        self.world.record(
            ACTOR, "l2.escape.open", last_batch=batcher.last_finalized_batch,
            last_block=batcher.last_finalized_block,
            state_root=batcher.last_finalized_state_root.hex()[:16],
            since=round(batcher.last_finalized_time, 6),
        )
        for callback in self.on_open:
            callback()

    def withdraw(self, account: str, asset: str) -> int:
        """Pay `account` its `asset` balance in the last finalised state; 0 if it cannot."""
        if not self.open:
            return self._refuse(account, asset, "closed")
        if (account, asset) in self.paid:
            return self._refuse(account, asset, "already_withdrawn")
        # The user rebuilds the finalised state from the batches' published data (assumed
        # available) and proves their leaf; the snapshot here stands in for that copy.
        proven = self.batcher.last_finalized_state.prove(account, asset)
        if proven is None:
            return self._refuse(account, asset, "no_finalised_balance")
        leaf, proof = proven
        amount = self.batcher.last_finalized_state.balance(account, asset)
        # The L1 contract checks the proof against the root it stored, not the L2's word.
        if not merkle.verify(self.batcher.last_finalized_state_root, leaf, proof):
            return self._refuse(account, asset, "bad_proof")
        self.paid[(account, asset)] = amount
        self.world.record(ACTOR, "l2.escape.withdraw", account=account, asset=asset,
                          amount=amount, batch=self.batcher.last_finalized_batch)
        for callback in self.on_payout:
            callback(account, asset, amount)
        return amount

    def _refuse(self, account: str, asset: str, reason: str) -> int:
        self.world.record(ACTOR, "l2.escape.refused", account=account, asset=asset,
                          reason=reason)
        return 0
