"""What a relayer reads of a block: the bridge messages it carries, and each one's proof.

Every relayer reads every block, and gets it from several validators, so the messages a block
carries are decoded once (through the seam, `core/memo.py`) and shared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bridgelab.actors.wire import BurnProof, LockProof
from bridgelab.consortium.block import Block, Commit, Header
from bridgelab.consortium.escrow import LockEvent
from bridgelab.core import memo
from bridgelab.crypto import merkle
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.settlement.bridge_contract import BurnEvent
from bridgelab.settlement.chain import SettlementBlock, SettlementHeader

# Blocks whose messages are kept for the other relayers (they read a block within seconds).
RECENT_BLOCKS = 256


def block_proof(
    proof_for: Callable[[BridgeMessage, bytes, merkle.Proof], LockProof | BurnProof],
    message: BridgeMessage,
    events: Sequence[bytes],
    leaf_index: int,
) -> LockProof | BurnProof:
    """The proof of the message at `leaf_index` of a block's events (the block's Merkle
    paths are built once, and shared by every relayer that proves one of its messages)."""
    return proof_for(message, events[leaf_index], merkle.prove_all(events)[leaf_index])


def lock_proof(
    relayer: str, header: Header, commit: Commit, message: BridgeMessage, leaf: bytes,
    proof: merkle.Proof,
) -> LockProof:
    return LockProof(relayer, message, header, commit, leaf, proof)


def burn_proof(
    relayer: str, header: SettlementHeader, message: BridgeMessage, leaf: bytes,
    proof: merkle.Proof,
) -> BurnProof:
    return BurnProof(relayer, message, header, leaf, proof)


def _block_key(block: Block | SettlementBlock) -> tuple[bytes, tuple[bytes, ...]]:
    """A block by value: its header's digest and its events (what it decodes is read from
    them)."""
    return block.header.hash, block.events


# Every relayer reads every block, and gets it from several validators: the messages a block
# carries are built once and shared, so each message's digest is computed once too. (A
# settlement block's body is pruned only after the block was pushed to the relayers.)
@memo.pure("relayer/deposits", size=RECENT_BLOCKS, key=_block_key)
def deposits_in(block: Block) -> tuple[tuple[int, BridgeMessage], ...]:
    """The deposit messages a committed consortium block carries, with their leaf indices."""
    header = block.header
    deposits = []
    leaf_index = 0
    for item in block.decoded:
        if isinstance(item, LockEvent):
            message = _message("deposit", item, header.height, header.hash, item.payload)
            deposits.append((leaf_index, message))
        # Decoded tuples annotate the block; they have no leaf of their own.
        if not isinstance(item, tuple):
            leaf_index += 1
    return tuple(deposits)


@memo.pure("relayer/withdrawals", size=RECENT_BLOCKS, key=_block_key)
def withdrawals_in(block: SettlementBlock) -> tuple[tuple[int, BridgeMessage], ...]:
    """The withdrawal messages a settlement block carries, with their leaf indices."""
    header = block.header
    return tuple(
        (leaf_index, _message("withdrawal", item, header.number, header.hash))
        for leaf_index, item in enumerate(block.decoded)
        if isinstance(item, BurnEvent)
    )


def _message(
    direction: str, event: LockEvent | BurnEvent, block: int, block_hash: bytes,
    payload: str = "",
) -> BridgeMessage:
    """The bridge message for a lock or burn event in the block numbered `block`."""
    return BridgeMessage(
        direction, event.nonce, event.asset, event.amount, event.sender, event.recipient,
        event.contract, block, block_hash, payload,
    )
