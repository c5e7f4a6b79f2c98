"""The settlement chain: one block per slot, reorgs before finality, pushes to relayers.

Each slot the proposer takes the best bids from the mempool (`fees.choose_bids`), executes
them against the bridge contract (`execution`), and the base fee moves by the EIP-1559
rule. Before finality a reorg may orphan the newest blocks: their effects are undone from
their journals and their transactions return to the mempool. Blocks reaching the action
depth (`confirmations`, else finality) are pushed to relayers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import simpy

from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.protocol.revert import Revert
from bridgelab.settlement.block_list import BlockList
from bridgelab.settlement.blocks import (
    Censorship,
    ChainStats,
    Finalized,
    SettlementBlock,
    SettlementHeader,
)
from bridgelab.settlement.bridge_contract import BridgeState
from bridgelab.settlement.copycat import CopycatBurnTx, execute_copycat_burn
from bridgelab.settlement.execution import (
    EXECUTION,
    BlockEffects,
    TxType,
    execute_due,
    undo,
)
from bridgelab.settlement.fees import FeeMarket, choose_bids
from bridgelab.settlement.mempool import Mempool, Pending
from bridgelab.settlement.transactions import BackgroundTx, Transaction

NODE = "settlement"
# Contracts other than the bridge that the model executes (a copycat emitting its events).
OTHER_CONTRACTS: dict[type, TxType] = {CopycatBurnTx: TxType("copycat", execute_copycat_burn)}
# A final block this many blocks below both the finalized and the pushed block keeps only its
# header (and any external transactions, e.g. L2 batches): nobody reads the rest again.
BODY_HORIZON = 64
# A handler for a transaction type the bridge contract does not know (an L2 batch, say):
# it returns what to record, or raises Revert.
ExternalHandler = Callable[[Any, "SettlementChain"], dict[str, Any]]


class SettlementChain:
    """Slots and proposers, blocks over the bridge contract's state, reorgs and finality.

    The mempool (`mempool`) holds what waits, the fee market (`fees`) prices block space,
    and the execution table (`settlement.execution`) applies each transaction to the
    bridge contract; the chain orders them into blocks.
    """

    def __init__(self, world: World, bridge: BridgeState) -> None:
        self.world = world
        self.config = world.scenario.settlement
        self.bridge = bridge
        self.blocks = BlockList()
        self.finalized_number = -1
        self.pushed_number = -1
        self.body_horizon = BODY_HORIZON
        self.subscribers: list[str] = []
        self.stats = ChainStats()
        self.on_block: list[Callable[[SettlementBlock], None]] = []
        self.handlers: dict[type, ExternalHandler] = {}
        self.fees_by_sender: dict[str, int] = {}
        self.mempool = Mempool()
        self.fees = FeeMarket(self.config, world.streams.get("settlement/demand"))
        self._seq = 0
        self._slot = 0
        self._proposer_rng = world.streams.get("settlement/proposer")
        self._reorg_rng = world.streams.get("settlement/reorgs")
        # Censoring proposers by the attack that installed them (settlement.censor).
        self.censorships: dict[str, Censorship] = {}
        world.network.add_node(NODE, "settlement")

    # -- reading ----------------------------------------------------------------------------

    @property
    def tip_number(self) -> int:
        return len(self.blocks) - 1

    @property
    def pruned_number(self) -> int:
        """Blocks up to this one keep only their header (archived in the block list)."""
        return self.blocks.archived - 1

    @property
    def confirmations(self) -> int | None:
        return self.config.confirmations

    def finalized_header(self, number: int) -> SettlementHeader | None:
        if 0 <= number <= self.finalized_number:
            return self.blocks[number].header
        return None

    def canonical_header(self, number: int) -> SettlementHeader | None:
        if 0 <= number < len(self.blocks):
            return self.blocks[number].header
        return None

    def depth_of(self, number: int) -> int:
        """Confirmations of block `number`: 1 when it is the tip."""
        return self.tip_number - number + 1

    # -- intake -----------------------------------------------------------------------------

    def submit(self, tx: Transaction) -> bool:
        """Take `tx` into the mempool; False (and dropped) when the mempool is full."""
        if len(self.mempool) >= self.config.mempool_capacity:
            self.stats.dropped += 1
            if not isinstance(tx, BackgroundTx):
                self.world.record(NODE, "tx.dropped", tx=tx.tx_id, reason="mempool_full")
            return False
        self.stats.submitted += 1
        if not isinstance(tx, BackgroundTx):
            self.stats.bridge_submitted += 1
        self.mempool.append(Pending(self._seq, tx))
        self._seq += 1
        return True

    # -- processes --------------------------------------------------------------------------

    def start(self) -> None:
        env = self.world.env
        env.process(self._slots())
        # Transactions sent over the network reach the mempool as they arrive.
        self.world.network.nodes[NODE].inbox.serve(self.submit)

    def _slots(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        while True:
            yield env.timeout(self.config.slot_time)
            self._slot += 1
            arrivals = self.fees.background_arrivals(self._slot, self.world.now)
            env.count_work(len(arrivals))  # toward the event budget (core/guard.py)
            for tx in arrivals:
                self.submit(tx)
            self._produce(self._slot)
            self._maybe_reorg()
            self._finalize(self._slot)
            self._push_confirmed()
            self._prune_bodies()

    # -- blocks -----------------------------------------------------------------------------

    def _produce(self, slot: int) -> None:
        """Propose the block of `slot`: the contract's due transitions, then the best bids."""
        now = self.world.now
        base_fee = self.fees.base_fee
        mempool = self.mempool
        mempool.drop_expired(slot)
        number = len(self.blocks)
        # One draw per block from the proposer's own stream, before the bids are chosen: a
        # censoring proposer (`censorships`) builds its block without what it excludes.
        proposer = self._proposer_rng.randrange(self.config.proposers)
        offered = self._offered(proposer, number, slot)
        chosen, gas_used = choose_bids(offered, base_fee, self.config.gas_limit)
        taken = {pending.seq for _tip, pending in chosen}
        mempool.remove_where(lambda pending: pending.seq in taken)
        effects = BlockEffects()
        self._execute_due(now, effects)
        background_gas = 0
        for tip, pending in chosen:
            tx = pending.tx
            if isinstance(tx, BackgroundTx):
                background_gas += tx.fee.gas
                continue
            self._execute(tx, tx.fee.gas * (base_fee + tip), now, effects)
        parent = self.blocks[-1].header.hash if self.blocks else bytes(32)
        header = SettlementHeader(
            number, slot, parent, proposer, merkle.root(effects.leaves), len(effects.leaves),
            gas_used, base_fee,
        )
        block = SettlementBlock(
            header, tuple(effects.leaves), tuple(effects.decoded), now,
            tuple(pending.tx for _tip, pending in chosen), tuple(effects.journal),
        )
        self.blocks.append(block)
        self.fees.after_block(gas_used)
        world = self.world
        if chosen or effects.journal:
            world.record(
                NODE, "settlement.block", number=number, slot=slot, proposer=proposer,
                txs=len(chosen), gas_used=gas_used, background_gas=background_gas,
                base_fee=base_fee, hash=header.hash.hex()[:16],
            )
        for kind, fields in effects.records:
            world.record("bridge" if kind != "tx.reverted" else NODE, kind, number=number,
                         **fields)
        for callback in self.on_block:
            callback(block)

    def _offered(self, proposer: int, number: int, slot: int) -> Iterable[Pending]:
        """What `proposer` considers for its block: the mempool, less what its censorships
        exclude (they stay in the mempool for the next proposer)."""
        active = [c for c in self.censorships.values() if proposer in c.proposers]
        if not active:
            return self.mempool
        kept: list[Pending] = []
        excluded = 0
        # The censorships that left something out: only they struck (checker/attack_rounds).
        struck: dict[str, None] = {}
        for pending in self.mempool:
            excluding = [c.actor for c in active if c.excludes(pending.tx)]
            if excluding:
                excluded += 1
                struck.update(dict.fromkeys(excluding))
            else:
                kept.append(pending)
        if excluded:
            self.world.record(
                NODE, "settlement.censored", number=number, slot=slot, proposer=proposer,
                excluded=excluded, by=[c.actor for c in active if c.actor in struck],
            )
        return kept

    def _execute(
        self, tx: Transaction, fee_paid: int, now: float, effects: BlockEffects
    ) -> None:
        """Execute one included transaction (a revert still pays its fee)."""
        tx_type = EXECUTION.get(type(tx)) or OTHER_CONTRACTS.get(type(tx))
        kind = "external" if tx_type is None else tx_type.kind
        stats = self.stats
        stats.included += 1
        stats.gas_by_kind[kind] = stats.gas_by_kind.get(kind, 0) + tx.fee.gas
        stats.fees_paid_wei[kind] = stats.fees_paid_wei.get(kind, 0) + fee_paid
        self.fees_by_sender[tx.sender] = self.fees_by_sender.get(tx.sender, 0) + fee_paid
        try:
            if tx_type is not None:
                self._apply(tx_type, tx, fee_paid, now, effects)
            else:
                self._execute_external(tx, effects)
        except Revert as revert:
            stats.reverted += 1
            effects.records.append(("tx.reverted", {"tx": tx.tx_id, "tx_kind": kind,
                                                    "check": revert.check}))

    # The two points where the contract runs; EVM mode (evm/onchain.py) overrides them.

    def _execute_due(self, now: float, effects: BlockEffects) -> None:
        execute_due(self.bridge, now, effects)

    def _apply(
        self, tx_type: TxType, tx: Transaction, fee_paid: int, now: float, effects: BlockEffects
    ) -> None:
        tx_type.execute(self.bridge, tx, fee_paid, now, effects)

    def _execute_external(self, tx: Transaction, effects: BlockEffects) -> None:
        handler = self.handlers.get(type(tx))
        if handler is None:
            raise Revert("unknown_transaction")
        fields = handler(tx, self)
        if fields:
            effects.records.append((str(fields.pop("kind", "external")), fields))

    # -- reorgs and finality ----------------------------------------------------------------

    def _maybe_reorg(self) -> None:
        reorgs = self.config.reorgs
        if reorgs.probability <= 0 or reorgs.max_depth <= 0:
            return
        if self._reorg_rng.random() >= reorgs.probability:
            return
        self.reorg(self._reorg_rng.randint(1, reorgs.max_depth))

    def reorg(self, depth: int, cause: str = "fork-choice") -> int:
        """Orphan the newest `depth` non-final blocks; returns how many were orphaned."""
        depth = min(depth, len(self.blocks) - (self.finalized_number + 1))
        if depth <= 0:
            return 0
        orphaned = self.blocks.pop_newest(depth)
        reverted: list[dict[str, Any]] = []
        returned: list[Pending] = []
        now = self.world.now
        for block in reversed(orphaned):
            for entry in reversed(block.journal):
                reverted.extend(undo(self.bridge, entry, now))
            returned.extend(Pending(-1, tx) for tx in block.txs)
        # Orphaned transactions go back to the mempool ahead of newer ones, oldest block first.
        returned.reverse()
        for offset, pending in enumerate(returned):
            pending.seq = -len(returned) + offset - self.stats.orphaned_blocks * 1_000_000
        self.mempool.put_first(returned)
        self.fees.base_fee = orphaned[0].header.base_fee
        self.pushed_number = min(self.pushed_number, self.tip_number)
        self.stats.reorgs += 1
        self.stats.orphaned_blocks += depth
        self.world.record(
            NODE, "settlement.reorg", depth=depth, first_orphaned=orphaned[0].header.number,
            cause=cause, reverted=reverted,
        )
        # The winning fork is as long as the one it replaced: one new block per orphaned slot,
        # so blocks below the fork point keep their confirmation count.
        for block in orphaned:
            self._produce(block.header.slot)
        return depth

    def _finalize(self, slot: int) -> None:
        target = -1
        for block in reversed(self.blocks):
            if block.header.slot + self.config.finality_slots <= slot:
                target = block.header.number
                break
        if target <= self.finalized_number:
            return
        self.finalized_number = target
        self.world.record(NODE, "settlement.final", number=target, slot=slot)

    def _push_confirmed(self) -> None:
        """Push blocks that reached the action depth to the relayers."""
        confirmations = self.config.confirmations
        if confirmations is None:
            target = self.finalized_number
        else:
            target = max(self.tip_number - confirmations + 1, self.finalized_number)
        for number in range(self.pushed_number + 1, target + 1):
            block = self.blocks[number]
            if not block.decoded:
                continue
            notice = Finalized(block, number <= self.finalized_number)
            self.world.network.multicast(NODE, self.subscribers, notice)
        self.pushed_number = max(self.pushed_number, target)

    def _prune_bodies(self) -> None:
        """Keep only the header of old final blocks that have been pushed.

        A reorg undoes only blocks after the finalized one, only blocks after the pushed one
        are still to be pushed; relayers were handed the block itself and members read headers
        (`finalized_header`, `canonical_header`). External transactions stay: the L2 gateway
        reads the withdrawals root a batch transaction committed whenever a withdrawal from
        that batch is proven. Events, decoded events, background bundles and the undo journal
        go, and the header becomes a row of the block list's columns (`block_list.py`), so
        the chain's memory does not grow with its transfers.
        """
        through = min(self.finalized_number, self.pushed_number) - self.body_horizon
        external = tuple(self.handlers)
        blocks = self.blocks
        while blocks.archived <= through:
            txs = blocks[blocks.archived].txs
            blocks.archive(tuple(tx for tx in txs if external and isinstance(tx, external)))
