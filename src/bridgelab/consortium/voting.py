"""What a consortium validator does with each message it receives: vote for a leader's
proposal, count a vote (the leader), pass a valid commit on, take a transaction
(`Voting`, a part of `ConsortiumChain`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bridgelab.consortium.block import Block, Header, verify_commit, vote_bytes
from bridgelab.consortium.byzantine import ByzantinePlan, may_vote
from bridgelab.consortium.escrow import LockTx, ReleaseTx
from bridgelab.consortium.votes import Committed, Round, Validator, Vote

if TYPE_CHECKING:
    from bridgelab.core.world import World


class Voting:
    """The validators' side of consensus for a `ConsortiumChain`."""

    world: World
    validators: list[Validator]
    validator_keys: tuple[bytes, ...]
    signatures: str
    quorum: int
    byzantine: ByzantinePlan | None
    _round: Round | None
    _round_b: Round | None
    _verify_vote: Any

    def leader(self, height: int, view: int) -> int:
        raise NotImplementedError

    def submit(self, tx: Any) -> bool:
        raise NotImplementedError

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
