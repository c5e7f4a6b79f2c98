"""What a committee member checks before it endorses a message: one ordered list per kind.

Each check is a small function of (the member's view, the proof) that says whether the proof
passes it; the name of the first that fails is the refusal the member records. Read them line
by line against the protocol: a lock is endorsed only from a > 2/3-committed consortium header
that contains the canonical escrow's event, exactly as the message states it; a burn only from
a settlement block final (or deep enough) in this member's own view; an L2 withdrawal only
under the withdrawals root its batch committed on L1, final in this member's view.

The view is the member's own (the flaws it runs with, the validator keys it trusts, its view of
the settlement chain and the L2): nothing assumes every member is alike. The expensive pure
parts (commit signatures, Merkle paths, expected event leaves) are memoised by the seam
(`core/memo.py`), keyed by value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from bridgelab.actors.wire import BurnProof, LockProof
from bridgelab.consortium.block import verify_commit
from bridgelab.consortium.escrow import ESCROW_CONTRACT, LockEvent, lock_emitter
from bridgelab.crypto import merkle
from bridgelab.l2.batcher import BatchTx
from bridgelab.l2.gateway import L2_NONCE_BASE, L2WithdrawalProof
from bridgelab.l2.sequencer import withdrawal_leaf
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT, BurnEvent
from bridgelab.settlement.copycat import burn_emitter

if TYPE_CHECKING:
    from bridgelab.l2 import L2System
    from bridgelab.l2.batcher import Batch
    from bridgelab.settlement.chain import SettlementChain, SettlementHeader


class MemberRules(NamedTuple):
    """What a member checks proofs against that stays put during a run."""

    # Deployed flaws it runs with (e.g. "foreign_contract_events").
    flaws: tuple[str, ...]
    # The consortium validators' Ed25519 keys it trusts.
    validator_keys: tuple[bytes, ...]
    # "real" or "symbolic" signatures (crypto/symbolic.py).
    signatures: str
    # When it takes a burn's block as settled: final (None), or this many blocks deep.
    confirmations: int | None = None


@dataclass(slots=True)
class MemberView:
    """Everything one member checks a proof against: its rules and its views of the chains."""

    rules: MemberRules
    # Its view of the settlement chain, read now: finality moves on as the chain does.
    settlement: SettlementChain
    # Its view of the L2, when the bridge delivers there.
    l2: L2System | None = None


class Check(NamedTuple):
    """One named check. A check that reads the chains is asked `passes(view, proof)` each
    time; any other reads only the member's rules and the proof, never relies on an earlier
    check having passed, and is asked `passes(rules, proof)`: the seam memoises those."""

    # The refusal the member records when this is the first check the proof fails.
    name: str
    passes: Callable[[Any, Any], bool]
    reads_chain: bool = False


Checks = tuple[Check, ...]


def refusal(checks: Checks, view: MemberView, proof: object) -> str | None:
    """The name of the first check `proof` fails in `view`; None when it passes them all."""
    for check in checks:
        if not check.passes(view if check.reads_chain else view.rules, proof):
            return check.name
    return None


# -- locks (deposits) ---------------------------------------------------------------------------


def is_deposit(rules: MemberRules, proof: LockProof) -> bool:
    return proof.message.direction == "deposit"


def _emitter(proof: LockProof) -> str:
    """Who emitted the proof's event: the first field of its leaf (a leaf that does not parse
    is taken at the message's word here, and fails the event-field check)."""
    return lock_emitter(proof.leaf) or proof.message.source_contract


def from_escrow(rules: MemberRules, proof: LockProof) -> bool:
    """The message names the canonical escrow, and the escrow emitted the event. With the
    `foreign_contract_events` flaw the member reads the event's fields but never asks who
    emitted it."""
    if "foreign_contract_events" in rules.flaws:
        return True
    return proof.message.source_contract == ESCROW_CONTRACT and _emitter(proof) == ESCROW_CONTRACT


def names_its_header(rules: MemberRules, proof: LockProof) -> bool:
    message, header = proof.message, proof.header
    return (message.source_block, message.source_block_hash) == (header.height, header.hash)


def header_committed(rules: MemberRules, proof: LockProof) -> bool:
    """More than 2/3 of the validators this member trusts signed the header."""
    return verify_commit(proof.header, proof.commit, rules.validator_keys, rules.signatures)


def lock_event_matches(rules: MemberRules, proof: LockProof) -> bool:
    """The proof's leaf is the lock event the message describes."""
    message = proof.message
    expected = LockEvent(
        _emitter(proof), message.nonce, message.asset, message.amount, message.sender,
        message.recipient, "", payload=message.payload,
    )
    return proof.leaf == expected.leaf()


def in_events_root(rules: MemberRules, proof: LockProof | BurnProof) -> bool:
    """The leaf sits under the header's events root."""
    return merkle.verify(proof.header.events_root, proof.leaf, proof.proof)


LOCK_CHECKS: Checks = (
    Check("direction", is_deposit),
    Check("source_contract", from_escrow),
    Check("source_block", names_its_header),
    Check("header_commit", header_committed),
    Check("event_fields", lock_event_matches),
    Check("merkle_inclusion", in_events_root),
)


# -- burns (withdrawals from the settlement chain) ----------------------------------------------


def is_withdrawal(rules: MemberRules, proof: BurnProof | L2WithdrawalProof) -> bool:
    return proof.message.direction == "withdrawal"


def from_bridge_contract(rules: MemberRules, proof: BurnProof | L2WithdrawalProof) -> bool:
    return proof.message.source_contract == BRIDGE_CONTRACT


def _burn_emitter(proof: BurnProof) -> str:
    """Who emitted the burn event: the first field of its leaf (a leaf that does not parse is
    taken at the message's word here, and fails the event-field check)."""
    return burn_emitter(proof.leaf) or proof.message.source_contract


def burn_from_bridge_contract(rules: MemberRules, proof: BurnProof) -> bool:
    """The message names the bridge contract, and the bridge contract emitted the event. With
    the `foreign_burn_events` flaw the member reads the event's fields but never asks who
    emitted it."""
    if "foreign_burn_events" in rules.flaws:
        return True
    return (
        proof.message.source_contract == BRIDGE_CONTRACT
        and _burn_emitter(proof) == BRIDGE_CONTRACT
    )


def block_final(view: MemberView, proof: BurnProof) -> bool:
    """This member's chain has a final block at the burn's block number."""
    return view.settlement.finalized_header(proof.header.number) is not None


def final_block_is_its(view: MemberView, proof: BurnProof) -> bool:
    """The final block at that number is the burn's (not a block a reorg removed)."""
    ours, header = view.settlement.finalized_header(proof.header.number), proof.header
    # An honest proof carries the chain's own header object: identity settles it at once.
    return ours is header or ours == header


def canonical_block_is_its(view: MemberView, proof: BurnProof) -> bool:
    """Acting before finality: the block this member's chain has at that number is the
    burn's."""
    ours, header = view.settlement.canonical_header(proof.header.number), proof.header
    return ours is header or ours == header


def block_deep_enough(view: MemberView, proof: BurnProof) -> bool:
    """Acting before finality: the burn's block is at least `confirmations` deep."""
    confirmations = view.rules.confirmations
    assert confirmations is not None
    return view.settlement.depth_of(proof.header.number) >= confirmations


def names_its_block(rules: MemberRules, proof: BurnProof) -> bool:
    message, header = proof.message, proof.header
    return (message.source_block, message.source_block_hash) == (header.number, header.hash)


def burn_event_matches(rules: MemberRules, proof: BurnProof) -> bool:
    """The proof's leaf is the burn event the message describes."""
    message = proof.message
    expected = BurnEvent(
        _burn_emitter(proof), message.nonce, message.asset, message.amount,
        message.sender, message.recipient, "",
    )
    return proof.leaf == expected.leaf()


# A member that takes a burn's block as settled when it is final (the default).
BURN_CHECKS: Checks = (
    Check("direction", is_withdrawal),
    Check("source_contract", burn_from_bridge_contract),
    Check("not_final", block_final, reads_chain=True),
    Check("not_canonical", final_block_is_its, reads_chain=True),
    Check("source_block", names_its_block),
    Check("event_fields", burn_event_matches),
    Check("merkle_inclusion", in_events_root),
)
# A member configured to act before finality, once the block is `confirmations` deep.
BURN_CHECKS_ON_CONFIRMATIONS: Checks = (
    Check("direction", is_withdrawal),
    Check("source_contract", burn_from_bridge_contract),
    Check("not_canonical", canonical_block_is_its, reads_chain=True),
    Check("not_confirmed", block_deep_enough, reads_chain=True),
    Check("source_block", names_its_block),
    Check("event_fields", burn_event_matches),
    Check("merkle_inclusion", in_events_root),
)


# -- L2 withdrawals -----------------------------------------------------------------------------
# The member reads L1 itself: the rollup contract finalised the batch, the L1 block that
# carries it is final and canonical, and the withdrawal is under the root that batch's
# transaction committed. A check that reads the chains may rely on those before it.


def in_l2_nonce_range(rules: MemberRules, proof: L2WithdrawalProof) -> bool:
    return proof.message.nonce >= L2_NONCE_BASE


def has_l2(view: MemberView, proof: L2WithdrawalProof) -> bool:
    return view.l2 is not None


def _batch(view: MemberView, proof: L2WithdrawalProof) -> Batch:
    assert view.l2 is not None
    return view.l2.batcher.batches[proof.batch]


def batch_known(view: MemberView, proof: L2WithdrawalProof) -> bool:
    assert view.l2 is not None
    return 0 <= proof.batch < len(view.l2.batcher.batches)


def batch_final(view: MemberView, proof: L2WithdrawalProof) -> bool:
    """The rollup finalised the batch, and the L1 block carrying it is final in this view."""
    batch = _batch(view, proof)
    if batch.final_at is None or batch.l1_number is None:
        return False
    return view.settlement.finalized_header(batch.l1_number) is not None


def _batch_header(view: MemberView, proof: L2WithdrawalProof) -> SettlementHeader:
    number = _batch(view, proof).l1_number
    assert number is not None
    header = view.settlement.finalized_header(number)
    assert header is not None
    return header


def batch_canonical(view: MemberView, proof: L2WithdrawalProof) -> bool:
    return _batch_header(view, proof) == _batch(view, proof).l1_header


def names_batch_block(view: MemberView, proof: L2WithdrawalProof) -> bool:
    message, header = proof.message, _batch_header(view, proof)
    return (message.source_block, message.source_block_hash) == (header.number, header.hash)


def _committed_root(view: MemberView, proof: L2WithdrawalProof) -> bytes | None:
    """The withdrawals root the batch transaction in the batch's L1 block committed, if any."""
    header = _batch_header(view, proof)
    for tx in view.settlement.blocks[header.number].txs:
        if isinstance(tx, BatchTx) and tx.batch == proof.batch:
            return tx.withdrawals_root
    return None


def batch_in_block(view: MemberView, proof: L2WithdrawalProof) -> bool:
    return _committed_root(view, proof) is not None


def l2_event_matches(rules: MemberRules, proof: L2WithdrawalProof) -> bool:
    """The proof's leaf is the L2 withdrawal the message describes."""
    message = proof.message
    return proof.leaf == withdrawal_leaf(
        message.nonce - L2_NONCE_BASE, message.asset, message.amount, message.sender,
        message.recipient,
    )


def in_withdrawals_root(view: MemberView, proof: L2WithdrawalProof) -> bool:
    root = _committed_root(view, proof)
    assert root is not None
    return merkle.verify(root, proof.leaf, proof.proof)


L2_WITHDRAWAL_CHECKS: Checks = (
    Check("direction", is_withdrawal),
    Check("source_contract", from_bridge_contract),
    Check("nonce_range", in_l2_nonce_range),
    Check("no_l2", has_l2, reads_chain=True),
    Check("unknown_batch", batch_known, reads_chain=True),
    Check("not_final", batch_final, reads_chain=True),
    Check("not_canonical", batch_canonical, reads_chain=True),
    Check("source_block", names_batch_block, reads_chain=True),
    Check("batch_not_in_block", batch_in_block, reads_chain=True),
    Check("event_fields", l2_event_matches),
    Check("merkle_inclusion", in_withdrawals_root, reads_chain=True),
)
