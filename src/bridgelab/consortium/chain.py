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
from bridgelab.consortium.byzantine import ORPHANED, ByzantinePlan, may_vote
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
    # The (height, view, block hash) it last signed: an honest validator signs one block per
    # height and view.
    last_vote: tuple[int, int, bytes] | None = None
    # Under a Byzantine plan only: the newest committed block it received (height, hash), and
    # whether it has seen a commit conflicting with it (evidence of a fork: it stops voting).
    head: tuple[int, bytes] | None = None
    halted: bool = False


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
        # A Byzantine leader's second proposal of the same height and view (see byzantine.py).
        self._round_b: _Round | None = None
        self.byzantine: ByzantinePlan | None = None
        # Whether commit records carry their signers (set with a Byzantine plan, so that the
        # histories of honest runs stay as they were).
        self.accountable = False
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

    def install_byzantine(self, plan: ByzantinePlan) -> None:
        """Let `plan`'s validators misbehave; from now on commits record who signed them,
        and the validator keys are recorded once so that a checker can verify those votes."""
        self.byzantine = plan
        if not self.accountable:
            self.accountable = True
            self.world.record(
                "consortium", "consortium.validators",
                keys=[key.hex() for key in self.validator_keys], quorum=self.quorum,
            )

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
        plan = self.byzantine
        if not network.nodes[leader.node].up or (
            plan is not None and not plan.proposes(leader.index)
        ):
            yield env.timeout(self.config.view_timeout)
            return False
        txs = list(islice(self.mempool, self.config.max_txs_per_block))
        block, new_state = self._build(height, view, leader.index, txs)
        block_hash = block.header.hash
        if plan is not None and plan.inject is not None:
            if plan.splits(leader.index):
                return (yield from self._run_split_round(leader, txs, block, new_state, plan))
            if plan.behaviour == "conflicting-votes" and plan.splits_left > 0:
                self._conflicting_commit(leader, txs, block.header, plan)
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

    def _run_split_round(
        self, leader: Validator, txs: list[Tx], block_b: Block, state_b: EscrowState,
        plan: ByzantinePlan,
    ) -> simpy.events.ProcessGenerator:
        """A Byzantine leader signs two blocks of one height and view: block A (with the
        adversary's lock) to side A, block B (without it) to side B; the Byzantine validators
        get and sign both. Whatever gathers a quorum commits: both, and the chain forks."""
        env = self.world.env
        network = self.world.network
        header = block_b.header
        block_a, state_a = self._build(
            header.height, header.view, leader.index, [*txs, plan.inject]  # type: ignore[list-item]
        )
        plan.splits_left -= 1
        plan.splits_done += 1
        byzantine = [v.node for v in self.validators if plan.is_byzantine(v.index)
                     and v is not leader]
        honest = [v for v in self.validators if not plan.is_byzantine(v.index)]
        side_a = [v.node for v in honest if plan.side_of(v.index) == ORPHANED]
        side_b = [v.node for v in honest if plan.side_of(v.index) != ORPHANED]
        round_a = self._open_round(leader, block_a)
        round_b = self._open_round(leader, block_b)
        self._round, self._round_b = round_a, round_b
        self.world.record(
            "consortium", "proposal.split", height=header.height, view=header.view,
            leader=leader.index, block_a=block_a.header.hash.hex()[:16],
            block_b=header.hash.hex()[:16], side_a=side_a, side_b=side_b,
        )
        network.multicast(leader.node, [*side_a, *byzantine], block_a)
        network.multicast(leader.node, [*side_b, *byzantine], block_b)
        yield (round_a.decided & round_b.decided) | env.timeout(self.config.view_timeout)
        self._round = self._round_b = None
        a_won, b_won = round_a.decided.triggered, round_b.decided.triggered
        if not (a_won or b_won) or not network.nodes[leader.node].up:
            return False
        if a_won and b_won:
            # Both are final for whoever received them; the chain goes on with B (the side
            # holding the honest majority of this split), A's receivers hold an orphan.
            plan.forks += 1
            orphan = self._committed(block_a, round_a)
            self._record_block(orphan, ORPHANED)
            network.multicast(leader.node, [*side_a, *byzantine], orphan)
            self._publish(leader, orphan)
            committed = self._committed(block_b, round_b)
            self._apply(committed, state_b, len(txs))
            network.multicast(leader.node, side_b, committed)
            return True
        block, state, won = (block_a, state_a, round_a) if a_won else (block_b, state_b, round_b)
        committed = self._committed(block, won)
        self._apply(committed, state, len(txs))
        network.multicast(leader.node, self._peers_of[leader.index], committed)
        self._publish(leader, committed)
        return True

    def _open_round(self, leader: Validator, block: Block) -> _Round:
        header = block.header
        vote_message = vote_bytes(header.height, header.view, header.hash)
        own_vote = leader.signer.sign(vote_message)
        return _Round(header.height, header.view, header.hash, vote_message,
                      {leader.index: own_vote}, self.world.env.event())

    @staticmethod
    def _committed(block: Block, won: _Round) -> Committed:
        header = block.header
        votes = tuple(sorted(won.votes.items()))
        return Committed(block, Commit(header.height, header.view, header.hash, votes))

    def _conflicting_commit(
        self, leader: Validator, txs: list[Tx], proposal: Header, plan: ByzantinePlan
    ) -> None:
        """Byzantine validators sign a sibling of this round's proposal (the adversary's lock
        added) at the same height and view. Honest validators never see it; if the Byzantine
        signatures alone reach the quorum, they push its commit to the relayers they serve."""
        signers = [v for v in self.validators if plan.is_byzantine(v.index)]
        if len(signers) < self.quorum:
            return
        plan.splits_left -= 1
        plan.splits_done += 1
        sibling, _ = self._build(
            proposal.height, proposal.view, leader.index, [*txs, plan.inject]  # type: ignore[list-item]
        )
        header = sibling.header
        message = vote_bytes(header.height, header.view, header.hash)
        votes = tuple((v.index, v.signer.sign(message)) for v in signers)
        orphan = Committed(sibling, Commit(header.height, header.view, header.hash, votes))
        plan.forks += 1
        self._record_block(orphan, ORPHANED)
        for validator in signers:
            self._publish(validator, orphan)

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
            if not self._may_vote(validator, header):
                return
            signature = validator.signer.sign(vote_bytes(header.height, header.view, header.hash))
            vote = Vote(header.height, header.view, header.hash, validator.index, signature)
            network.send(validator.node, self.validators[header.proposer].node, vote)
        elif isinstance(message, Vote):
            self._count_vote(message)
        elif isinstance(message, Committed):
            if self._commit_valid(message):
                if self.byzantine is not None:
                    self._follow(validator, message.block.header)
                self._publish(validator, message)
        elif isinstance(message, (LockTx, ReleaseTx)):
            self.submit(message)

    def _may_vote(self, validator: Validator, header: Header) -> bool:
        """Honest: one block per height and view; Byzantine: as the plan says. Under a plan an
        honest validator also refuses a proposal that does not extend the block it holds at
        the height below, and stops once it has seen a fork."""
        key = (header.height, header.view, header.hash)
        plan = self.byzantine
        last = validator.last_vote
        if plan is None:
            if last is not None and last[0] == key[0] and last[1] == key[1] and last[2] != key[2]:
                return False
        elif not may_vote(plan, validator.index, last, *key) or self._diverged(validator, header):
            return False
        validator.last_vote = key
        return True

    def _diverged(self, validator: Validator, header: Header) -> bool:
        """An honest validator under a plan that has seen a fork, or is offered a block that
        does not extend the one it holds."""
        plan = self.byzantine
        if plan is None or plan.is_byzantine(validator.index):
            return False
        return validator.halted or not _extends(validator.head, header)

    def _follow(self, validator: Validator, header: Header) -> None:
        """An honest validator under a Byzantine plan keeps the chain it received; a valid
        commit that conflicts with it (same height, or a child of another block) is proof of
        a fork, and the validator stops voting."""
        head = validator.head
        if head is not None and (
            (header.height == head[0] and header.hash != head[1])
            or not _extends(head, header)
        ):
            plan = self.byzantine
            if not validator.halted and plan is not None and not plan.is_byzantine(validator.index):
                validator.halted = True
                self.world.record(
                    "consortium", "validator.halted", validator=validator.index,
                    height=header.height, held=head[1].hex()[:16],
                    received=header.hash.hex()[:16],
                )
            return
        if head is None or header.height > head[0]:
            validator.head = (header.height, header.hash)

    def _commit_valid(self, committed: Committed) -> bool:
        """Whether a pushed block's commit certificate holds (`verify_commit`). Every other
        validator asks about the leader's multicast: the seam (`core/memo.py`) answers them."""
        return verify_commit(
            committed.block.header, committed.commit, self.validator_keys, self.signatures
        )

    def _count_vote(self, vote: Vote) -> None:
        current = self._round
        if current is not None and vote.block_hash != current.block_hash:
            current = self._round_b  # a Byzantine leader's second proposal, if any
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


def _extends(head: tuple[int, bytes] | None, header: Header) -> bool:
    """Whether `header` may follow the block held: it is its child, or not at the next height
    (a block missed on the way proves nothing)."""
    return head is None or header.height != head[0] + 1 or header.parent_hash == head[1]


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
