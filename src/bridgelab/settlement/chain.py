"""The settlement chain: a block every slot from a priority-ordered mempool, final after N slots.

Each slot a proposer takes pending transactions, highest priority fee first, up to the gas
limit. Finalised blocks are pushed to subscribers (relayers) over the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import simpy

from bridgelab.consortium.escrow import Revert
from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.crypto.hashing import encode, keccak256
from bridgelab.protocol.messages import TrustRoot, certificate_fields, trust_root_fields
from bridgelab.settlement.bridge_contract import (
    BridgeState,
    BurnEvent,
    BurnTx,
    MintEvent,
    MintTx,
    RotateTx,
    process_burn,
    process_mint,
    process_rotate,
)

NODE = "settlement"
Tx = MintTx | BurnTx | RotateTx


@dataclass(frozen=True, slots=True)
class SettlementHeader:
    number: int
    slot: int
    parent_hash: bytes
    proposer: int
    events_root: bytes
    event_count: int
    gas_used: int

    @property
    def hash(self) -> bytes:
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
            )
        )


@dataclass(frozen=True, slots=True)
class SettlementBlock:
    header: SettlementHeader
    events: tuple[bytes, ...]
    decoded: tuple[MintEvent | BurnEvent, ...]
    time: float


@dataclass(frozen=True, slots=True)
class Finalized:
    """A finalised settlement block, as pushed to subscribers."""

    block: SettlementBlock


@dataclass(slots=True)
class _Pending:
    seq: int
    tx: Tx


@dataclass(slots=True)
class MempoolStats:
    submitted: int = 0
    dropped: int = 0
    included: int = 0
    reverted: int = 0
    gas_by_kind: dict[str, int] = field(default_factory=dict)


class SettlementChain:
    """Slots, proposers, the bridge contract's state, and finality."""

    def __init__(self, world: World, bridge: BridgeState) -> None:
        self.world = world
        self.config = world.scenario.settlement
        self.bridge = bridge
        self.blocks: list[SettlementBlock] = []
        self.finalized_number = -1
        self.subscribers: list[str] = []
        self.stats = MempoolStats()
        self.on_block: list[Callable[[SettlementBlock], None]] = []
        self._mempool: list[_Pending] = []
        self._seq = 0
        self._proposer_rng = world.streams.get("settlement/proposer")
        world.network.add_node(NODE, "settlement")

    def submit(self, tx: Tx) -> bool:
        if len(self._mempool) >= self.config.mempool_capacity:
            self.stats.dropped += 1
            self.world.record(NODE, "tx.dropped", tx=tx.tx_id, reason="mempool_full")
            return False
        self.stats.submitted += 1
        self._mempool.append(_Pending(self._seq, tx))
        self._seq += 1
        return True

    def pending_keys(self) -> set[tuple[str, int]]:
        return {
            pending.tx.certificate.message.key
            for pending in self._mempool
            if isinstance(pending.tx, MintTx)
        }

    def finalized_header(self, number: int) -> SettlementHeader | None:
        if 0 <= number <= self.finalized_number:
            return self.blocks[number].header
        return None

    def start(self) -> None:
        env = self.world.env
        env.process(self._slots())
        env.process(self._rpc_loop())

    def _rpc_loop(self) -> simpy.events.ProcessGenerator:
        inbox = self.world.network.nodes[NODE].inbox
        while True:
            tx = yield inbox.get()
            self.submit(tx)

    def _slots(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        slot = 0
        while True:
            yield env.timeout(self.config.slot_time)
            slot += 1
            self._produce(slot)
            self._finalize(slot)

    def _produce(self, slot: int) -> None:
        ordered = sorted(self._mempool, key=lambda p: (-p.tx.priority_fee, p.seq))
        chosen: list[_Pending] = []
        gas_used = 0
        for pending in ordered:
            if gas_used + pending.tx.gas > self.config.gas_limit:
                continue
            chosen.append(pending)
            gas_used += pending.tx.gas
        if not chosen:
            return
        taken = {pending.seq for pending in chosen}
        self._mempool = [pending for pending in self._mempool if pending.seq not in taken]
        proposer = self._proposer_rng.randrange(self.config.proposers)
        number = len(self.blocks)
        world = self.world
        leaves: list[bytes] = []
        decoded: list[MintEvent | BurnEvent] = []
        outcomes: list[tuple[Tx, MintEvent | BurnEvent | TrustRoot | str]] = []
        for pending in chosen:
            tx = pending.tx
            try:
                if isinstance(tx, RotateTx):
                    outcomes.append((tx, process_rotate(self.bridge, tx)))
                    continue
                event = (
                    process_mint(self.bridge, tx)
                    if isinstance(tx, MintTx)
                    else process_burn(self.bridge, tx)
                )
            except Revert as revert:
                outcomes.append((tx, revert.check))
                continue
            leaves.append(event.leaf())
            decoded.append(event)
            outcomes.append((tx, event))
        parent = self.blocks[-1].header.hash if self.blocks else bytes(32)
        header = SettlementHeader(
            number, slot, parent, proposer, merkle.root(leaves), len(leaves), gas_used
        )
        block = SettlementBlock(header, tuple(leaves), tuple(decoded), world.now)
        self.blocks.append(block)
        world.record(
            NODE,
            "settlement.block",
            number=number,
            slot=slot,
            proposer=proposer,
            txs=len(chosen),
            gas_used=gas_used,
            hash=header.hash.hex()[:16],
        )
        for tx, outcome in outcomes:
            kind = {MintTx: "mint", BurnTx: "burn", RotateTx: "rotate"}[type(tx)]
            self.stats.included += 1
            self.stats.gas_by_kind[kind] = self.stats.gas_by_kind.get(kind, 0) + tx.gas
            if isinstance(outcome, str):
                self.stats.reverted += 1
                world.record(
                    NODE, "tx.reverted", tx=tx.tx_id, tx_kind=kind, check=outcome, number=number
                )
            elif isinstance(outcome, TrustRoot):
                world.record("bridge", "trust_root", number=number, **trust_root_fields(outcome))
            elif isinstance(outcome, MintEvent):
                assert isinstance(tx, MintTx)
                world.record(
                    "bridge",
                    "mint",
                    nonce=outcome.nonce,
                    asset=outcome.asset,
                    amount=outcome.amount,
                    recipient=outcome.recipient,
                    number=number,
                    signers=list(outcome.signers),
                    tx=outcome.tx_id,
                    gas=tx.gas,
                    verification_gas=tx.verification_gas,
                    certificate=certificate_fields(tx.certificate),
                )
            else:
                world.record(
                    "bridge",
                    "burn",
                    nonce=outcome.nonce,
                    asset=outcome.asset,
                    amount=outcome.amount,
                    sender=outcome.sender,
                    recipient=outcome.recipient,
                    number=number,
                    tx=outcome.tx_id,
                )
        for callback in self.on_block:
            callback(block)

    def _finalize(self, slot: int) -> None:
        target = -1
        for block in reversed(self.blocks):
            if block.header.slot + self.config.finality_slots <= slot:
                target = block.header.number
                break
        if target <= self.finalized_number:
            return
        for number in range(self.finalized_number + 1, target + 1):
            block = self.blocks[number]
            for subscriber in self.subscribers:
                self.world.network.send(NODE, subscriber, Finalized(block))
        self.finalized_number = target
        self.world.record(NODE, "settlement.final", number=target, slot=slot)
