"""What a member asks of one request: which list each proof is checked against
(`member_checks.py`), the first refusal, in order, and what a batch commits to.

The checks that read only the member's rules and the proofs are answered once per request
for every member with equal rules (the seam, `core/memo.py`); the others are asked of this
member's own view each time.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgelab.actors.member_checks import (
    BURN_CHECKS,
    BURN_CHECKS_ON_CONFIRMATIONS,
    L2_WITHDRAWAL_CHECKS,
    LOCK_CHECKS,
    Checks,
    MemberRules,
    MemberView,
)
from bridgelab.actors.wire import BatchRequest, BurnProof, LockProof, MessageProof
from bridgelab.core import memo
from bridgelab.crypto import merkle
from bridgelab.protocol.messages import batch_digest


def checks_for(proof: object, rules: MemberRules) -> Checks:
    """The list a member with these rules checks a proof of this kind against."""
    if isinstance(proof, LockProof):
        return LOCK_CHECKS
    if isinstance(proof, BurnProof):
        return BURN_CHECKS if rules.confirmations is None else BURN_CHECKS_ON_CONFIRMATIONS
    return L2_WITHDRAWAL_CHECKS


def _chain_question(proof: object) -> object:
    """What a proof's checks that read the chains read of it: a burn's only its header (the
    burns of one block put one question to the chains); any other proof's, all of it."""
    return proof.header if isinstance(proof, BurnProof) else proof


# A member is asked to endorse one message's proof, or a batch of them.
Request = MessageProof | BatchRequest


def proofs_of(request: Request) -> tuple[MessageProof, ...]:
    return request.proofs if type(request) is BatchRequest else (request,)


# Every member of the committee is asked about the same request: with equal rules, the checks
# that read only the rules and the proofs are answered once.
@memo.pure("committee/rule-refusals", size=memo.BATCH_ENTRIES)
def rule_refusals(
    rules: MemberRules, request: Request
) -> tuple[tuple[int, Checks, str | None], ...]:
    """What is left to ask of the chains once the checks that read only `rules` and the
    proofs are answered, in order: (a proof's position, its checks that read the chains and
    come before the first of the others it fails, the name of that one or None). A proof
    that fails none of those, and asks the chains what an earlier one asked, is left out:
    both answer alike."""
    left: list[tuple[int, Checks, str | None]] = []
    asked: set[object] = set()
    for position, proof in enumerate(proofs_of(request)):
        checks = checks_for(proof, rules)
        failed_at = _first_rule_refusal(checks, rules, proof)
        if failed_at is not None:
            chain_checks = tuple(check for check in checks[:failed_at] if check.reads_chain)
            left.append((position, chain_checks, checks[failed_at].name))
            continue
        chain_checks = tuple(check for check in checks if check.reads_chain)
        question = _chain_question(proof)
        if chain_checks and question not in asked:
            asked.add(question)
            left.append((position, chain_checks, None))
    return tuple(left)


def _first_rule_refusal(checks: Checks, rules: MemberRules, proof: object) -> int | None:
    for position, check in enumerate(checks):
        if not check.reads_chain and not check.passes(rules, proof):
            return position
    return None


def first_refusal(view: MemberView, request: Request) -> tuple[int, str] | None:
    """The position of the first of the request's proofs that fails a check in `view`, and
    that check's name; None when every proof passes its list. The answer `refusal` gives
    asked of each proof in turn: the checks that read only the rules and the proofs are
    answered by `rule_refusals`, the others are asked now."""
    proofs = proofs_of(request)
    for position, chain_checks, failed in rule_refusals(view.rules, request):
        proof = proofs[position]
        for check in chain_checks:
            if not check.passes(view, proof):
                return position, check.name
        if failed is not None:
            return position, failed
    return None


# -- batches ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchCommitment:
    """What a batch of messages commits to under one trust-root version."""

    keys: tuple[tuple[str, int], ...]
    # The messages' nonces, in batch order (what an endorsement records).
    nonces: tuple[int, ...]
    digests: tuple[bytes, ...]
    # The Merkle root over `digests`, in batch order.
    root: bytes
    # What the members sign: the root, the message count and the trust-root version.
    digest: bytes


# Every member recomputes each batch it is asked to endorse.
@memo.pure("committee/batch-commitment", size=memo.BATCH_ENTRIES)
def batch_commitment(request: BatchRequest, trust_root_version: int) -> BatchCommitment | None:
    """What the request's messages commit to, in order, as one batch; None when they mix
    directions or repeat a message."""
    messages = [proof.message for proof in request.proofs]
    keys = tuple([message.key for message in messages])
    if len({key[0] for key in keys}) != 1 or len(set(keys)) != len(keys):
        return None
    digests = tuple([message.digest(trust_root_version) for message in messages])
    root = merkle.root(digests)
    nonces = tuple([key[1] for key in keys])
    signed = batch_digest(root, len(digests), trust_root_version)
    return BatchCommitment(keys, nonces, digests, root, signed)
