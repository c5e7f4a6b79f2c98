"""The committee's, relayers' and crypto helpers' shortcuts give what the plain computation
gives: each test computes the answer from scratch and compares."""

from __future__ import annotations

from dataclasses import replace

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.actors.member_checks import MemberRules, MemberView, refusal
from bridgelab.actors.member_requests import checks_for, first_refusal
from bridgelab.actors.relayer import Relayer
from bridgelab.actors.relayer_gather import Collector
from bridgelab.actors.wire import BatchRequest, BurnProof, Endorsement
from bridgelab.core import memo
from bridgelab.crypto import merkle
from bridgelab.crypto.symbolic import (
    SymbolicEcdsaSigner,
    SymbolicEd25519Signer,
    ed25519_signature,
    symbolic_ecrecover,
    symbolic_ed25519_verify,
)
from bridgelab.custody.base import policy_met
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT, BurnEvent
from bridgelab.settlement.chain import SettlementHeader

# -- a member's first refusal in a batch ------------------------------------------------------


def _header(number: int, root: bytes, salt: int = 0) -> SettlementHeader:
    return SettlementHeader(number, number, bytes([salt]) * 32, 0, root, 1, 0, 1)


class _Chain:
    """What a member reads of the settlement chain: headers, final up to `finalized`."""

    def __init__(self, headers: dict[int, SettlementHeader], finalized: int) -> None:
        self.headers = headers
        self.finalized = finalized

    def finalized_header(self, number: int) -> SettlementHeader | None:
        return self.headers.get(number) if number <= self.finalized else None

    def canonical_header(self, number: int) -> SettlementHeader | None:
        return self.headers.get(number)

    def depth_of(self, number: int) -> int:
        return max(self.headers) - number + 1


# How a burn's header relates to the chain's: the chain's own object, an equal copy, another
# header at that number (a fork), or a number the chain has no block for. And what, if
# anything, is wrong with the burn's message or proof.
HEADER_KINDS = st.sampled_from(["same", "equal", "other", "missing"])
TAMPERING = st.sampled_from(
    [None, None, None, "direction", "source_contract", "source_block", "event_fields",
     "merkle_inclusion"]
)


def _tampered(message: BridgeMessage, leaf: bytes, path: merkle.Proof, tamper: str | None
              ) -> tuple[BridgeMessage, bytes, merkle.Proof]:
    if tamper == "direction":
        return replace(message, direction="deposit"), leaf, path
    if tamper == "source_contract":
        return replace(message, source_contract="settlement:copycat"), leaf, path
    if tamper == "source_block":
        return replace(message, source_block=message.source_block + 1), leaf, path
    if tamper == "event_fields":
        return replace(message, amount=message.amount + 1), leaf, path
    if tamper == "merkle_inclusion":
        return message, leaf, replace(path, index=path.index ^ 1, leaf_count=2, siblings=(
            b"\x07" * 32,))
    return message, leaf, path


def _burns(drawn: list[tuple[int, str, str | None]]) -> tuple[dict, list[BurnProof]]:
    """The chain's headers (blocks 0..2, each holding the burns drawn for it) and the
    proofs, tampered with as drawn."""
    events = [
        BurnEvent(BRIDGE_CONTRACT, nonce, "A", 10 + nonce, "s", "r", "")
        for nonce in range(len(drawn))
    ]
    leaves_of: dict[int, list[bytes]] = {number: [] for number in range(3)}
    for event, (number, _kind, _tamper) in zip(events, drawn, strict=True):
        leaves_of[number].append(event.leaf())
    roots = {number: merkle.root(leaves) for number, leaves in leaves_of.items()}
    chain = {number: _header(number, roots[number]) for number in range(3)}
    proofs = []
    for event, (number, kind, tamper) in zip(events, drawn, strict=True):
        header = {
            "same": chain[number],
            "equal": _header(number, roots[number]),
            "other": _header(number, roots[number], salt=1),
            "missing": _header(number + 10, roots[number]),
        }[kind]
        leaves = leaves_of[number]
        message = BridgeMessage(
            "withdrawal", event.nonce, event.asset, event.amount, event.sender,
            event.recipient, BRIDGE_CONTRACT, header.number, header.hash,
        )
        message, leaf, path = _tampered(
            message, event.leaf(), merkle.prove(leaves, leaves.index(event.leaf())), tamper
        )
        proofs.append(BurnProof("relayer-0", message, header, leaf, path))
    return chain, proofs


@settings(max_examples=300, deadline=None)
@given(
    # Few block numbers, so that a batch's burns often share a block, or a number on a fork.
    st.lists(st.tuples(st.integers(0, 2), HEADER_KINDS, TAMPERING), min_size=1, max_size=8),
    st.integers(-1, 3),
    st.sampled_from([None, 1, 3]),
    st.booleans(),
)
def test_a_batch_s_first_refusal_is_each_proof_s_list_asked_in_turn(
    drawn, finalized, confirmations, memoised
):
    headers, proofs = _burns(drawn)
    chain = _Chain(headers, finalized)
    rules = MemberRules((), (), "symbolic", confirmations)
    view = MemberView(rules, chain)  # type: ignore[arg-type]
    expected = next(
        (
            (position, failed)
            for position, proof in enumerate(proofs)
            if (failed := refusal(checks_for(proof, rules), view, proof)) is not None
        ),
        None,
    )
    with memo.enabled(memoised):
        request = BatchRequest("relayer-0", ("withdrawal-batch", 1), tuple(proofs))
        assert first_refusal(view, request) == expected
        assert first_refusal(view, request) == expected  # asked again: the memo's answer
        for proof in proofs:
            single = refusal(checks_for(proof, rules), view, proof)
            assert first_refusal(view, proof) == (None if single is None else (0, single))


# -- Merkle trees -------------------------------------------------------------------------------


def _reference_levels(leaves: list[bytes]) -> list[list[bytes]]:
    level = [merkle.leaf_hash(leaf) for leaf in leaves]
    levels = [level]
    while len(level) > 1:
        if len(level) % 2:
            level = [*level, level[-1]]
        level = [merkle.node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=40), min_size=1, max_size=13))
def test_a_tree_s_root_and_paths_are_those_hashed_one_node_at_a_time(leaves):
    # A salt no other test uses, so the tree is built here rather than found in the memo.
    leaves = [b"test_actors_fastpaths/" + leaf for leaf in leaves]
    assert merkle.root(leaves) == _reference_levels(leaves)[-1][0]
    for index, proof in enumerate(merkle.prove_all(leaves)):
        current = merkle.leaf_hash(leaves[index])
        position = index
        for sibling in proof.siblings:
            current = (
                merkle.node_hash(sibling, current)
                if position & 1
                else merkle.node_hash(current, sibling)
            )
            position //= 2
        assert current == merkle.root(leaves)


# -- symbolic Ed25519 ---------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=64))
def test_a_symbolic_ed25519_signature_is_its_tag_and_verifies_only_for_its_message(seed, msg):
    signer = SymbolicEd25519Signer(seed)
    signature = signer.sign(msg)
    assert signature == ed25519_signature(signer.public_key, msg)
    assert symbolic_ed25519_verify(signer.public_key, msg, signature)
    assert not symbolic_ed25519_verify(signer.public_key, msg + b"x", signature)


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_a_symbolic_ecdsa_signature_recovers_its_signer_when_checked_from_scratch(secret, digest):
    # The signer hashes its tag from a prefix it keeps; recovery (unmemoised here) recomputes
    # the tag from the address in the signature.
    signer = SymbolicEcdsaSigner(secret)
    signature = signer.sign_digest(digest)
    recover = symbolic_ecrecover
    assert recover(digest, signature) == signer.address
    assert recover(bytes(32) if any(digest) else b"\x01" * 32, signature) is None


# -- a relayer's collector ----------------------------------------------------------------------


class _Custody:
    """Multisig's policy over `threshold` and `required`; every endorsement verifies."""

    optimistic = False

    def __init__(self, threshold: int, required: tuple[int, ...]) -> None:
        self.threshold = threshold
        self.required = required

    def verify_endorsement(self, member: int, digest: bytes, signature: bytes, epoch: int) -> bool:
        return True

    def policy_met(self, members: list[int]) -> bool:
        return policy_met(members, self.threshold, self.required)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_collector_is_met_at_the_first_endorsement_that_meets_the_policy(data):
    members = data.draw(st.integers(1, 9))
    threshold = data.draw(st.integers(1, members))
    required = tuple(data.draw(st.lists(st.integers(0, members - 1), max_size=3, unique=True)))
    order = data.draw(st.lists(st.integers(0, members - 1), min_size=1, max_size=2 * members))
    relayer = Relayer.__new__(Relayer)
    relayer.custody = _Custody(threshold, required)  # type: ignore[assignment]
    env = simpy.Environment()
    key, digest = ("deposit-batch", 1), b"\x07" * 32
    collector = Collector(digest, 0, {}, env.event())
    relayer._collectors = {key: collector}
    seen: list[int] = []
    for member in order:
        relayer._collect(Endorsement(member, key, digest, b"sig", 0))
        seen.append(member)
        assert collector.met.triggered is policy_met(seen, threshold, required)
    assert sorted(collector.endorsements) == sorted(set(order))

