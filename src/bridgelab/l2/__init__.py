"""A Jovay-like L2 as a bridge destination: sequencer, batch poster, message oracle, escape hatch.

`install_l2` wires the parts to a settlement chain and starts them; the bridge talks to the
returned `L2System` only (deposit in, withdrawal out, escape when the L2 stops).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bridgelab.core.world import World
from bridgelab.l2.batcher import L1, Batch, Batcher, BatchTx
from bridgelab.l2.escape_hatch import EscapeHatch
from bridgelab.l2.message_oracle import DepositMessage, MessageOracle
from bridgelab.l2.sequencer import L2Block, L2State, L2Tx, Sequencer
from bridgelab.scenario.l2_schema import L2

ACTOR = "l2"
# Deposits enter L2 from the bridge contract on L1, not from an L2 account.
DEPOSIT_SENDER = "l1-bridge"

__all__ = [
    "L1",
    "Batch",
    "BatchTx",
    "Batcher",
    "DepositMessage",
    "EscapeHatch",
    "L2Block",
    "L2State",
    "L2System",
    "L2Tx",
    "MessageOracle",
    "Sequencer",
    "install_l2",
]


@dataclass(slots=True)
class L2System:
    """The wired L2. `on_withdrawal_final` callbacks pay final withdrawals on the other side."""

    world: World
    config: L2
    settlement: L1
    sequencer: Sequencer
    batcher: Batcher
    oracle: MessageOracle
    hatch: EscapeHatch
    on_withdrawal_final: list[Callable[[L2Tx], None]] = field(default_factory=list)
    _next_tx: int = field(default=0, init=False, repr=False)

    def start(self) -> None:
        self.sequencer.start()
        self.batcher.start()
        self.hatch.start()

    def _tx_id(self, kind: str) -> str:
        self._next_tx += 1
        return f"l2/{kind}{self._next_tx}"

    def deposit(self, recipient: str, asset: str, amount: int, ref: str) -> bool:
        """The bridge saw a deposit for L2 final on L1: the oracle approves it, L2 credits it."""
        message = DepositMessage(ref, recipient, asset, amount, self.world.now)
        # A ref already seen (a replay) or a full oracle queue is refused, and says so.
        accepted = self.oracle.submit(message)
        self.world.record(ACTOR, "l2.deposit.request", ref=ref, recipient=recipient,
                          asset=asset, amount=amount, accepted=accepted)
        return accepted

    def _credit(self, message: DepositMessage) -> None:
        tx = L2Tx(self._tx_id("deposit"), "deposit", DEPOSIT_SENDER, message.recipient,
                  message.asset, message.amount, message.ref, self.world.now)
        self.sequencer.submit(tx)

    def transfer(self, sender: str, recipient: str, asset: str, amount: int, ref: str) -> bool:
        tx = L2Tx(self._tx_id("transfer"), "transfer", sender, recipient, asset, amount, ref,
                  self.world.now)
        return self.sequencer.submit(tx)

    def withdraw(self, account: str, asset: str, amount: int, recipient: str, ref: str) -> bool:
        """Burn on L2; payable to `recipient` once the including batch is final on L1."""
        tx = L2Tx(self._tx_id("withdraw"), "withdraw", account, recipient, asset, amount, ref,
                  self.world.now)
        accepted = self.sequencer.submit(tx)
        self.world.record(ACTOR, "l2.withdraw.request", tx=tx.tx_id, ref=ref, account=account,
                          asset=asset, amount=amount, recipient=recipient, accepted=accepted)
        return accepted

    def escape(self, account: str, asset: str) -> int:
        return self.hatch.withdraw(account, asset)

    def _on_final(self, batch: Batch) -> None:
        for tx in self.sequencer.settle(batch.last_block):
            for callback in self.on_withdrawal_final:
                callback(tx)


def install_l2(world: World, settlement: L1, config: L2) -> L2System:
    """Build the L2 on `settlement` and start its processes."""
    sequencer = Sequencer(world, config)
    batcher = Batcher(world, settlement, sequencer, config)
    hatch = EscapeHatch(world, batcher, config)
    system = L2System(world, config, settlement, sequencer, batcher,
                      MessageOracle(world, config, lambda message: None), hatch)
    system.oracle.deliver = system._credit
    batcher.on_final.append(system._on_final)
    system.start()
    return system
