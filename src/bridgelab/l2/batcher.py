"""The batch poster: commits the L2 state root to L1 on a schedule and tracks its L1 finality.

L2 blocks are final only when the L1 block that includes their batch is final, so L1
congestion (late inclusion) and L1 finality both add to every L2 transfer's settlement lag.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import simpy

from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.l2.sequencer import L2State, PendingWithdrawal, Sequencer
from bridgelab.protocol.revert import Revert
from bridgelab.scenario.l2_schema import L2
from bridgelab.settlement.transactions import UNCAPPED_FEE, Fee, Transaction

ACTOR = "l2-batcher"
GWEI = 10**9


@dataclass(frozen=True, slots=True)
class BatchTx(Transaction):
    """The L1 transaction that commits L2 blocks `first_block..last_block` and their state root.

    `first_block > last_block` is a heartbeat: no new blocks, the same root re-committed.
    `withdrawals_root` commits to the batch's withdrawals (`PendingWithdrawal.leaf`), so
    the other side of a bridge can check a withdrawal against L1 alone.
    """

    batch: int
    first_block: int
    last_block: int
    state_root: bytes
    withdrawals_root: bytes = b""


class L1(Protocol):
    """All the batcher needs from the settlement chain.

    Each block has `header.number`, `header.slot` and `txs` (the included transactions);
    `handlers` maps a transaction type the bridge contract does not know to its executor.
    """

    blocks: Any
    finalized_number: int
    on_block: list[Callable[[Any], None]]
    handlers: dict[type, Callable[[Any, Any], dict[str, Any]]]

    def submit(self, tx: Any) -> bool: ...


@dataclass(slots=True)
class Batch:
    """One batch's life: posted (maybe several times), included in an L1 block, final."""

    number: int
    first_block: int
    last_block: int
    state_root: bytes
    state: L2State | None
    posted_at: float
    attempts: int = 0
    priority_fee: int = 0
    max_fee: int = UNCAPPED_FEE
    l1_number: int | None = None
    l1_header: Any = None
    included_at: float | None = None
    final_at: float | None = None
    # The withdrawals soft-confirmed in this batch's blocks (the published batch data) and
    # the Merkle root over their leaves that the batch transaction commits on L1.
    withdrawals: tuple[PendingWithdrawal, ...] = ()
    withdrawals_root: bytes = b""


class Batcher:
    """Every `batch_interval` posts one batch; one batch waits for inclusion at a time."""

    def __init__(self, world: World, settlement: L1, sequencer: Sequencer, config: L2) -> None:
        self.world = world
        self.settlement = settlement
        self.sequencer = sequencer
        self.config = config
        self.batches: list[Batch] = []
        self.on_final: list[Callable[[Batch], None]] = []
        self.halted = False
        # Once the escape hatch opens the L1 contract refuses batches: the rollup is frozen.
        self.frozen = False
        self.last_finalized_state_root = sequencer.state.root()
        self.last_finalized_state = sequencer.state.copy()
        self.last_finalized_time = world.now
        self.last_finalized_batch = -1
        self.last_finalized_block = -1
        self._last_batched_block = -1
        self._due = False
        self._polling = False
        self._by_tx: dict[str, Batch] = {}
        self._unfinal: list[Batch] = []

    def start(self) -> None:
        self.settlement.handlers[BatchTx] = self._execute_on_l1
        self.settlement.on_block.append(self._on_l1_block)
        self.world.env.process(self._schedule())

    def _execute_on_l1(self, tx: BatchTx, chain: Any) -> dict[str, Any]:
        """The rollup contract's commit: refused once the escape hatch froze it.

        Stateless otherwise, so a reorg that re-executes the block needs nothing undone; the
        batcher itself ignores duplicate commits of one batch.
        """
        if self.frozen:
            raise Revert("rollup_frozen")
        return {}  # `l2.batch.included` is recorded from the block, with its number

    # -- fault hooks -------------------------------------------------------------------------

    def halt(self) -> None:
        """Stop posting batches (the poster is down or its L1 account is starved)."""
        if not self.halted:
            self.halted = True
            self.world.record(ACTOR, "l2.batcher.halt")

    def heal(self) -> None:
        if self.halted:
            self.halted = False
            self.world.record(ACTOR, "l2.batcher.heal")

    def freeze(self) -> None:
        self.frozen = True

    # -- posting -----------------------------------------------------------------------------

    @property
    def in_flight(self) -> Batch | None:
        """The posted batch not yet (canonically) included, if any."""
        for batch in self._unfinal:
            if not self._canonical(batch):
                return batch
        return None

    def _schedule(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        while True:
            yield env.timeout(self.config.batch_interval)
            self._due = True
            self._try_post()

    def _try_post(self) -> None:
        if not self._due or self.halted or self.frozen or self.sequencer.halted:
            return
        if self.in_flight is not None:
            return  # posted as soon as the one in flight is included: the backlog rolls in
        self._due = False
        self._post()

    def _post(self) -> None:
        sequencer = self.sequencer
        first = self._last_batched_block + 1
        last = sequencer.head_number
        self._last_batched_block = last
        fee = round(self.config.batch_priority_fee_gwei * GWEI)
        cap = self.config.batch_max_fee_gwei
        withdrawals = tuple(sequencer.withdrawals_between(first, last))
        batch = Batch(
            len(self.batches), first, last, sequencer.head_root, sequencer.state.copy(),
            self.world.now, priority_fee=fee,
            max_fee=UNCAPPED_FEE if cap is None else round(cap * GWEI),
            withdrawals=withdrawals,
            withdrawals_root=merkle.root([item.leaf() for item in withdrawals]),
        )
        self.batches.append(batch)
        self._unfinal.append(batch)
        self._send(batch)
        self.world.env.process(self._watch(batch))

    def _send(self, batch: Batch) -> None:
        batch.attempts += 1
        fee = Fee(self.config.batch_gas, batch.priority_fee, batch.max_fee)
        tx = BatchTx(
            f"l2-batch-{batch.number}-{batch.attempts}", ACTOR, self.world.now, fee,
            batch.number, batch.first_block, batch.last_block, batch.state_root,
            batch.withdrawals_root,
        )
        self._by_tx[tx.tx_id] = batch
        accepted = self.settlement.submit(tx)
        self.world.record(
            ACTOR, "l2.batch.posted", batch=batch.number, tx=tx.tx_id, attempt=batch.attempts,
            first_block=batch.first_block, last_block=batch.last_block,
            priority_fee=batch.priority_fee, accepted=accepted,
            state_root=batch.state_root.hex()[:16],
        )

    def _watch(self, batch: Batch) -> simpy.events.ProcessGenerator:
        """Re-submit with higher fees while the batch is not included (bounded)."""
        env = self.world.env
        bump = self.config.fee_bump
        for _ in range(self.config.max_resubmits):
            yield env.timeout(self.config.resubmit_after)
            if self._canonical(batch) or batch.final_at is not None or self.frozen:
                return
            batch.priority_fee = math.ceil(batch.priority_fee * bump)
            if batch.max_fee != UNCAPPED_FEE:
                batch.max_fee = max(math.ceil(batch.max_fee * bump), batch.priority_fee)
            self._send(batch)

    # -- inclusion and finality --------------------------------------------------------------

    def _canonical(self, batch: Batch) -> bool:
        """Included in a block that is still on the chain (a reorg may have orphaned it)."""
        number = batch.l1_number
        if number is None:
            return False
        blocks = self.settlement.blocks
        return number < len(blocks) and blocks[number].header is batch.l1_header

    def _on_l1_block(self, block: Any) -> None:
        for tx in block.txs:
            if not isinstance(tx, BatchTx) or self.frozen:
                continue  # not a batch, or refused by the frozen contract
            tx_id = tx.tx_id
            batch = self._by_tx.get(tx_id)
            if batch is None or batch.final_at is not None or self._canonical(batch):
                continue  # not ours, done, or a duplicate of an attempt already included
            header = block.header
            first_time = batch.l1_number is None
            batch.l1_number = header.number
            batch.l1_header = header
            batch.included_at = self.world.now
            self.world.record(
                ACTOR, "l2.batch.included" if first_time else "l2.batch.reincluded",
                batch=batch.number, tx=tx_id, l1_number=header.number, l1_slot=header.slot,
                attempt=batch.attempts, wait=round(self.world.now - batch.posted_at, 6),
            )
            self._start_polling()
        self._try_post()

    def _start_polling(self) -> None:
        if not self._polling:
            self._polling = True
            self.world.env.process(self._poll_finality())

    def _poll_finality(self) -> simpy.events.ProcessGenerator:
        # Polled rather than pushed: a quiet L1 produces no block to call us back with.
        env = self.world.env
        while self._unfinal and self._canonical(self._unfinal[0]) and not self.frozen:
            yield env.timeout(self.config.finality_poll)
            self._check_final()
        self._polling = False

    def _check_final(self) -> None:
        final = self.settlement.finalized_number
        # Batches finalise in order: each commits to the state its predecessor left.
        while self._unfinal and not self.frozen:
            batch = self._unfinal[0]
            if not self._canonical(batch) or batch.l1_number is None:
                return
            if batch.l1_number > final:
                return
            self._unfinal.pop(0)
            self._finalize(batch)

    def _finalize(self, batch: Batch) -> None:
        now = self.world.now
        batch.final_at = now
        if batch.state is not None:
            self.last_finalized_state = batch.state
        batch.state = None  # only the newest finalised snapshot is kept
        self.last_finalized_state_root = batch.state_root
        self.last_finalized_time = now
        self.last_finalized_batch = batch.number
        self.last_finalized_block = max(self.last_finalized_block, batch.last_block)
        for tx_id in [key for key, item in self._by_tx.items() if item is batch]:
            del self._by_tx[tx_id]
        self.world.record(
            ACTOR, "l2.batch.final", batch=batch.number, first_block=batch.first_block,
            last_block=batch.last_block, l1_number=batch.l1_number,
            state_root=batch.state_root.hex()[:16], lag=round(now - batch.posted_at, 6),
        )
        for callback in self.on_final:
            callback(batch)
