"""Honest users: lock on the consortium chain, and later burn what was minted to withdraw.

Deposits arrive as a Poisson process; each of the first `withdrawals` minted deposits is
burned in full after an exponentially distributed delay.
"""

from __future__ import annotations

import simpy

from bridgelab.consortium.chain import Committed, ConsortiumChain
from bridgelab.consortium.escrow import LockEvent, LockTx, ReleaseEvent
from bridgelab.core.world import World
from bridgelab.settlement.bridge_contract import BURN_GAS, BurnTx, MintEvent
from bridgelab.settlement.chain import SettlementBlock, SettlementChain
from bridgelab.settlement.fees import gwei

USER_PRIORITY_FEE_GWEI = 2.0
MAX_REBIDS = 10
REBID_AFTER = 120.0


def user_names(count: int) -> list[str]:
    width = max(3, len(str(count - 1)))
    return [f"user-{i:0{width}d}" for i in range(count)]


class Users:
    """Generates the deposit and withdrawal traffic and knows when it has all settled."""

    def __init__(
        self, world: World, consortium: ConsortiumChain, settlement: SettlementChain
    ) -> None:
        self.world = world
        self.config = world.scenario.workload
        self.consortium = consortium
        self.settlement = settlement
        self.names = user_names(self.config.users)
        self._rng = world.streams.get("workload/users")
        self._withdraw_rng = world.streams.get("workload/withdrawals")
        self._deposit_of_tx: dict[str, int] = {}
        self._deposit_of_nonce: dict[int, int] = {}
        self._burn_txs: dict[str, int] = {}
        self.deposits_submitted = 0
        self.deposits_finished = 0
        self.withdrawals_expected = 0
        self.withdrawals_submitted = 0
        self.withdrawals_finished = 0
        self._burn_nonces: dict[int, int] = {}
        self.settled = world.env.event()
        consortium.on_commit.append(self._on_consortium_commit)
        settlement.on_block.append(self._on_settlement_block)

    def fund(self, balances: dict[tuple[str, str], int]) -> None:
        """Give every user enough of the asset on the consortium chain for all deposits."""
        budget = self.config.amount_max * max(1, self.config.deposits)
        for name in self.names:
            balances[(name, self.config.asset)] = budget

    def start(self) -> None:
        self.world.env.process(self._deposits())
        self._check_settled()

    def _deposits(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        rng = self._rng
        for index in range(self.config.deposits):
            yield env.timeout(rng.expovariate(1.0 / self.config.deposit_interval))
            user = self.names[rng.randrange(len(self.names))]
            amount = rng.randint(self.config.amount_min, self.config.amount_max)
            tx = LockTx(f"{user}/lock{index}", user, self.config.asset, amount, user, env.now)
            self._deposit_of_tx[tx.tx_id] = index
            self.deposits_submitted += 1
            self.world.record(
                user, "user.lock", tx=tx.tx_id, asset=tx.asset, amount=amount, recipient=user
            )
            self.consortium.submit(tx)

    def _on_consortium_commit(self, committed: Committed) -> None:
        for item in committed.block.decoded:
            if isinstance(item, LockEvent) and item.tx_id in self._deposit_of_tx:
                self._deposit_of_nonce[item.nonce] = self._deposit_of_tx[item.tx_id]
            elif isinstance(item, tuple) and item[1] in self._deposit_of_tx:
                self.deposits_finished += 1  # the lock reverted: nothing to wait for
            elif isinstance(item, ReleaseEvent) and item.nonce in self._burn_nonces:
                self.withdrawals_finished += 1
        self._check_settled()

    def _on_settlement_block(self, block: SettlementBlock) -> None:
        for event in block.decoded:
            if isinstance(event, MintEvent):
                index = self._deposit_of_nonce.get(event.nonce)
                if index is None:
                    continue
                self.deposits_finished += 1
                if index < self.config.withdrawals:
                    self.withdrawals_expected += 1
                    self.world.env.process(self._withdraw(event))
            elif event.tx_id in self._burn_txs:
                self._burn_nonces[event.nonce] = self._burn_txs[event.tx_id]
        self._check_settled()

    def _withdraw(self, minted: MintEvent) -> simpy.events.ProcessGenerator:
        env = self.world.env
        delay = self.config.withdraw_delay
        if delay > 0:
            yield env.timeout(self._withdraw_rng.expovariate(1.0 / delay))
        tx_id = f"{minted.recipient}/burn{minted.nonce}"
        self._burn_txs[tx_id] = minted.nonce
        self.withdrawals_submitted += 1
        self.world.record(
            minted.recipient, "user.burn", tx=tx_id, asset=minted.asset, amount=minted.amount,
            recipient=minted.recipient,
        )
        # Like a wallet: bid twice the base fee, and re-bid 25% higher while it is stuck.
        for attempt in range(MAX_REBIDS + 1):
            bump = 1.25**attempt
            priority_fee = gwei(USER_PRIORITY_FEE_GWEI * bump)
            tx = BurnTx(
                tx_id, minted.recipient, minted.asset, minted.amount, minted.recipient,
                BURN_GAS, priority_fee, env.now,
                max_fee=round(self.settlement.base_fee * 2 * bump) + priority_fee,
            )
            self.settlement.drop_pending(
                lambda pending: isinstance(pending, BurnTx) and pending.tx_id == tx_id
            )
            self.settlement.submit(tx)
            yield env.timeout(REBID_AFTER)
            if not self._pending(tx_id):
                return

    def _pending(self, tx_id: str) -> bool:
        return self.settlement.has_pending(
            lambda pending: isinstance(pending, BurnTx) and pending.tx_id == tx_id
        )

    def _check_settled(self) -> None:
        config = self.config
        if (
            not self.settled.triggered
            and self.deposits_finished >= config.deposits
            and self.withdrawals_submitted == self.withdrawals_expected
            and self.withdrawals_finished >= self.withdrawals_expected
        ):
            self.settled.succeed()
