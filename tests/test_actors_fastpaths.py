"""The committee's, relayers' and crypto helpers' shortcuts give what the plain computation
gives: each test computes the answer from scratch and compares."""

from __future__ import annotations

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.actors.committee import CommitteeMember
from bridgelab.actors.relayer import Relayer, _Collector
from bridgelab.actors.wire import BurnProof, Endorsement
from bridgelab.crypto import merkle
from bridgelab.crypto.memo import BoundedCache
from bridgelab.crypto.symbolic import (
    SymbolicEcdsaSigner,
    SymbolicEd25519Signer,
    _compute_ed25519_signature,
    _symbolic_ecrecover,
    symbolic_ed25519_verify,
)
from bridgelab.custody.base import policy_met
from bridgelab.settlement.chain import SettlementHeader

# -- a member's finality, one batch at a time -------------------------------------------------


def _header(number: int, salt: int = 0) -> SettlementHeader:
    return SettlementHeader(number, number, bytes([salt]) * 32, 0, b"\x00" * 32, 1, 0, 1)


class _Chain:
    """What a member reads of the settlement chain: final headers up to `finalized`."""

    def __init__(
        self, headers: dict[int, SettlementHeader], finalized: int, confirmations: int | None
    ) -> None:
        self.headers = headers
        self.finalized = finalized
        self.confirmations = confirmations

    def finalized_header(self, number: int) -> SettlementHeader | None:
        return self.headers.get(number) if number <= self.finalized else None

    def canonical_header(self, number: int) -> SettlementHeader | None:
        return self.headers.get(number)

    def depth_of(self, number: int) -> int:
        return max(self.headers) - number + 1


def _member(chain: _Chain) -> CommitteeMember:
    member = CommitteeMember.__new__(CommitteeMember)
    member.settlement = chain  # type: ignore[assignment]
    return member


# How a burn's header relates to the chain's: the chain's own object, an equal copy, another
# header at that number (a fork), or a number the chain has no block for.
HEADER_KINDS = st.sampled_from(["same", "equal", "other", "missing"])


@settings(max_examples=300, deadline=None)
@given(
    # Few block numbers, so that a batch's burns often share a block, or a number on a fork.
    st.lists(st.tuples(st.integers(0, 2), HEADER_KINDS), min_size=1, max_size=8),
    st.integers(-1, 3),
    st.sampled_from([None, 1, 3]),
)
def test_a_batch_s_burns_are_final_exactly_when_each_burn_is(burns, finalized, confirmations):
    headers = {number: _header(number) for number in range(3)}
    proofs = []
    for number, kind in burns:
        if kind == "same":
            header = headers[number]
        elif kind == "equal":
            header = _header(number)
        else:
            header = _header(number + 10 if kind == "missing" else number, salt=1)
        proofs.append(BurnProof("relayer-0", None, header, b"", None))  # type: ignore[arg-type]
    member = _member(_Chain(headers, finalized, confirmations))
    expected = not any(member._finality(proof) for proof in proofs)
    assert member._burns_final(tuple(proofs)) is expected


# -- the bounded memo's `remember` --------------------------------------------------------------


def _remember_as_computed(cache: BoundedCache, key: int, value: object) -> None:
    """`remember` as the answer `get_or_compute` would keep: the reference."""
    cache.get_or_compute(key, lambda: value)


def _state(cache: BoundedCache) -> tuple[list, list]:
    return (
        [(key, id(value)) for key, value in cache._recent.items()],
        [(key, id(value)) for key, value in cache._older.items()],
    )


@settings(max_examples=300, deadline=None)
@given(
    st.integers(2, 10),
    st.lists(
        st.tuples(st.sampled_from(["remember", "compute", "get"]), st.integers(0, 12)),
        max_size=80,
    ),
)
def test_remember_keeps_what_get_or_compute_would_keep(limit, operations):
    fast: BoundedCache[int, object] = BoundedCache(limit)
    reference: BoundedCache[int, object] = BoundedCache(limit)
    for step, (operation, key) in enumerate(operations):
        # A fresh object each step: the memo must keep the answer it already had, not an
        # equal new one.
        value = (key, step)
        if operation == "remember":
            fast.remember(key, value)
            _remember_as_computed(reference, key, value)
        elif operation == "compute":
            assert fast.get_or_compute(key, lambda v=value: v) is reference.get_or_compute(
                key, lambda v=value: v
            )
        else:
            assert fast.get(key) is reference.get(key)
        assert _state(fast) == _state(reference)
        assert len(fast) <= limit


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
    assert signature == _compute_ed25519_signature(signer.public_key, msg)
    assert symbolic_ed25519_verify(signer.public_key, msg, signature)
    assert not symbolic_ed25519_verify(signer.public_key, msg + b"x", signature)


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_a_symbolic_ecdsa_signature_recovers_its_signer_when_checked_from_scratch(secret, digest):
    # The signer hashes its tag from a prefix it keeps; recovery (unmemoised here) recomputes
    # the tag from the address in the signature.
    signer = SymbolicEcdsaSigner(secret)
    signature = signer.sign_digest(digest)
    assert _symbolic_ecrecover(digest, signature) == signer.address
    assert _symbolic_ecrecover(bytes(32) if any(digest) else b"\x01" * 32, signature) is None


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
    collector = _Collector(digest, 0, {}, env.event())
    relayer._collectors = {key: collector}
    seen: list[int] = []
    for member in order:
        relayer._collect(Endorsement(member, key, digest, b"sig", 0))
        seen.append(member)
        assert collector.met.triggered is policy_met(seen, threshold, required)
    assert sorted(collector.endorsements) == sorted(set(order))

