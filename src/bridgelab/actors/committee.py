"""A PTC committee member: a light client of both chains that endorses only what it verified.

Before signing a message it runs the message's list of named checks (`member_checks.py`) in
its own view; it signs each (direction, nonce) at most once and refuses to equivocate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import simpy

from bridgelab.actors.ledger import STALE, SignedLedger
from bridgelab.actors.member_checks import MemberRules, MemberView
from bridgelab.actors.member_requests import BatchCommitment, batch_commitment, first_refusal
from bridgelab.actors.wire import BatchRequest, Endorsement, MessageProof
from bridgelab.core.inbox import Inbox
from bridgelab.core.world import World
from bridgelab.custody.base import Custody
from bridgelab.settlement.chain import SettlementChain

if TYPE_CHECKING:
    from bridgelab.l2 import L2System

# The most messages one batch request may carry (the scenario's `batch_max` has the same cap).
MAX_BATCH = 1_024


@dataclass(slots=True)
class MemberStats:
    endorsed: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    # Headers whose commit this member refused (`header_commit`), by hash: a Byzantine
    # minority's short commit is tested only by such a refusal (nemesis/byzantine.py).
    refused_headers: dict[bytes, None] = field(default_factory=dict)


class CommitteeMember:
    """One member: verifies proofs, signs each message at most once, refuses equivocation."""

    def __init__(
        self,
        world: World,
        index: int,
        custody: Custody,
        validator_keys: tuple[bytes, ...],
        settlement: SettlementChain,
        trust_root_version: int,
        ledger: SignedLedger | None = None,
    ) -> None:
        self.world = world
        self.index = index
        self.node = f"member-{index}"
        self.custody = custody
        # What this member checks proofs against: its own flaws, trusted keys and chain views.
        rules = MemberRules(
            tuple(world.scenario.bridge.flaws), validator_keys,
            world.scenario.committee.signatures, settlement.confirmations,
        )
        self.view = MemberView(rules, settlement)
        self.trust_root_version = trust_root_version
        self.processing_time = world.scenario.committee.processing_time
        # (direction, nonce) -> what this member signed: one message per nonce, ever. The
        # ledger is shared by the committee but each member reads and writes only its own bit.
        self.ledger = ledger if ledger is not None else SignedLedger()
        self.stats = MemberStats()
        world.network.add_node(self.node, "member")

    @property
    def l2(self) -> L2System | None:
        """This member's view of the L2, set when the bridge delivers there."""
        return self.view.l2

    @l2.setter
    def l2(self, l2: L2System | None) -> None:
        self.view.l2 = l2

    def start(self) -> None:
        # A member that takes no time over a request only reacts, so it serves its inbox;
        # with a processing time it waits, so it reads its inbox in a process (the node style
        # is in core/engine.py).
        inbox = self.world.network.nodes[self.node].inbox
        if self.processing_time > 0:
            self.world.env.process(self._loop(inbox))
        else:
            inbox.serve(self._handle)

    def _loop(self, inbox: Inbox) -> simpy.events.ProcessGenerator:
        env = self.world.env
        while True:
            request = yield inbox.get()
            yield env.timeout(self.processing_time)
            self._handle(request)

    def _handle(self, request: object) -> None:
        """Check a relayer's request and answer it with an endorsement, or refuse it."""
        if isinstance(request, BatchRequest):
            endorsement = self._endorse_batch(request)
        elif isinstance(request, MessageProof):
            check = self.check(request)
            if check != "ok":
                self._refuse(request, check)
                return
            endorsement = self._endorse(request)
        else:
            return
        if endorsement is not None:
            self.world.network.send(self.node, request.relayer, endorsement)

    def check(self, proof: MessageProof) -> str:
        """The checks for one message's proof, in order: "ok", or the first that fails."""
        failure = first_refusal(self.view, proof)
        return "ok" if failure is None else failure[1]

    def _endorse(self, request: MessageProof) -> Endorsement | None:
        message = request.message
        digest = message.digest(self.trust_root_version)
        epoch = self.custody.epoch
        previous = self.ledger.latest(message.key, self.index)
        if previous is STALE:
            self._refuse(request, "stale_nonce")
            return None
        if previous is not None:
            if previous[0] != digest:
                self._refuse(request, "equivocation")
                return None
            if previous[1] == epoch:
                signature = self.custody.endorse(self.index, digest)
                return Endorsement(self.index, message.key, digest, signature, epoch)
            # Same message, refreshed share: signing it again is not equivocation.
        signature = self.custody.endorse(self.index, digest)
        self.ledger.add(message.key, self.index, digest, epoch)
        self.stats.endorsed += 1
        self.world.record(
            self.node,
            "endorse",
            direction=message.direction,
            nonce=message.nonce,
            digest=digest.hex()[:16],
        )
        return Endorsement(self.index, message.key, digest, signature, epoch)

    def _endorse_batch(self, request: BatchRequest) -> Endorsement | None:
        """Endorse a batch only if every message in it passes the checks a single one would,
        and none would make this member sign a second message for a nonce. The member
        recomputes what the batch commits to from the messages themselves."""
        proofs = request.proofs
        if not proofs or len(proofs) > MAX_BATCH:
            return None
        batch = batch_commitment(request, self.trust_root_version)
        if batch is None:
            self._refuse(proofs[0], "batch_shape")
            return None
        failure = first_refusal(self.view, request)
        if failure is None and not self.ledger.signed_any(batch.keys, self.index):
            fresh = True  # the common case: every message passes, none signed before
        else:
            fresh = self._first_failure_refused(proofs, batch, failure)
            if fresh is None:
                return None
        # Signed afresh for a repeated request too: each batch is new to each member (none of
        # the standard run's 1,554 signatures in 200 transfers each way was a repeat).
        epoch = self.custody.epoch
        signature = self.custody.endorse(self.index, batch.digest)
        if fresh:
            self.ledger.add_all(batch.keys, self.index, batch.digests, epoch)
            self.stats.endorsed += 1
            self.world.record(
                self.node,
                "endorse.batch",
                direction=batch.keys[0][0],
                nonces=list(batch.nonces),
                root=batch.root.hex()[:16],
            )
        return Endorsement(self.index, request.key, batch.digest, signature, epoch)

    def _first_failure_refused(
        self,
        proofs: tuple[MessageProof, ...],
        batch: BatchCommitment,
        failure: tuple[int, str] | None,
    ) -> bool | None:
        """Each message in order: its checks (`failure` names the first that fails), then
        this member's ledger. Refuses the first message that fails and returns None; else
        whether any message is fresh (not yet signed by this member in this epoch)."""
        epoch = self.custody.epoch
        signed_before = self.ledger.latest_all(batch.keys, self.index)
        fresh = False
        for position, (previous, digest) in enumerate(
            zip(signed_before, batch.digests, strict=True)
        ):
            if failure is not None and failure[0] == position:
                self._refuse(proofs[position], failure[1])
                return None
            if previous is STALE:
                self._refuse(proofs[position], "stale_nonce")
                return None
            if previous is not None and previous[0] != digest:
                self._refuse(proofs[position], "equivocation")
                return None
            fresh = fresh or previous is None or previous[1] != epoch
        return fresh

    def _refuse(self, request: MessageProof, check: str) -> None:
        self.stats.refused[check] = self.stats.refused.get(check, 0) + 1
        header = getattr(request, "header", None)
        if check == "header_commit" and header is not None:
            self.stats.refused_headers[header.hash] = None
        self.world.record(
            self.node,
            "endorse.refused",
            direction=request.message.direction,
            nonce=request.message.nonce,
            check=check,
        )
