"""A PTC committee member: a light client of both chains that endorses only what it verified.

Before signing a lock it checks the header's > 2/3 validator commit, the event's Merkle path,
that the event came from the canonical escrow, and that the message says what the event says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import simpy

from bridgelab.actors.ledger import SignedLedger
from bridgelab.actors.wire import BatchRequest, BurnProof, Endorsement, LockProof, MessageProof
from bridgelab.consortium.block import verify_commit_memoised
from bridgelab.consortium.escrow import ESCROW_CONTRACT, LockEvent, lock_emitter
from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.crypto.memo import BoundedCache
from bridgelab.custody.base import Custody
from bridgelab.l2.gateway import check_l2_withdrawal
from bridgelab.protocol.messages import batch_digest
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT, BurnEvent
from bridgelab.settlement.chain import SettlementChain, SettlementHeader
from bridgelab.settlement.copycat import burn_emitter

if TYPE_CHECKING:
    from bridgelab.l2 import L2System

# Recent proofs whose pure checks the members of a run share.
CHECK_MEMO_ENTRIES = 4_096


@dataclass(frozen=True, slots=True)
class BatchShape:
    """What a batch commits to, which every member computes alike: computed once per batch."""

    # Tuples: the ledger recognises a batch's keys and digests by identity.
    keys: tuple[tuple[str, int], ...]
    digests: tuple[bytes, ...]
    root: bytes
    # The digest the members sign: the root, the message count and the trust root version.
    digest: bytes
    # The `endorse.batch` record's fields, the same for every member that records it.
    direction: str
    nonces: tuple[int, ...]
    root_label: str
    # Whether every proof passes the checks that read only the proof (see `SharedChecks`):
    # then all a member has left to check is its own view, the finality of `burns`.
    proofs_pass: bool
    burns: tuple[BurnProof, ...]


def _memo() -> BoundedCache:
    return BoundedCache(CHECK_MEMO_ENTRIES)


@dataclass(slots=True)
class SharedChecks:
    """The answers to the parts of the members' checks that read only the proof, for one run.

    Every honest member of a run holds the same validator keys, deployed flaws and signature
    mode, and one proof object travels to all of them (proofs compare by identity), so each
    would compute the same answer: it is computed once and read by the others.
    """

    locks: BoundedCache[LockProof, str] = field(default_factory=_memo)
    burns: BoundedCache[BurnProof, tuple[str | None, str | None]] = field(default_factory=_memo)
    batches: BoundedCache[tuple[BatchRequest, int], BatchShape | None] = field(
        default_factory=_memo
    )


def _batch_shape(
    request: BatchRequest, trust_root_version: int, proof_passes: Callable[[object], bool]
) -> BatchShape | None:
    """None when the batch mixes directions or repeats a message; else what it commits to.

    `proof_passes` tells whether a proof passes the checks that read only the proof."""
    keys = tuple(proof.message.key for proof in request.proofs)
    if len({key[0] for key in keys}) != 1 or len(set(keys)) != len(keys):
        return None
    digests = tuple(proof.message.digest(trust_root_version) for proof in request.proofs)
    root = merkle.root(digests)
    return BatchShape(
        keys=keys,
        digests=digests,
        root=root,
        digest=batch_digest(root, len(digests), trust_root_version),
        direction=keys[0][0],
        nonces=tuple(key[1] for key in keys),
        root_label=root.hex()[:16],
        proofs_pass=all(map(proof_passes, request.proofs)),
        burns=tuple(proof for proof in request.proofs if isinstance(proof, BurnProof)),
    )


def _static_burn_checks(
    proof: BurnProof, any_emitter: bool = False
) -> tuple[str | None, str | None]:
    """The burn checks that read only the proof: the first failing before the finality checks,
    and the first failing after them (None when they pass). `any_emitter` is the
    `foreign_burn_events` flaw: the event's fields are read, its emitter never asked."""
    message = proof.message
    if message.direction != "withdrawal":
        return "direction", None
    emitter = burn_emitter(proof.leaf) or message.source_contract
    if not any_emitter and (
        message.source_contract != BRIDGE_CONTRACT or emitter != BRIDGE_CONTRACT
    ):
        return "source_contract", None
    if (message.source_block, message.source_block_hash) != (
        proof.header.number,
        proof.header.hash,
    ):
        return None, "source_block"
    expected_leaf = BurnEvent(
        emitter,
        message.nonce,
        message.asset,
        message.amount,
        message.sender,
        message.recipient,
        "",
    ).leaf()
    return None, _event_checks(proof, expected_leaf)


def _event_checks(proof: LockProof | BurnProof, expected_leaf: bytes) -> str | None:
    """The proof's leaf is the event the message describes, and sits under the header's
    events root: the failed check, or None."""
    if proof.leaf != expected_leaf:
        return "event_fields"
    if not merkle.verify(proof.header.events_root, proof.leaf, proof.proof):
        return "merkle_inclusion"
    return None


def _same_header(chain_header: SettlementHeader | None, proof_header: SettlementHeader) -> bool:
    """Whether the chain's header is the proof's. An honest proof carries the chain's own
    header object, so identity settles it without comparing every field."""
    return chain_header is proof_header or chain_header == proof_header


# The most messages one batch request may carry (the scenario's `batch_max` has the same cap).
MAX_BATCH = 1_024


@dataclass(slots=True)
class MemberStats:
    endorsed: int = 0
    refused: dict[str, int] = field(default_factory=dict)


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
        checks: SharedChecks | None = None,
    ) -> None:
        self.world = world
        self.index = index
        self.node = f"member-{index}"
        self.custody = custody
        self.validator_keys = validator_keys
        self.settlement = settlement
        self.trust_root_version = trust_root_version
        self.processing_time = world.scenario.committee.processing_time
        # (direction, nonce) -> what this member signed: one message per nonce, ever. The
        # ledger is shared by the committee but each member reads and writes only its own bit.
        self.ledger = ledger if ledger is not None else SignedLedger()
        self.checks = checks if checks is not None else SharedChecks()
        self.stats = MemberStats()
        # Set when the bridge's destination is the L2: withdrawals are checked against it.
        self.l2: L2System | None = None
        world.network.add_node(self.node, "member")

    def start(self) -> None:
        self.world.env.process(self._loop())

    def _loop(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        network = self.world.network
        inbox = network.nodes[self.node].inbox
        while True:
            request = yield inbox.get()
            if self.processing_time > 0:
                yield env.timeout(self.processing_time)
            if isinstance(request, BatchRequest):
                endorsement = self._endorse_batch(request)
            elif isinstance(request, MessageProof):
                check = self.check(request)
                if check != "ok":
                    self._refuse(request, check)
                    continue
                endorsement = self._endorse(request)
            else:
                continue
            if endorsement is not None:
                network.send(self.node, request.relayer, endorsement)

    def check(self, request: MessageProof) -> str:
        """The light-client checks for one message's proof; "ok" or the failed check."""
        if isinstance(request, LockProof):
            return self.check_lock(request)
        if isinstance(request, BurnProof):
            return self.check_burn(request)
        return check_l2_withdrawal(request, self.l2, self.settlement)

    def check_lock(self, proof: LockProof) -> str:
        """The light-client checks, in order; the first that fails is named.

        They read only the proof and what every member of the run shares (`SharedChecks`)."""
        return self.checks.locks.get_or_compute(proof, self._check_lock, proof)

    def _check_lock(self, proof: LockProof) -> str:
        message = proof.message
        if message.direction != "deposit":
            return "direction"
        # Who emitted the event (a leaf that does not parse fails the field check below).
        emitter = lock_emitter(proof.leaf) or message.source_contract
        # The `foreign_contract_events` flaw: the member reads the event's fields but never
        # asks who emitted it.
        if "foreign_contract_events" not in self.world.scenario.bridge.flaws and (
            message.source_contract != ESCROW_CONTRACT or emitter != ESCROW_CONTRACT
        ):
            return "source_contract"
        if (message.source_block, message.source_block_hash) != (
            proof.header.height,
            proof.header.hash,
        ):
            return "source_block"
        # A header's commit is checked once, whichever proof or light client presents it.
        if not verify_commit_memoised(
            proof.header, proof.commit, self.validator_keys,
            self.world.scenario.committee.signatures,
        ):
            return "header_commit"
        expected_leaf = LockEvent(
            emitter,
            message.nonce,
            message.asset,
            message.amount,
            message.sender,
            message.recipient,
            "",
            payload=message.payload,
        ).leaf()
        return _event_checks(proof, expected_leaf) or "ok"

    def check_burn(self, proof: BurnProof) -> str:
        """The checks in order; those that read only the proof are shared by the members, the
        finality checks read this member's view of the settlement chain now."""
        early, late = self._shared_burn_checks(proof)
        return early or self._finality(proof) or late or "ok"

    def _shared_burn_checks(self, proof: BurnProof) -> tuple[str | None, str | None]:
        """A burn's checks before and after finality that read only the proof: shared."""
        any_emitter = "foreign_burn_events" in self.world.scenario.bridge.flaws
        return self.checks.burns.get_or_compute(proof, _static_burn_checks, proof, any_emitter)

    def _passes_shared_checks(self, proof: MessageProof) -> bool:
        """Whether `proof` passes the checks every member of the run shares: a lock's all, a
        burn's all but finality. An L2 withdrawal's read this member's view of the L2."""
        if isinstance(proof, LockProof):
            return self.check_lock(proof) == "ok"
        if isinstance(proof, BurnProof):
            return self._shared_burn_checks(proof) == (None, None)
        return False

    def _finality(self, proof: BurnProof) -> str | None:
        """The burn's block as this member's view of the settlement chain has it now: the
        failed check, or None."""
        settlement = self.settlement
        header = proof.header
        number = header.number
        if settlement.confirmations is None:
            final_header = settlement.finalized_header(number)
            if final_header is None:
                return "not_final"
            if not _same_header(final_header, header):
                return "not_canonical"
        else:
            # Configured to act before finality: canonical and deep enough is all it asks.
            if not _same_header(settlement.canonical_header(number), header):
                return "not_canonical"
            if settlement.depth_of(number) < settlement.confirmations:
                return "not_confirmed"
        return None

    def _burns_final(self, burns: tuple[BurnProof, ...]) -> bool:
        """Whether `_finality` passes each of `burns`, asked once per batch. A member that
        acts on finality alone (the standard configuration) reads each burn's final header
        here, without the per-burn calls: a withdrawal batch's burns are checked by every
        member, about ten finality checks per transfer."""
        settlement = self.settlement
        if settlement.confirmations is not None:
            return not any(map(self._finality, burns))
        finalized_header = settlement.finalized_header
        # A block's burns carry its one header object, and a batch's burns come from few
        # blocks: a header just found final is not asked about again.
        final_header = None
        for proof in burns:
            header = proof.header
            if header is final_header:
                continue
            # As `_same_header`: None (not final) or another header fails.
            final = finalized_header(header.number)
            if final is not header and final != header:
                return False
            final_header = header
        return True

    def _endorse(self, request: MessageProof) -> Endorsement | None:
        message = request.message
        digest = message.digest(self.trust_root_version)
        epoch = self.custody.epoch
        previous = self.ledger.latest(message.key, self.index)
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
        and none would make this member sign a second message for a nonce."""
        proofs = request.proofs
        if not proofs or len(proofs) > MAX_BATCH:
            return None
        version = self.trust_root_version
        shape = self.checks.batches.get_or_compute(
            (request, version), _batch_shape, request, version, self._passes_shared_checks
        )
        if shape is None:
            self._refuse(proofs[0], "batch_shape")
            return None
        epoch = self.custody.epoch
        ledger = self.ledger
        # When every proof passes the shared checks and each burn is final in this member's
        # view, no message fails its checks; otherwise they run one by one, to name the first
        # failure in order.
        burns = shape.burns
        checked = shape.proofs_pass and (not burns or self._burns_final(burns))
        if checked and not ledger.signed_any(shape.keys, self.index):
            # The common case: every message passes, and this member signed none before.
            fresh = True
        else:
            signed_before = ledger.latest_all(shape.keys, self.index)
            fresh = self._first_failure_refused(proofs, shape, signed_before, checked, epoch)
            if fresh is None:
                return None
        # Signed afresh for a repeated request too: each batch is new to each member (none of
        # the standard run's 1,554 signatures in 200 transfers each way was a repeat), so a
        # memo of signatures only cost a look-up and an entry per signature.
        signature = self.custody.endorse(self.index, shape.digest)
        if fresh:
            ledger.add_all(shape.keys, self.index, shape.digests, epoch)
            self.stats.endorsed += 1
            self.world.record(
                self.node,
                "endorse.batch",
                direction=shape.direction,
                # A list of its own: the record's fields belong to its event.
                nonces=list(shape.nonces),
                root=shape.root_label,
            )
        return Endorsement(self.index, request.key, shape.digest, signature, epoch)

    def _first_failure_refused(
        self,
        proofs: tuple[MessageProof, ...],
        shape: BatchShape,
        signed_before: list[tuple[bytes, int] | None],
        checked: bool,
        epoch: int,
    ) -> bool | None:
        """Each message in order: its checks (unless all are known to pass), then this
        member's ledger. Refuses the first that fails and returns None; else whether any
        message is fresh (not yet signed by this member in this epoch)."""
        check = self.check
        fresh = False
        for proof, previous, message_digest in zip(
            proofs, signed_before, shape.digests, strict=True
        ):
            if not checked and (failed := check(proof)) != "ok":
                self._refuse(proof, failed)
                return None
            if previous is not None and previous[0] != message_digest:
                self._refuse(proof, "equivocation")
                return None
            fresh = fresh or previous is None or previous[1] != epoch
        return fresh

    def _refuse(self, request: MessageProof, check: str) -> None:
        self.stats.refused[check] = self.stats.refused.get(check, 0) + 1
        self.world.record(
            self.node,
            "endorse.refused",
            direction=request.message.direction,
            nonce=request.message.nonce,
            check=check,
        )
