"""Honest users: lock on the consortium chain, and later burn what was minted to withdraw.

Deposits arrive as a Poisson process; each of the first `withdrawals` minted deposits is
burned in full after an exponentially distributed delay. When the bridge's destination is the
L2 (`attach_l2`), deposits are credited there and withdrawals start there (`l2.withdraw`);
if the escape hatch opens, every user with a finalised balance escapes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from bridgelab.consortium.chain import Committed, ConsortiumChain
from bridgelab.consortium.escrow import LockEvent, LockTx, ReleaseEvent
from bridgelab.core.column import Column
from bridgelab.core.dense import DenseIntMap
from bridgelab.core.world import World
from bridgelab.settlement.bridge_contract import BURN_GAS, BurnEvent, MintEvent
from bridgelab.settlement.chain import SettlementBlock, SettlementChain
from bridgelab.settlement.fees import gwei
from bridgelab.settlement.transactions import BurnTx, Fee
from bridgelab.workload.names import user_names

if TYPE_CHECKING:
    from bridgelab.l2.gateway import L2Gateway
    from bridgelab.l2.sequencer import L2Tx

USER_PRIORITY_FEE_GWEI = 2.0
MAX_REBIDS = 10
REBID_AFTER = 120.0


class BurnTxs:
    """The users' burn tx ids, f"{recipient}/burn{nonce}", each standing for its nonce: a
    dense map nonce -> recipient (its index in `names`), and a dict for any other (a
    recipient that is not a user, or a second recipient for one nonce)."""

    def __init__(self, names: list[str], name_index: dict[str, int]) -> None:
        self._names = names
        self._name_index = name_index
        self._recipients = DenseIntMap()
        self._others: dict[str, int] = {}

    def add(self, recipient: str, nonce: int) -> None:
        index = self._name_index.get(recipient)
        held = self._recipients.get(nonce)
        # Only a tx id whose digits read back as the nonce is found by parsing it.
        if index is not None and type(nonce) is int and nonce >= 0 and held in (None, index):
            self._recipients[nonce] = index
        else:
            self._others[f"{recipient}/burn{nonce}"] = nonce

    def get(self, tx_id: object) -> int | None:
        """The nonce `tx_id` stands for, None if it is not one of the users' burns."""
        if type(tx_id) is not str:
            return None
        nonce = self._others.get(tx_id)
        if nonce is not None:
            return nonce
        recipient, separator, digits = tx_id.rpartition("/burn")
        if not (separator and digits.isascii() and digits.isdigit()):
            return None
        nonce = int(digits)
        index = self._recipients.get(nonce)
        if index is None or self._names[index] != recipient:
            return None
        return nonce if tx_id == f"{recipient}/burn{nonce}" else None


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
        # Kept for the whole run (a replayed lock or a second mint of an old nonce is met as
        # the first was), so kept compactly: deposit i's tx id is f"{user}/lock{i}", with
        # the user's index in `names` at `_depositor[i]` (a `core/column.py` Column); nonces
        # index DenseIntMaps.
        self._name_index = {name: index for index, name in enumerate(self.names)}
        self._depositor = Column("q")
        self._deposit_of_nonce = DenseIntMap()
        self._burn_txs = BurnTxs(self.names, self._name_index)
        self.deposits_submitted = 0
        self.deposits_finished = 0
        self.withdrawals_expected = 0
        self.withdrawals_submitted = 0
        self.withdrawals_finished = 0
        self._burn_nonces = DenseIntMap()
        self.settled = world.env.event()
        self.gateway: L2Gateway | None = None
        self._l2_withdrawals: dict[str, None] = {}  # refs submitted, not yet burned or refused
        consortium.on_commit.append(self._on_consortium_commit)
        settlement.on_block.append(self._on_settlement_block)

    def fund(self, balances: dict[tuple[str, str], int]) -> None:
        """Give every user enough of the asset on the consortium chain for all deposits."""
        budget = self.config.amount_max * max(1, self.config.deposits)
        scripted = sum(action.amount for action in self.config.scripted)
        for name in self.names:
            balances[(name, self.config.asset)] = budget + scripted

    def start(self) -> None:
        self.world.env.process(self._deposits())
        for index, action in enumerate(self.config.scripted):
            self.world.env.process(self._scripted(index, action.at, action.user, action.amount))
        self._check_settled()

    def deposit(self, user: str, amount: int, tx_id: str) -> LockTx:
        """One deposit by `user`, now (scripted actions and the hunt use this)."""
        env = self.world.env
        tx = LockTx(tx_id, user, self.config.asset, amount, user, env.now)
        self.world.record(
            user, "user.lock", tx=tx.tx_id, asset=tx.asset, amount=amount, recipient=user
        )
        self.consortium.submit(tx)
        return tx

    def _scripted(
        self, index: int, at: float, user: str, amount: int
    ) -> simpy.events.ProcessGenerator:
        yield self.world.env.timeout(at)
        self.deposit(user, amount, f"{user}/scripted{index}")

    def _deposits(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        rng = self._rng
        for index in range(self.config.deposits):
            yield env.timeout(rng.expovariate(1.0 / self.config.deposit_interval))
            user = self.names[rng.randrange(len(self.names))]
            amount = rng.randint(self.config.amount_min, self.config.amount_max)
            tx = LockTx(f"{user}/lock{index}", user, self.config.asset, amount, user, env.now)
            assert len(self._depositor) == index
            self._depositor.append(self._name_index[user])
            self.deposits_submitted += 1
            self.world.record(
                user, "user.lock", tx=tx.tx_id, asset=tx.asset, amount=amount, recipient=user
            )
            self.consortium.submit(tx)

    def _on_consortium_commit(self, committed: Committed) -> None:
        for item in committed.block.decoded:
            if isinstance(item, LockEvent) and (index := self._deposit_of(item.tx_id)) is not None:
                self._deposit_of_nonce[item.nonce] = index
            elif isinstance(item, tuple) and self._deposit_of(item[1]) is not None:
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
            elif isinstance(event, BurnEvent) and (nonce := self._burn_txs.get(event.tx_id)
                                                   ) is not None:
                self._burn_nonces[event.nonce] = nonce
        self._check_settled()

    def _deposit_of(self, tx_id: object) -> int | None:
        """The index of the users' deposit whose tx id is `tx_id`, if any."""
        if type(tx_id) is not str:
            return None
        user, separator, digits = tx_id.rpartition("/lock")
        if not (separator and digits.isascii() and digits.isdigit()):
            return None
        index = int(digits)
        if index >= len(self._depositor) or self.names[self._depositor[index]] != user:
            return None
        return index if tx_id == f"{user}/lock{index}" else None

    def _withdraw(self, minted: MintEvent) -> simpy.events.ProcessGenerator:
        env = self.world.env
        delay = self.config.withdraw_delay
        if delay > 0:
            yield env.timeout(self._withdraw_rng.expovariate(1.0 / delay))
        tx_id = f"{minted.recipient}/burn{minted.nonce}"
        self._burn_txs.add(minted.recipient, minted.nonce)
        self.withdrawals_submitted += 1
        self.world.record(
            minted.recipient, "user.burn", tx=tx_id, asset=minted.asset, amount=minted.amount,
            recipient=minted.recipient,
        )
        # Like a wallet: bid twice the base fee, and re-bid 25% higher while it is stuck.
        for attempt in range(MAX_REBIDS + 1):
            bump = 1.25**attempt
            priority_fee = gwei(USER_PRIORITY_FEE_GWEI * bump)
            max_fee = round(self.settlement.fees.base_fee * 2 * bump) + priority_fee
            tx = BurnTx(tx_id, minted.recipient, env.now, Fee(BURN_GAS, priority_fee, max_fee),
                        minted.asset, minted.amount, minted.recipient)
            self.settlement.mempool.drop_tx(tx_id, BurnTx)
            self.settlement.submit(tx)
            yield env.timeout(REBID_AFTER)
            if not self._pending(tx_id):
                return

    # -- the L2 as destination -----------------------------------------------------------------

    def attach_l2(self, gateway: L2Gateway) -> None:
        """Deposits are credited on the L2 and withdrawn from it from now on."""
        self.gateway = gateway
        gateway.on_credit.append(self._on_l2_credit)
        gateway.on_burn.append(self._on_l2_burn)
        gateway.l2.sequencer.on_reject.append(self._on_l2_reject)
        gateway.l2.hatch.on_open.append(self._escape_all)

    def _on_l2_credit(self, nonce: int | str, tx: L2Tx) -> None:
        index = self._deposit_of_nonce.get(nonce) if isinstance(nonce, int) else None
        if index is None:
            return
        self.deposits_finished += 1
        if index < self.config.withdrawals:
            self.withdrawals_expected += 1
            self.world.env.process(self._withdraw_l2_later(tx, nonce))
        self._check_settled()

    def _withdraw_l2_later(self, credit: L2Tx, nonce: int) -> simpy.events.ProcessGenerator:
        delay = self.config.withdraw_delay
        if delay > 0:
            yield self.world.env.timeout(self._withdraw_rng.expovariate(1.0 / delay))
        account = credit.recipient
        self.withdraw_on_l2(account, credit.asset, credit.amount, f"{account}/burn{nonce}",
                            expected=False)

    def withdraw_on_l2(
        self, account: str, asset: str, amount: int, ref: str, expected: bool = True
    ) -> None:
        """Withdraw `amount` from `account` on the L2 to itself; the run waits until it is
        released, or refused by the L2. `expected=False`: already counted as expected."""
        assert self.gateway is not None, "the bridge's destination is not the L2"
        if expected:
            self.withdrawals_expected += 1
        self.withdrawals_submitted += 1
        self._l2_withdrawals[ref] = None
        self.world.record(account, "user.burn", tx=ref, asset=asset, amount=amount,
                          recipient=account, layer="l2")
        self.world.env.process(self._submit_l2(account, asset, amount, ref))

    def _submit_l2(
        self, account: str, asset: str, amount: int, ref: str
    ) -> simpy.events.ProcessGenerator:
        assert self.gateway is not None
        l2 = self.gateway.l2
        # A full sequencer queue refuses at once: try again later, like a wallet.
        for _ in range(MAX_REBIDS + 1):
            if l2.withdraw(account, asset, amount, account, ref):
                return
            yield self.world.env.timeout(REBID_AFTER)
        self._l2_withdrawal_done(ref)

    def _on_l2_reject(self, tx: L2Tx, reason: str) -> None:
        if tx.kind == "withdraw":
            self._l2_withdrawal_done(tx.ref)  # nothing was burned: nothing to wait for

    def _l2_withdrawal_done(self, ref: str) -> None:
        if ref in self._l2_withdrawals:
            del self._l2_withdrawals[ref]
            self.withdrawals_finished += 1
            self._check_settled()

    def _on_l2_burn(self, ref: str, nonce: int) -> None:
        if ref in self._l2_withdrawals:
            del self._l2_withdrawals[ref]
            self._burn_nonces[nonce] = nonce  # finished when the escrow releases it

    def _escape_all(self) -> None:
        """The hatch opened: everyone with a balance in the last finalised state escapes."""
        assert self.gateway is not None
        l2 = self.gateway.l2
        finalised = l2.batcher.last_finalized_state
        asset = self.config.asset
        for name in self.names:
            if finalised.balance(name, asset) > 0:
                l2.escape(name, asset)

    def _pending(self, tx_id: str) -> bool:
        return self.settlement.mempool.has_tx(tx_id, BurnTx)

    def _check_settled(self) -> None:
        config = self.config
        if (
            not self.settled.triggered
            and self.deposits_finished >= config.deposits
            and self.withdrawals_submitted == self.withdrawals_expected
            and self.withdrawals_finished >= self.withdrawals_expected
        ):
            self.settled.succeed()
