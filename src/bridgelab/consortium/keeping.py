"""How the consortium chain builds a block from its mempool, applies a committed one and records
it with its escrow events (`BlockKeeping`, a part of `ConsortiumChain`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from bridgelab.consortium.block import Block, Header
from bridgelab.consortium.escrow import (
    CopycatLockTx,
    EscrowState,
    ForeignEvent,
    FreezeTx,
    LockEvent,
    LockTx,
    ReleaseEvent,
    ReleaseTx,
    process_copycat_lock,
    process_freeze,
    process_lock,
    process_release,
)
from bridgelab.consortium.votes import Committed
from bridgelab.crypto import merkle
from bridgelab.protocol.messages import certificate_fields
from bridgelab.protocol.revert import Revert

if TYPE_CHECKING:
    from bridgelab.core.world import World

# Committed blocks kept for inspection (attacks look at the newest few dozen); older ones are
# final and were pushed to their subscribers when committed, so nothing reads them again.
RECENT_BLOCKS = 256
Tx = LockTx | ReleaseTx | FreezeTx | CopycatLockTx


class BlockKeeping:
    """Building, applying and recording blocks for a `ConsortiumChain`."""

    world: World
    escrow: EscrowState
    head_hash: bytes
    mempool: deque[Tx]
    blocks: list[Committed]
    on_commit: list[Callable[[Committed], None]]
    accountable: bool
    _last_commit_time: float

    def _build(
        self, height: int, view: int, proposer: int, txs: list[Tx]
    ) -> tuple[Block, EscrowState]:
        state = self.escrow.copy()
        now = self.world.now
        leaves: list[bytes] = []
        decoded: list[object] = []
        for tx in txs:
            try:
                event = _execute(state, tx, now)
            except Revert as revert:
                decoded.append(("revert", tx.tx_id, revert.check))
                continue
            if isinstance(event, FreezeTx):
                decoded.append(("freeze", tx.tx_id, "frozen" if event.frozen else "unfrozen"))
                continue
            leaves.append(event.leaf())
            decoded.append(event)
        root = merkle.root(leaves)
        header = Header(height, view, self.head_hash, now, proposer, root, len(leaves))
        return Block(header, tuple(leaves), tuple(decoded)), state

    def _apply(self, committed: Committed, state: EscrowState, tx_count: int) -> None:
        block = committed.block
        header = block.header
        for _ in range(tx_count):
            self.mempool.popleft()
        state.released_nonces.settle()
        self.escrow = state
        self.head_hash = header.hash
        self._last_commit_time = self.world.now
        self.blocks.append(committed)
        if len(self.blocks) > 2 * RECENT_BLOCKS:
            del self.blocks[:-RECENT_BLOCKS]  # amortised: one cut per RECENT_BLOCKS blocks
        self._record_block(committed, None)
        for callback in self.on_commit:
            callback(committed)

    def _record_block(self, committed: Committed, fork: str | None) -> None:
        """Record a committed block and its escrow events. With a Byzantine plan installed the
        record also says what its commit certificate holds (full hash, parent, each signer
        and signature) and, in a fork, the branch (`fork`): the orphaned branch's events are
        recorded too, but they are the escrow's on a chain that did not go on."""
        block, commit = committed.block, committed.commit
        header = block.header
        world = self.world
        extra: dict[str, object] = {} if fork is None else {"fork": fork}
        certificate: dict[str, object] = {}
        if self.accountable:
            certificate = {
                "block_hash": header.hash.hex(),
                "parent": header.parent_hash.hex(),
                "signers": [[index, signature.hex()] for index, signature in commit.votes],
            }
        world.record(
            "consortium",
            "block.committed",
            height=header.height,
            view=header.view,
            hash=header.hash.hex()[:16],
            proposer=header.proposer,
            events=header.event_count,
            votes=len(commit.votes),
            **certificate,
            **extra,
        )
        for item in block.decoded:
            if isinstance(item, LockEvent):
                world.record(
                    "escrow",
                    "lock",
                    nonce=item.nonce,
                    asset=item.asset,
                    amount=item.amount,
                    sender=item.sender,
                    recipient=item.recipient,
                    height=header.height,
                    tx=item.tx_id,
                    escrowed=item.escrowed,
                    **extra,
                )
            elif isinstance(item, ReleaseEvent):
                world.record(
                    "escrow",
                    "release",
                    nonce=item.nonce,
                    asset=item.asset,
                    amount=item.amount,
                    recipient=item.recipient,
                    height=header.height,
                    tx=item.tx_id,
                    escrowed=item.escrowed,
                    certificate=certificate_fields(item.certificate),
                    **extra,
                )
            elif isinstance(item, ForeignEvent):
                event = item.event
                world.record(
                    event.contract, "foreign.lock", nonce=event.nonce, asset=event.asset,
                    amount=event.amount, sender=event.sender, recipient=event.recipient,
                    height=header.height, tx=event.tx_id,
                    **extra,
                )
            elif item[0] == "freeze":
                world.record(
                    "escrow", f"escrow.{item[2]}", tx=item[1], height=header.height, **extra
                )
            else:
                _, tx_id, check = item
                world.record(
                    "escrow", "tx.reverted", tx=tx_id, check=check, height=header.height, **extra
                )


def _execute(
    state: EscrowState, tx: Tx, now: float
) -> LockEvent | ReleaseEvent | FreezeTx | ForeignEvent:
    if isinstance(tx, LockTx):
        return process_lock(state, tx, now)
    if isinstance(tx, CopycatLockTx):
        return process_copycat_lock(tx, now)
    if isinstance(tx, FreezeTx):
        process_freeze(state, tx, now)
        return tx
    return process_release(state, tx, now)
