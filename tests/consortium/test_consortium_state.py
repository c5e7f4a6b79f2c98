"""The consortium's per-block state copy, and the hashing its memoised commit checks rely on."""

from __future__ import annotations

import dataclasses

from bridgelab.consortium.block import Commit, Header, verify_commit, vote_bytes
from bridgelab.consortium.escrow import EscrowState
from bridgelab.consortium.nonces import NonceTable
from bridgelab.crypto.symbolic import SymbolicEd25519Signer
from bridgelab.protocol.limits import TokenBucket
from bridgelab.protocol.messages import TrustRoot
from bridgelab.protocol.verifier import VerifierConfig


def _state_with_every_field_set() -> EscrowState:
    nonces = NonceTable()
    nonces.add(7)
    return EscrowState(
        trust_root=TrustRoot(1, "multisig", ("0xa", "0xb", "0xc"), 2, ()),
        verifier=VerifierConfig(signatures="symbolic"),
        settlement_contract="settlement:bridge",
        kyc=frozenset({"alice"}),
        per_transfer_cap=500,
        bucket=TokenBucket(1_000, 10.0, 400.0, 3.0),
        paused=True,
        next_nonce=12,
        balances={("alice", "ETH"): 90},
        escrowed={"ETH": 10},
        guardians=("guardian",),
        locked_total={"ETH": 30},
        released_total={"ETH": 20},
        released_nonces=nonces,
    )


def test_the_escrow_copy_keeps_every_field_and_shares_nothing_it_writes():
    state = _state_with_every_field_set()
    # A field left at its default would pass even if `copy` forgot it.
    for spec in dataclasses.fields(EscrowState):
        if spec.default is not dataclasses.MISSING:
            assert getattr(state, spec.name) != spec.default, f"set {spec.name} in this test"
        elif spec.default_factory is not dataclasses.MISSING:
            assert getattr(state, spec.name) != spec.default_factory(), spec.name
    copied = state.copy()
    for spec in dataclasses.fields(EscrowState):
        original, copy = getattr(state, spec.name), getattr(copied, spec.name)
        if spec.name == "released_nonces":
            assert 7 in copy and 8 not in copy
        else:
            assert copy == original, spec.name
    # What a block writes stays in its copy until the copy is adopted.
    copied.balances[("bob", "ETH")] = 1
    copied.escrowed["ETH"] += 1
    copied.locked_total["ETH"] += 1
    copied.released_total["ETH"] += 1
    copied.released_nonces.add(8)
    assert copied.bucket.try_take(3.0, 100)
    assert state.balances == {("alice", "ETH"): 90}
    assert (state.escrowed, state.locked_total, state.released_total) == (
        {"ETH": 10}, {"ETH": 30}, {"ETH": 20}
    )
    assert 8 not in state.released_nonces
    assert state.bucket.level == 400.0


def test_the_memoised_commit_check_tells_apart_commits_for_one_header():
    signers = [SymbolicEd25519Signer(bytes([i]) * 32) for i in range(4)]
    keys = tuple(signer.public_key for signer in signers)
    header = Header(9, 1, bytes(32), 40.0, 2, bytes(32), 0)
    message = vote_bytes(header.height, header.view, header.hash)
    votes = tuple((i, signer.sign(message)) for i, signer in enumerate(signers))
    full = Commit(header.height, header.view, header.hash, votes)
    too_few = Commit(header.height, header.view, header.hash, votes[:2])
    assert verify_commit(header, full, keys, "symbolic")
    assert not verify_commit(header, too_few, keys, "symbolic")
    assert verify_commit(header, full, keys, "symbolic")
    # A header for another view is not vouched for by this block's commit.
    other_view = dataclasses.replace(header, view=2)
    assert not verify_commit(other_view, full, keys, "symbolic")
