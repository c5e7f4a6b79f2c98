"""The L2 sequencer: orders transactions into soft blocks and keeps the L2 state.

A soft block is the sequencer's promise only; it becomes final when its batch is final on L1.
The sequencer can halt and can censor by predicate (the liveness attacks of class G).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import simpy

from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.crypto.hashing import encode
from bridgelab.scenario.l2_schema import L2

ACTOR = "l2-sequencer"
TxKind = Literal["deposit", "transfer", "withdraw"]
Predicate = Callable[["L2Tx"], bool]
# Soft-block ticks are k * soft_block_time; this absorbs float error in the division.
_TICK_EPSILON = 1e-9
# Soft blocks kept (only the head is read); older ones live on in their batches' roots.
RECENT_BLOCKS = 256


@dataclass(frozen=True, slots=True)
class L2Tx:
    """One L2 transaction. A deposit credits `recipient`; the others debit `sender`."""

    tx_id: str
    kind: TxKind
    sender: str
    recipient: str
    asset: str
    amount: int
    ref: str
    submitted_at: float


@dataclass(frozen=True, slots=True)
class L2Block:
    number: int
    time: float
    tx_ids: tuple[str, ...]
    state_root: bytes


class L2State:
    """Balances per (account, asset), committed to by a Merkle root over the sorted balances."""

    def __init__(self, balances: dict[tuple[str, str], int] | None = None) -> None:
        self.balances: dict[tuple[str, str], int] = dict(balances or {})

    def balance(self, account: str, asset: str) -> int:
        return self.balances.get((account, asset), 0)

    def add(self, account: str, asset: str, amount: int) -> None:
        self.balances[(account, asset)] = self.balance(account, asset) + amount

    def copy(self) -> L2State:
        return L2State(self.balances)

    def _entries(self) -> list[tuple[tuple[str, str], bytes]]:
        # Sorted keys make the root independent of the order balances first appeared.
        return [
            (key, leaf(key[0], key[1], amount))
            for key, amount in sorted(self.balances.items())
            if amount > 0
        ]

    def root(self) -> bytes:
        return merkle.root([data for _, data in self._entries()])

    def prove(self, account: str, asset: str) -> tuple[bytes, merkle.Proof] | None:
        """The balance leaf and its proof, or None when the account holds none of the asset."""
        entries = self._entries()
        leaves = [data for _, data in entries]
        for index, (key, data) in enumerate(entries):
            if key == (account, asset):
                return data, merkle.prove(leaves, index)
        return None


def leaf(account: str, asset: str, amount: int) -> bytes:
    return encode("l2/balance", account, asset, amount)


def withdrawal_leaf(index: int, asset: str, amount: int, sender: str, recipient: str) -> bytes:
    """A withdrawal as a batch commits to it: what L1 may pay, to whom, under which index."""
    return encode("l2/withdrawal", index, asset, amount, sender, recipient)


@dataclass(slots=True)
class PendingWithdrawal:
    """A soft-confirmed withdrawal; `index` is the L2 bridge's withdrawal counter (0, 1, ...)."""

    tx: L2Tx
    block: int
    index: int = -1

    def leaf(self) -> bytes:
        tx = self.tx
        return withdrawal_leaf(self.index, tx.asset, tx.amount, tx.sender, tx.recipient)


class Sequencer:
    """A bounded queue, a soft block every `soft_block_time` while work waits, and the state."""

    def __init__(self, world: World, config: L2) -> None:
        self.world = world
        self.config = config
        self.state = L2State()
        self.blocks: list[L2Block] = []
        self.halted = False
        self.on_confirm: list[Callable[[L2Tx, L2Block], None]] = []
        self.on_reject: list[Callable[[L2Tx, str], None]] = []
        self.withdrawals_made = 0
        self._queue: list[L2Tx] = []
        self._censors: list[tuple[str, Predicate]] = []
        self._censored_seen: dict[str, None] = {}
        self._withdrawals: list[PendingWithdrawal] = []
        self._wake: simpy.Event | None = None

    # -- inputs ------------------------------------------------------------------------------

    def submit(self, tx: L2Tx) -> bool:
        if len(self._queue) >= self.config.queue_capacity:
            self.world.record(ACTOR, "l2.tx.dropped", tx=tx.tx_id, tx_kind=tx.kind, ref=tx.ref,
                              reason="queue_full")
            return False
        self._queue.append(tx)
        self._poke()
        return True

    @property
    def queued(self) -> int:
        return len(self._queue)

    def held_back(self, since: float, predicate: Predicate | None = None) -> int:
        """Queued transactions (those `predicate` matches) that a soft-block tick after
        `since` found waiting: a halt or censor since then held them back. One that came in
        after the last tick was held back by nothing yet."""
        step, now = self.config.soft_block_time, self.world.now
        return sum(
            1 for tx in self._queue
            if (predicate is None or predicate(tx))
            and _next_tick(max(since, tx.submitted_at), step) <= now
        )

    @property
    def head_number(self) -> int:
        return self.blocks[-1].number if self.blocks else -1

    @property
    def head_root(self) -> bytes:
        return self.blocks[-1].state_root if self.blocks else self.state.root()

    # -- fault hooks -------------------------------------------------------------------------

    def halt(self) -> None:
        """Stop producing blocks (and, as the operator is down, posting batches)."""
        if not self.halted:
            self.halted = True
            self.world.record(ACTOR, "l2.sequencer.halt", queued=len(self._queue))

    def heal(self) -> None:
        if self.halted:
            self.halted = False
            self.world.record(ACTOR, "l2.sequencer.heal", queued=len(self._queue))
            self._poke()

    def censor(self, predicate: Predicate, label: str = "predicate") -> None:
        """Leave every transaction matching `predicate` queued, never ordered, until uncensored."""
        self._censors.append((label, predicate))
        self.world.record(ACTOR, "l2.sequencer.censor", label=label)

    def censor_account(self, account: str) -> None:
        self.censor(lambda tx: account in (tx.sender, tx.recipient), f"account:{account}")

    def uncensor(self) -> None:
        if self._censors:
            self._censors.clear()
            self.world.record(ACTOR, "l2.sequencer.uncensor", queued=len(self._queue))
            self._poke()

    # -- block production --------------------------------------------------------------------

    def start(self) -> None:
        self.world.env.process(self._run())

    def _poke(self) -> None:
        if self._wake is not None and not self._wake.triggered:
            self._wake.succeed()

    def _includable(self) -> bool:
        return not self.halted and any(not self._censored(tx) for tx in self._queue)

    def _censored(self, tx: L2Tx) -> bool:
        return any(predicate(tx) for _, predicate in self._censors)

    def _run(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        step = self.config.soft_block_time
        while True:
            if not self._includable():
                # Idle: sleep until a submission, a heal or an uncensor, not tick by tick.
                self._wake = env.event()
                yield self._wake
                self._wake = None
                continue
            yield env.timeout(_next_tick(env.now, step) - env.now)
            if not self.halted:
                self._produce()

    def _produce(self) -> None:
        chosen: list[L2Tx] = []
        kept: list[L2Tx] = []
        for tx in self._queue:
            if len(chosen) < self.config.max_txs_per_block and not self._censored(tx):
                chosen.append(tx)
                continue
            if self._censored(tx) and tx.tx_id not in self._censored_seen:
                self._censored_seen[tx.tx_id] = None
                self.world.record(ACTOR, "l2.censored", tx=tx.tx_id, tx_kind=tx.kind, ref=tx.ref)
            kept.append(tx)
        self._queue = kept
        if not chosen:
            return
        number = self.head_number + 1
        applied = [tx for tx in chosen if self._apply(tx, number)]
        block = L2Block(number, self.world.now, tuple(tx.tx_id for tx in applied),
                        self.state.root())
        self.blocks.append(block)
        if len(self.blocks) > 2 * RECENT_BLOCKS:
            del self.blocks[:-RECENT_BLOCKS]
        self.world.record(ACTOR, "l2.block", number=number, txs=len(applied),
                          state_root=block.state_root.hex()[:16])
        for tx in applied:
            self._censored_seen.pop(tx.tx_id, None)
            self.world.record(
                ACTOR, "l2.soft_confirm", tx=tx.tx_id, tx_kind=tx.kind, ref=tx.ref, block=number,
                account=tx.recipient if tx.kind == "deposit" else tx.sender,
                asset=tx.asset, amount=tx.amount,
            )
            for callback in self.on_confirm:
                callback(tx, block)

    def _apply(self, tx: L2Tx, number: int) -> bool:
        state = self.state
        if tx.amount <= 0:
            return self._reject(tx, "amount_positive")
        if tx.kind == "deposit":
            state.add(tx.recipient, tx.asset, tx.amount)
            return True
        if state.balance(tx.sender, tx.asset) < tx.amount:
            return self._reject(tx, "sender_balance")
        state.add(tx.sender, tx.asset, -tx.amount)
        if tx.kind == "transfer":
            state.add(tx.recipient, tx.asset, tx.amount)
        else:
            self._withdrawals.append(PendingWithdrawal(tx, number, self.withdrawals_made))
            self.withdrawals_made += 1
        return True

    def _reject(self, tx: L2Tx, reason: str) -> bool:
        self.world.record(ACTOR, "l2.tx.rejected", tx=tx.tx_id, tx_kind=tx.kind, ref=tx.ref,
                          reason=reason)
        for callback in self.on_reject:
            callback(tx, reason)
        return False

    # -- finality ----------------------------------------------------------------------------

    @property
    def redemption_queue(self) -> int:
        """Withdrawals requested and not yet final: queued plus soft-confirmed."""
        queued = sum(1 for tx in self._queue if tx.kind == "withdraw")
        return queued + len(self._withdrawals)

    def withdrawals_between(self, first: int, last: int) -> list[PendingWithdrawal]:
        """Soft-confirmed, unsettled withdrawals in blocks `first..last`, in L2 order."""
        return [item for item in self._withdrawals if first <= item.block <= last]

    def settle(self, last_block: int) -> list[L2Tx]:
        """Blocks up to `last_block` are final on L1: their withdrawals may now be paid."""
        done = [item for item in self._withdrawals if item.block <= last_block]
        self._withdrawals = [item for item in self._withdrawals if item.block > last_block]
        for item in done:
            tx = item.tx
            self.world.record(ACTOR, "l2.withdraw.final", tx=tx.tx_id, ref=tx.ref,
                              account=tx.sender, recipient=tx.recipient, asset=tx.asset,
                              amount=tx.amount, block=item.block, index=item.index)
        return [item.tx for item in done]


def _next_tick(time: float, step: float) -> float:
    """The first soft-block tick after `time`."""
    return (math.floor(time / step + _TICK_EPSILON) + 1) * step
