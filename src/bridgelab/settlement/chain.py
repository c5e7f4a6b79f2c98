"""The settlement chain: one block per slot under EIP-1559, reorgs before finality.

Each slot the proposer fills a block up to the gas limit from the mempool, highest effective
tip first, among bids at or above the base fee; the base fee then moves by the EIP-1559
rule. Background demand competes for the space. Before finality a reorg may orphan the
newest blocks: their effects are undone and their transactions return to the mempool.
Blocks reaching the action depth (`confirmations`, else finality) are pushed to relayers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import simpy

from bridgelab.consortium.escrow import Revert
from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.crypto.hashing import encode, keccak256
from bridgelab.protocol.messages import TrustRoot, certificate_fields, trust_root_fields
from bridgelab.scenario.model import DemandSpike
from bridgelab.settlement.bridge_contract import (
    BridgeState,
    BurnEvent,
    BurnTx,
    ChallengeTx,
    DelayedMint,
    MintEvent,
    MintQueued,
    MintTx,
    PauseTx,
    PendingRoot,
    ProveAndMintTx,
    RotateTx,
    UpgradeTx,
    VetoTx,
    process_burn,
    process_challenge,
    process_due_mints,
    process_due_root,
    process_mint,
    process_pause,
    process_prove_and_mint,
    process_rotate,
    process_upgrade,
    process_veto,
    undo_burn,
    undo_mint,
    undo_queue,
)
from bridgelab.settlement.fees import GWEI, effective_tip, gwei, next_base_fee

NODE = "settlement"
# A final block this many blocks below both the finalized and the pushed block keeps only its
# header (and any external transactions, e.g. L2 batches): nobody reads the rest again.
BODY_HORIZON = 64
BridgeTx = (
    MintTx | ProveAndMintTx | BurnTx | RotateTx | PauseTx | UpgradeTx | ChallengeTx | VetoTx
)
# A handler for a transaction type the bridge contract does not know (an L2 batch, say):
# it returns what to record, or raises Revert.
ExternalHandler = Callable[[Any, "SettlementChain"], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class BackgroundTx:
    """Everyone else's demand for block space, as one bundle of gas with a capped bid."""

    tx_id: str
    gas: int
    max_fee: int
    priority_fee: int
    submitted_at: float
    expires_slot: int


@dataclass(frozen=True, slots=True)
class SettlementHeader:
    number: int
    slot: int
    parent_hash: bytes
    proposer: int
    events_root: bytes
    event_count: int
    gas_used: int
    base_fee: int
    # Computed once: members, relayers and the chain itself ask for it many times.
    hash: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hash", self._compute_hash())

    def _compute_hash(self) -> bytes:
        return keccak256(
            encode(
                "settlement/header",
                self.number,
                self.slot,
                self.parent_hash,
                self.proposer,
                self.events_root,
                self.event_count,
                self.gas_used,
                self.base_fee,
            )
        )


@dataclass(frozen=True, slots=True)
class SettlementBlock:
    header: SettlementHeader
    events: tuple[bytes, ...]
    decoded: tuple[MintEvent | BurnEvent, ...]
    time: float
    txs: tuple[Any, ...] = ()
    journal: tuple[tuple[Any, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Finalized:
    """A settlement block that reached the relayers' action depth, pushed to subscribers."""

    block: SettlementBlock
    final: bool = True


@dataclass(slots=True)
class _Pending:
    seq: int
    tx: Any


class _Mempool:
    """The pending transactions in the order they wait (a reorg puts orphaned ones first),
    with how many wait under each transaction id and under each minted message's key.

    Relayers ask before every mint bid whether the message's mint waits, and users before
    every burn whether theirs does: a lookup here instead of a pass over every pending
    transaction. At 10 deposits a second the passes cost about 3% of the instructions
    per transfer (measured); the mempool then holds about 70 transactions between slots."""

    __slots__ = ("_ids", "_mint_keys", "entries")

    def __init__(self) -> None:
        self.entries: list[_Pending] = []
        self._ids: dict[str, int] = {}
        self._mint_keys: dict[tuple[str, int], int] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[_Pending]:
        return iter(self.entries)

    def append(self, pending: _Pending) -> None:
        self.entries.append(pending)
        self._count(pending.tx, 1)

    def put_first(self, pendings: list[_Pending]) -> None:
        self.entries[:0] = pendings
        for pending in pendings:
            self._count(pending.tx, 1)

    def remove_where(self, predicate: Callable[[_Pending], bool]) -> int:
        """Remove the entries `predicate` holds for (asked once each, in order); how many."""
        kept: list[_Pending] = []
        for pending in self.entries:
            if predicate(pending):
                self._count(pending.tx, -1)
            else:
                kept.append(pending)
        removed = len(self.entries) - len(kept)
        self.entries = kept
        return removed

    def has_id(self, tx_id: str) -> bool:
        return tx_id in self._ids

    def has_mint(self, key: tuple[str, int]) -> bool:
        return key in self._mint_keys

    def _count(self, tx: Any, change: int) -> None:
        _add_count(self._ids, tx.tx_id, change)
        if isinstance(tx, MintTx):
            _add_count(self._mint_keys, tx.certificate.message.key, change)


def _add_count(counts: dict[Any, int], key: Any, change: int) -> None:
    """Add `change` to `key`'s count, forgetting keys whose count drops to zero."""
    count = counts.get(key, 0) + change
    if count:
        counts[key] = count
    else:
        del counts[key]


@dataclass(slots=True)
class ChainStats:
    submitted: int = 0
    dropped: int = 0
    included: int = 0
    reverted: int = 0
    reorgs: int = 0
    orphaned_blocks: int = 0
    fees_paid_wei: dict[str, int] = field(default_factory=dict)
    gas_by_kind: dict[str, int] = field(default_factory=dict)


class SettlementChain:
    """Slots, proposers, the fee market, the bridge contract's state, reorgs and finality."""

    def __init__(self, world: World, bridge: BridgeState) -> None:
        self.world = world
        self.config = world.scenario.settlement
        self.bridge = bridge
        self.blocks: list[SettlementBlock] = []
        self.finalized_number = -1
        self.pushed_number = -1
        self.body_horizon = BODY_HORIZON
        self.pruned_number = -1  # blocks up to this one keep only their header
        self.base_fee = gwei(self.config.initial_base_fee_gwei)
        self.subscribers: list[str] = []
        self.stats = ChainStats()
        self.on_block: list[Callable[[SettlementBlock], None]] = []
        self.handlers: dict[type, ExternalHandler] = {}
        self.fees_by_sender: dict[str, int] = {}
        self._mempool = _Mempool()
        self._extra_spikes: list[DemandSpike] = []
        self._seq = 0
        self._slot = 0
        self._proposer_rng = world.streams.get("settlement/proposer")
        self._demand_rng = world.streams.get("settlement/demand")
        self._reorg_rng = world.streams.get("settlement/reorgs")
        world.network.add_node(NODE, "settlement")

    # -- reading ----------------------------------------------------------------------------

    @property
    def tip_number(self) -> int:
        return len(self.blocks) - 1

    @property
    def confirmations(self) -> int | None:
        return self.config.confirmations

    def submit(self, tx: Any) -> bool:
        if len(self._mempool) >= self.config.mempool_capacity:
            self.stats.dropped += 1
            if not isinstance(tx, BackgroundTx):
                self.world.record(NODE, "tx.dropped", tx=tx.tx_id, reason="mempool_full")
            return False
        self.stats.submitted += 1
        self._mempool.append(_Pending(self._seq, tx))
        self._seq += 1
        return True

    def has_pending_mint(self, key: tuple[str, int]) -> bool:
        """Whether a mint of the message `key` waits in the mempool."""
        return self._mempool.has_mint(key)

    def has_pending_tx(self, tx_id: str, kind: type) -> bool:
        """Whether a transaction of type `kind` with the id `tx_id` waits in the mempool."""
        return self._mempool.has_id(tx_id) and self.has_pending(
            lambda tx: isinstance(tx, kind) and tx.tx_id == tx_id
        )

    def drop_pending(self, predicate: Callable[[Any], bool]) -> int:
        """Remove pending transactions the sender replaces; returns how many."""
        return self._mempool.remove_where(lambda pending: predicate(pending.tx))

    def drop_pending_tx(self, tx_id: str, kind: type) -> int:
        """`drop_pending` of the transactions of type `kind` with the id `tx_id`."""
        if not self._mempool.has_id(tx_id):
            return 0
        return self.drop_pending(lambda tx: isinstance(tx, kind) and tx.tx_id == tx_id)

    def pending_cost(self, sender: str) -> int:
        """The most `sender`'s pending transactions could still cost (gas x max fee)."""
        return sum(
            pending.tx.gas * pending.tx.max_fee
            for pending in self._mempool
            if (getattr(pending.tx, "relayer", None) or getattr(pending.tx, "sender", None))
            == sender
        )

    def has_pending(self, predicate: Callable[[Any], bool]) -> bool:
        return any(predicate(pending.tx) for pending in self._mempool)

    def pending_count(self) -> int:
        return sum(1 for pending in self._mempool if not isinstance(pending.tx, BackgroundTx))

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
            self._background_arrivals(self._slot)
            self._produce(self._slot)
            self._maybe_reorg()
            self._finalize(self._slot)
            self._push_confirmed()
            self._prune_bodies()

    # -- demand -----------------------------------------------------------------------------

    def add_spike(self, spike: DemandSpike) -> None:
        """A demand spike injected during the run (congestion attack)."""
        self._extra_spikes.append(spike)

    def demand_factor(self, now: float) -> tuple[float, float]:
        """Multipliers on background gas and on its tips at `now` (spikes compose)."""
        factor = tips = 1.0
        for spike in [*self.config.demand.spikes, *self._extra_spikes]:
            if spike.start <= now < spike.end:
                factor *= spike.factor
                tips *= spike.priority_factor
        return factor, tips

    def _background_arrivals(self, slot: int) -> None:
        demand = self.config.demand
        now = self.world.now
        factor, tip_factor = self.demand_factor(now)
        base_gas = demand.gas_per_slot
        if base_gas <= 0:
            if factor == 1.0:
                return
            # No modelled background: a spike then means `factor` times the gas target.
            base_gas = self.config.gas_limit / self.config.elasticity
        rng = self._demand_rng
        mean_bundles = base_gas * factor / demand.bundle_gas
        for index in range(_poisson(rng, mean_bundles)):
            max_fee = gwei(
                demand.max_fee_median_gwei * tip_factor
                * math.exp(demand.max_fee_sigma * rng.gauss(0.0, 1.0))
            )
            tip = gwei(
                demand.priority_fee_median_gwei * tip_factor * math.exp(0.5 * rng.gauss(0.0, 1.0))
            )
            self.submit(
                BackgroundTx(
                    f"bg/{slot}/{index}", demand.bundle_gas, max_fee, tip, now,
                    slot + demand.expiry_slots,
                )
            )

    # -- blocks -----------------------------------------------------------------------------

    def _produce(self, slot: int) -> None:
        world = self.world
        now = world.now
        base_fee = self.base_fee
        self._mempool.remove_where(
            lambda pending: isinstance(pending.tx, BackgroundTx)
            and pending.tx.expires_slot < slot
        )
        eligible: list[tuple[int, int, _Pending]] = []
        for pending in self._mempool:
            tip = effective_tip(base_fee, pending.tx.max_fee, pending.tx.priority_fee)
            if tip is not None:
                eligible.append((-tip, pending.seq, pending))
        eligible.sort(key=lambda item: (item[0], item[1]))
        chosen: list[tuple[int, _Pending]] = []
        gas_used = 0
        for negative_tip, _seq, pending in eligible:
            if gas_used + pending.tx.gas > self.config.gas_limit:
                continue
            chosen.append((-negative_tip, pending))
            gas_used += pending.tx.gas
        taken = {pending.seq for _tip, pending in chosen}
        self._mempool.remove_where(lambda pending: pending.seq in taken)
        number = len(self.blocks)
        leaves: list[bytes] = []
        decoded: list[MintEvent | BurnEvent] = []
        journal: list[tuple[Any, ...]] = []
        records: list[tuple[str, dict[str, Any]]] = []
        previous_root = self.bridge.trust_root
        installed = process_due_root(self.bridge, now)
        if installed is not None:
            journal.append(("rotate", previous_root))
            records.append(("trust_root", {
                **trust_root_fields(installed.root), "via": installed.via, "timelocked": True,
                "rotation_signatures": [sig.hex() for sig in installed.signatures],
                "previous_version": previous_root.version}))
        for event, item in process_due_mints(self.bridge, now):
            previous_root, previous_pending = self.bridge.trust_root, self.bridge.pending_root
            journal.append(("due", event, item))
            leaves.append(event.leaf())
            decoded.append(event)
            records.append(("mint", self._mint_fields(event, None, 0, delayed=True)))
            self._message_call_effects(previous_root, previous_pending, journal, records)
        background_gas = 0
        for tip, pending in chosen:
            tx = pending.tx
            if isinstance(tx, BackgroundTx):
                background_gas += tx.gas
                continue
            fee = tx.gas * (base_fee + tip)
            self._execute(tx, fee, now, number, leaves, decoded, journal, records)
        proposer = self._proposer_rng.randrange(self.config.proposers)
        parent = self.blocks[-1].header.hash if self.blocks else bytes(32)
        header = SettlementHeader(
            number, slot, parent, proposer, merkle.root(leaves), len(leaves), gas_used, base_fee
        )
        block = SettlementBlock(
            header, tuple(leaves), tuple(decoded), now,
            tuple(pending.tx for _tip, pending in chosen), tuple(journal),
        )
        self.blocks.append(block)
        self.base_fee = next_base_fee(
            base_fee, gas_used, self.config.gas_limit, self.config.elasticity,
            self.config.base_fee_change_denominator,
        )
        if chosen or journal:
            world.record(
                NODE, "settlement.block", number=number, slot=slot, proposer=proposer,
                txs=len(chosen), gas_used=gas_used, background_gas=background_gas,
                base_fee=base_fee, hash=header.hash.hex()[:16],
            )
        for kind, fields in records:
            world.record("bridge" if kind != "tx.reverted" else NODE, kind, number=number,
                         **fields)
        for callback in self.on_block:
            callback(block)

    def _execute(
        self,
        tx: Any,
        fee: int,
        now: float,
        number: int,
        leaves: list[bytes],
        decoded: list[MintEvent | BurnEvent],
        journal: list[tuple[Any, ...]],
        records: list[tuple[str, dict[str, Any]]],
    ) -> None:
        bridge = self.bridge
        kind = _KIND.get(type(tx), "external")
        self.stats.included += 1
        self.stats.gas_by_kind[kind] = self.stats.gas_by_kind.get(kind, 0) + tx.gas
        self.stats.fees_paid_wei[kind] = self.stats.fees_paid_wei.get(kind, 0) + fee
        sender = getattr(tx, "relayer", None) or getattr(tx, "sender", None) or "unknown"
        self.fees_by_sender[sender] = self.fees_by_sender.get(sender, 0) + fee
        try:
            if isinstance(tx, MintTx | ProveAndMintTx):
                previous_root, previous_pending = bridge.trust_root, bridge.pending_root
                if isinstance(tx, MintTx):
                    outcome = process_mint(bridge, tx, now)
                else:
                    outcome = process_prove_and_mint(bridge, tx, now)
                if isinstance(outcome, MintQueued):
                    journal.append(("queue", outcome))
                    records.append(("mint.queued", {
                        "nonce": outcome.nonce, "asset": outcome.asset, "amount": outcome.amount,
                        "recipient": outcome.recipient, "due": round(outcome.due, 6),
                        "tx": tx.tx_id, "fee_paid": fee,
                    }))
                    return
                journal.append(("mint", outcome))
                leaves.append(outcome.leaf())
                decoded.append(outcome)
                records.append(("mint", self._mint_fields(outcome, tx, fee)))
                self._message_call_effects(previous_root, previous_pending, journal, records)
            elif isinstance(tx, BurnTx):
                outcome = process_burn(bridge, tx, now)
                journal.append(("burn", outcome))
                leaves.append(outcome.leaf())
                decoded.append(outcome)
                records.append(("burn", {
                    "nonce": outcome.nonce, "asset": outcome.asset, "amount": outcome.amount,
                    "sender": outcome.sender, "recipient": outcome.recipient,
                    "tx": outcome.tx_id, "fee_paid": fee,
                }))
            elif isinstance(tx, RotateTx):
                previous = bridge.trust_root
                root = process_rotate(bridge, tx, now)
                journal.append(("rotate", previous))
                if root is None:
                    records.append(("trust_root.pending", {
                        "version": tx.rotation.new_root.version, "via": "rotation",
                        "due": round(now + bridge.rotation_timelock, 6)}))
                else:
                    records.append(("trust_root", {
                        **trust_root_fields(root), "via": "rotation",
                        "rotation_signatures": [sig.hex() for sig in tx.rotation.signatures],
                        "previous_version": previous.version}))
            elif isinstance(tx, ChallengeTx):
                nonce = process_challenge(bridge, tx, now)
                records.append(("mint.challenged", {"nonce": nonce, "tx": tx.tx_id,
                                                    "by": tx.sender}))
            elif isinstance(tx, VetoTx):
                version = process_veto(bridge, tx, now)
                records.append(("trust_root.vetoed", {"version": version, "tx": tx.tx_id,
                                                      "by": tx.sender}))
            elif isinstance(tx, PauseTx):
                previous_paused = bridge.paused
                paused = process_pause(bridge, tx, now)
                journal.append(("pause", previous_paused))
                records.append(("bridge.paused" if paused else "bridge.unpaused",
                                {"tx": tx.tx_id, "by": tx.sender}))
            elif isinstance(tx, UpgradeTx):
                previous_verifier = bridge.verifier
                verifier = process_upgrade(bridge, tx, now)
                journal.append(("upgrade", previous_verifier))
                records.append(("bridge.upgraded", {
                    "tx": tx.tx_id, "by": tx.sender,
                    "threshold_override": verifier.threshold_override,
                    "flaws": list(verifier.flaws),
                }))
            else:
                handler = self.handlers.get(type(tx))
                if handler is None:
                    raise Revert("unknown_transaction")
                fields = handler(tx, self)
                if fields:
                    records.append((str(fields.pop("kind", "external")), fields))
        except Revert as revert:
            self.stats.reverted += 1
            records.append(("tx.reverted", {"tx": tx.tx_id, "tx_kind": kind,
                                            "check": revert.check}))

    def _message_call_effects(
        self,
        previous_root: TrustRoot,
        previous_pending: PendingRoot | None,
        journal: list[tuple[Any, ...]],
        records: list[tuple[str, dict[str, Any]]],
    ) -> None:
        """Record a trust-root change a minted message's call made (a flawed contract only)."""
        bridge = self.bridge
        if bridge.trust_root is not previous_root:
            journal.append(("rotate", previous_root))
            records.append(("trust_root", {
                **trust_root_fields(bridge.trust_root), "via": "message-call",
                "rotation_signatures": [], "previous_version": previous_root.version}))
        elif bridge.pending_root is not None and bridge.pending_root is not previous_pending:
            journal.append(("rotate", previous_root))
            records.append(("trust_root.pending", {
                "version": bridge.pending_root.root.version, "via": bridge.pending_root.via,
                "due": round(bridge.pending_root.due, 6)}))

    @staticmethod
    def _mint_fields(
        event: MintEvent, tx: MintTx | ProveAndMintTx | None, fee: int, delayed: bool = False
    ) -> dict[str, Any]:
        assert event.certificate is not None
        return {
            "nonce": event.nonce,
            "asset": event.asset,
            "amount": event.amount,
            "recipient": event.recipient,
            "signers": list(event.signers),
            "tx": event.tx_id,
            "gas": tx.gas if tx else 0,
            "verification_gas": tx.verification_gas if tx else 0,
            "fee_paid": fee,
            "delayed": delayed,
            "certificate": certificate_fields(event.certificate),
        }

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
        orphaned = self.blocks[-depth:]
        del self.blocks[-depth:]
        reverted: list[dict[str, Any]] = []
        returned: list[_Pending] = []
        for block in reversed(orphaned):
            for entry in reversed(block.journal):
                reverted.extend(self._undo(entry))
            returned.extend(_Pending(-1, tx) for tx in block.txs)
        # Orphaned transactions go back to the mempool ahead of newer ones, oldest block first.
        returned.reverse()
        for offset, pending in enumerate(returned):
            pending.seq = -len(returned) + offset - self.stats.orphaned_blocks * 1_000_000
        self._mempool.put_first(returned)
        self.base_fee = orphaned[0].header.base_fee
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

    def _undo(self, entry: tuple[Any, ...]) -> list[dict[str, Any]]:
        kind = entry[0]
        bridge = self.bridge
        if kind in ("mint", "due"):
            event = entry[1]
            # A queued mint coming due took its tokens when it was queued (a "queue" entry).
            undo_mint(bridge, event, self.world.now, admitted=kind == "mint")
            if kind == "due":
                item: DelayedMint = entry[2]
                bridge.delayed[event.nonce] = item
            return [{"kind": "mint", "nonce": event.nonce, "asset": event.asset,
                     "amount": event.amount}]
        if kind == "queue":
            undo_queue(bridge, entry[1], self.world.now)
            return []
        if kind == "burn":
            event = entry[1]
            undo_burn(bridge, event)
            return [{"kind": "burn", "nonce": event.nonce, "asset": event.asset,
                     "amount": event.amount}]
        if kind == "rotate":
            bridge.trust_root = entry[1]
            return [{"kind": "trust_root", "restored_version": entry[1].version}]
        if kind == "pause":
            bridge.paused = entry[1]
            return [{"kind": "pause", "restored": entry[1]}]
        if kind == "upgrade":
            bridge.verifier = entry[1]
            return [{"kind": "upgrade"}]
        raise AssertionError(f"unknown journal entry {kind}")

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
        go, so the chain's memory does not grow with its transfers.
        """
        through = min(self.finalized_number, self.pushed_number) - self.body_horizon
        external = tuple(self.handlers)
        for number in range(self.pruned_number + 1, through + 1):
            block = self.blocks[number]
            kept = tuple(tx for tx in block.txs if external and isinstance(tx, external))
            self.blocks[number] = SettlementBlock(block.header, (), (), block.time, kept)
        self.pruned_number = max(self.pruned_number, through)

    def base_fee_gwei(self) -> float:
        return self.base_fee / GWEI


_KIND = {
    ChallengeTx: "challenge",
    VetoTx: "veto",
    MintTx: "mint",
    ProveAndMintTx: "prove_mint",
    BurnTx: "burn",
    RotateTx: "rotate",
    PauseTx: "pause",
    UpgradeTx: "upgrade",
}


def _poisson(rng: Any, mean: float) -> int:
    """A Poisson draw by inversion, bounded so a huge mean cannot loop forever."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count = 0
    product = rng.random()
    while product > limit and count < 1_000:
        count += 1
        product *= rng.random()
    return count
