"""The consortium chain: a rotating leader proposes, > 2/3 Ed25519 votes commit, blocks are final.

Votes travel over the network, so latency, loss, crashes and partitions shape consensus.
A silent leader is replaced after `view_timeout` (a view change).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from itertools import islice

import simpy

from bridgelab.consortium.block import (
    Block,
    Commit,
    Header,
    quorum,
    verify_commit,
    vote_bytes,
)
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
from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.crypto.symbolic import Ed25519Signing, ed25519_verify_for, make_ed25519_signer
from bridgelab.protocol.messages import certificate_fields
from bridgelab.protocol.revert import Revert

GENESIS_HASH = bytes(32)
# Committed blocks kept for inspection (attacks look at the newest few dozen); older ones are
# final and were pushed to their subscribers when committed, so nothing reads them again.
RECENT_BLOCKS = 256
Tx = LockTx | ReleaseTx | FreezeTx | CopycatLockTx


# Not frozen: a frozen dataclass sets each field through `object.__setattr__` (building a
# vote took about 8,200 instructions frozen against 1,900 plain, under callgrind), and every
# validator builds one vote per block. A vote goes to
# the one leader, which reads it once and keeps only its signature; nothing changes it.
@dataclass(slots=True)
class Vote:
    """A validator's signature over a block of a round, sent to the round's leader."""

    height: int
    view: int
    block_hash: bytes
    validator: int
    signature: bytes


@dataclass(frozen=True, slots=True)
class Committed:
    """A committed block and its commit certificate, as pushed to subscribers."""

    block: Block
    commit: Commit


@dataclass(slots=True)
class _Round:
    height: int
    view: int
    block_hash: bytes
    vote_message: bytes  # what every vote of this round signs
    votes: dict[int, bytes]
    decided: simpy.Event


@dataclass(slots=True)
class Validator:
    index: int
    node: str
    signer: Ed25519Signing
    subscribers: list[str] = field(default_factory=list)


class ConsortiumChain:
    """Validators, the mempool, the escrow state and the ledger of committed blocks."""

    def __init__(self, world: World, escrow: EscrowState) -> None:
        self.world = world
        self.config = world.scenario.consortium
        self.escrow = escrow
        # "real" Ed25519 votes, or "symbolic" stand-ins (crypto/symbolic.py): same keys.
        self.signatures = world.scenario.committee.signatures
        self._verify_vote = ed25519_verify_for(self.signatures)
        self.validators = [
            Validator(
                i, f"validator-{i}",
                make_ed25519_signer(world.streams.secret_bytes(f"validator/{i}"), self.signatures),
            )
            for i in range(self.config.validators)
        ]
        self.validator_keys = tuple(v.signer.public_key for v in self.validators)
        # The nodes a leader multicasts to (every validator but itself), by leader index.
        self._peers_of = tuple(
            tuple(other.node for other in self.validators if other is not validator)
            for validator in self.validators
        )
        self.quorum = quorum(len(self.validators))
        self.mempool: deque[Tx] = deque()
        self.blocks: list[Committed] = []  # the newest RECENT_BLOCKS to 2 x RECENT_BLOCKS
        self.head_hash = GENESIS_HASH
        self.view_changes = 0
        self.rejected_txs = 0
        self._round: _Round | None = None
        self._tx_waiting: simpy.Event | None = None
        self._last_commit_time = 0.0
        self.on_commit: list[Callable[[Committed], None]] = []
        for validator in self.validators:
            world.network.add_node(validator.node, "validator")

    # -- submission -------------------------------------------------------------------------

    def submit(self, tx: Tx) -> bool:
        """Accept a transaction into the bounded mempool; False when it is full."""
        if len(self.mempool) >= self.config.mempool_capacity:
            self.rejected_txs += 1
            self.world.record("consortium", "tx.dropped", tx=tx.tx_id, reason="mempool_full")
            return False
        self.mempool.append(tx)
        if self._tx_waiting is not None and not self._tx_waiting.triggered:
            self._tx_waiting.succeed()
        return True

    # -- processes --------------------------------------------------------------------------

    def start(self) -> None:
        env = self.world.env
        network = self.world.network
        for validator in self.validators:
            # A validator only handles each message as it arrives (it never waits), so its
            # inbox hands messages to the handler directly, with no process to resume.
            network.nodes[validator.node].inbox.serve(partial(self._on_message, validator))
        env.process(self._consensus())

    def _consensus(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        height = 1
        while True:
            if not self.mempool and not self.config.empty_blocks:
                self._tx_waiting = env.event()
                yield self._tx_waiting
                self._tx_waiting = None
            pause = self._last_commit_time + self.config.block_time - env.now
            if pause > 0:
                yield env.timeout(pause)
            view = 0
            while not (yield from self._run_round(height, view)):
                view += 1
                self.view_changes += 1
                self.world.record(
                    "consortium",
                    "view.change",
                    height=height,
                    view=view,
                    leader=self.leader(height, view),
                )
            height += 1

    def leader(self, height: int, view: int) -> int:
        return (height + view) % len(self.validators)

    def _run_round(self, height: int, view: int) -> simpy.events.ProcessGenerator:
        env = self.world.env
        network = self.world.network
        leader = self.validators[self.leader(height, view)]
        if not network.nodes[leader.node].up:
            yield env.timeout(self.config.view_timeout)
            return False
        txs = list(islice(self.mempool, self.config.max_txs_per_block))
        block, new_state = self._build(height, view, leader.index, txs)
        block_hash = block.header.hash
        decided = env.event()
        vote_message = vote_bytes(height, view, block_hash)
        own_vote = leader.signer.sign(vote_message)
        self._round = _Round(
            height, view, block_hash, vote_message, {leader.index: own_vote}, decided
        )
        if self.quorum <= 1:
            decided.succeed()  # a single validator is its own quorum
        others = self._peers_of[leader.index]
        # The block is the proposal: its header names the leader (`proposer`) votes go to.
        network.multicast(leader.node, others, block)
        timeout = env.timeout(self.config.view_timeout)
        yield decided | timeout
        current = self._round
        self._round = None
        if not decided.triggered or not network.nodes[leader.node].up:
            return False
        # Only this process changes the escrow, and the mempool only grows at its tail while
        # a round runs, so the state built for the proposal is still the right one to apply.
        votes = tuple(sorted(current.votes.items()))
        committed = Committed(block, Commit(height, view, block_hash, votes))
        self._apply(committed, new_state, len(txs))
        network.multicast(leader.node, others, committed)
        self._publish(leader, committed)
        return True

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
        block, commit = committed.block, committed.commit
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
        world = self.world
        world.record(
            "consortium",
            "block.committed",
            height=header.height,
            view=header.view,
            hash=header.hash.hex()[:16],
            proposer=header.proposer,
            events=header.event_count,
            votes=len(commit.votes),
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
                )
            elif isinstance(item, ForeignEvent):
                event = item.event
                world.record(
                    event.contract, "foreign.lock", nonce=event.nonce, asset=event.asset,
                    amount=event.amount, sender=event.sender, recipient=event.recipient,
                    height=header.height, tx=event.tx_id,
                )
            elif item[0] == "freeze":
                world.record("escrow", f"escrow.{item[2]}", tx=item[1], height=header.height)
            else:
                _, tx_id, check = item
                world.record("escrow", "tx.reverted", tx=tx_id, check=check, height=header.height)
        for callback in self.on_commit:
            callback(committed)

    def _publish(self, validator: Validator, committed: Committed) -> None:
        self.world.network.multicast(validator.node, validator.subscribers, committed)

    def _on_message(self, validator: Validator, message: object) -> None:
        """What `validator` does with each message: vote for a leader's proposal, count a
        vote (the leader), pass a valid commit on to its subscribers, take a transaction."""
        network = self.world.network
        if isinstance(message, Block):  # a leader's proposal
            header = message.header
            if header.proposer != self.leader(header.height, header.view):
                return
            signature = validator.signer.sign(vote_bytes(header.height, header.view, header.hash))
            vote = Vote(header.height, header.view, header.hash, validator.index, signature)
            network.send(validator.node, self.validators[header.proposer].node, vote)
        elif isinstance(message, Vote):
            self._count_vote(message)
        elif isinstance(message, Committed):
            if self._commit_valid(message):
                self._publish(validator, message)
        elif isinstance(message, (LockTx, ReleaseTx)):
            self.submit(message)

    def _commit_valid(self, committed: Committed) -> bool:
        """Whether a pushed block's commit certificate holds (`verify_commit`). Every other
        validator asks about the leader's multicast: the seam (`core/memo.py`) answers them."""
        return verify_commit(
            committed.block.header, committed.commit, self.validator_keys, self.signatures
        )

    def _count_vote(self, vote: Vote) -> None:
        current = self._round
        if (
            current is None
            or vote.block_hash != current.block_hash
            or vote.height != current.height
            or vote.view != current.view
        ):
            return
        # The vote is for this round, so it signs the round's message.
        if not self._verify_vote(
            self.validator_keys[vote.validator], current.vote_message, vote.signature
        ):
            return
        current.votes[vote.validator] = vote.signature
        if len(current.votes) >= self.quorum and not current.decided.triggered:
            current.decided.succeed()


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
