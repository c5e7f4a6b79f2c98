"""The escape hatch's driver: opens the rollup contract's hatch once no batch has been
finalised for `escape_timeout`, and submits users' escapes to it (`l2/escape_contract.py`).
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from bridgelab.core.world import World
from bridgelab.l2.batcher import Batcher
from bridgelab.l2.escape_contract import (
    TIME_EPSILON,
    EscapeClaim,
    EscapeState,
    process_escape,
    process_open,
)
from bridgelab.protocol.revert import Revert
from bridgelab.scenario.l2_schema import L2

ACTOR = "l2-escape"

Payout = Callable[[str, str, int], None]


class EscapeHatch:
    """Watches the time since the last finalised batch; once open, pays proven balances."""

    def __init__(self, world: World, batcher: Batcher, config: L2) -> None:
        self.world = world
        self.batcher = batcher
        self.config = config
        self.state = EscapeState(config.escape_timeout)
        self.on_payout: list[Payout] = []
        self.on_open: list[Callable[[], None]] = []

    @property
    def open(self) -> bool:
        return self.state.opened_at is not None

    @property
    def opened_at(self) -> float | None:
        return self.state.opened_at

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
            if remaining <= TIME_EPSILON:
                self._open()
                return
            yield env.timeout(remaining)

    def _open(self) -> None:
        batcher = self.batcher
        process_open(self.state, batcher.last_finalized_time, self.world.now)
        batcher.freeze()
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
        claim = self._claim(account, asset)
        try:
            payout = process_escape(self.state, claim, self.batcher.last_finalized_state_root)
        except Revert as revert:
            self.world.record(ACTOR, "l2.escape.refused", account=account, asset=asset,
                              reason=revert.check)
            return 0
        self.world.record(ACTOR, "l2.escape.withdraw", account=account, asset=asset,
                          amount=payout.amount, batch=self.batcher.last_finalized_batch)
        for callback in self.on_payout:
            callback(account, asset, payout.amount)
        return payout.amount

    def _claim(self, account: str, asset: str) -> EscapeClaim:
        """The user's claim. The user rebuilds the finalised state from the batches'
        published data (assumed available) and proves their leaf; the snapshot here stands
        in for that copy."""
        finalised = self.batcher.last_finalized_state
        proven = finalised.prove(account, asset)
        if proven is None:
            return EscapeClaim(account, asset, 0, b"", None)
        leaf, proof = proven
        return EscapeClaim(account, asset, finalised.balance(account, asset), leaf, proof)
