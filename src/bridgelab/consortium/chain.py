"""The consortium chain: a rotating leader proposes, > 2/3 Ed25519 votes commit, blocks are final.

Votes travel over the network, so latency, loss, crashes and partitions shape consensus.
A silent leader is replaced after `view_timeout` (a view change).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from itertools import islice

import simpy

from bridgelab.consortium.block import Block, Commit, Header, quorum, vote_bytes
from bridgelab.consortium.byzantine import ORPHANED, ByzantinePlan
from bridgelab.consortium.escrow import EscrowState
from bridgelab.consortium.keeping import BlockKeeping, Tx
from bridgelab.consortium.votes import Committed, Round, Validator
from bridgelab.consortium.voting import Voting
from bridgelab.core.world import World
from bridgelab.crypto.symbolic import ed25519_verify_for, make_ed25519_signer

GENESIS_HASH = bytes(32)


class ConsortiumChain(BlockKeeping, Voting):
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
        self._round: Round | None = None
        # A Byzantine leader's second proposal of the same height and view (see byzantine.py).
        self._round_b: Round | None = None
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
        if plan is not None and plan.active:
            plan.rounds_seen += 1
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
        self._round = Round(
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
        if any(index not in plan.byzantine for index in round_a.votes):
            # An honest validator signed block A, the one with the adversary's lock: only
            # then did the split ask anything (block B is the round's ordinary block).
            plan.splits_heard += 1
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

    def _open_round(self, leader: Validator, block: Block) -> Round:
        header = block.header
        vote_message = vote_bytes(header.height, header.view, header.hash)
        own_vote = leader.signer.sign(vote_message)
        return Round(header.height, header.view, header.hash, vote_message,
                      {leader.index: own_vote}, self.world.env.event())

    @staticmethod
    def _committed(block: Block, won: Round) -> Committed:
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
        plan.splits_left -= 1
        plan.splits_done += 1
        sibling, _ = self._build(
            proposal.height, proposal.view, leader.index, [*txs, plan.inject]  # type: ignore[list-item]
        )
        header = sibling.header
        message = vote_bytes(header.height, header.view, header.hash)
        votes = tuple((v.index, v.signer.sign(message)) for v in signers)
        orphan = Committed(sibling, Commit(header.height, header.view, header.hash, votes))
        if len(signers) >= self.quorum:
            plan.forks += 1
            self._record_block(orphan, ORPHANED)
        else:
            # Too few to commit: they push it anyway, and whoever checks commits must refuse it.
            plan.short_commits.append(header.hash)
            self.world.record("consortium", "commit.short", height=header.height,
                              view=header.view, hash=header.hash.hex()[:16],
                              signers=[v.index for v in signers], quorum=self.quorum)
        for validator in signers:
            self._publish(validator, orphan)
