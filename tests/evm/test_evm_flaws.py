"""Flaws as contract variants: each `[bridge] flaws` switch of the settlement contract or its
verifier is a Vyper variant with exactly that check missing. Each variant agrees with the
flawed Python model, and accepts what the correct contract refuses (the check is gone)."""

from __future__ import annotations

from dataclasses import replace
from typing import get_args

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")
pytest.importorskip("vyper", reason="needs the 'evm' extra")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab.consortium.block import Header
from bridgelab.consortium.escrow import LockEvent
from bridgelab.crypto import merkle
from bridgelab.evm.differential import ESCROW, Config, Pair
from bridgelab.evm.variants import (
    CONTRACT_FLAWS,
    NON_CONTRACT_FLAWS,
    VariantError,
    render,
    variant_source,
)
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.scenario.model import Flaw
from bridgelab.settlement.bridge_contract import MintTx, ProveAndMintTx
from bridgelab.settlement.transactions import Fee, InclusionProof
from tests.evm.evm_cases import OUTSIDER, VERSION, custody, message
from tests.evm.test_evm_differential import _agree, _play, sessions


def _mint(cert) -> MintTx:
    return MintTx("t", "relayer-0", 0.0, Fee(0, 0), cert)


def _exploit(flaw: str) -> tuple[str, list[tuple[str, object]]]:
    """The scheme and the transactions that only the flawed contract accepts."""
    multisig = custody("multisig")
    target = message(1, 10)
    digest = target.digest(VERSION)
    sign = multisig.endorse
    if flaw == "duplicate_signers_counted":
        signatures = (sign(0, digest), sign(0, digest), sign(1, digest))
        cert = multisig.assemble(target, VERSION, {0: sign(0, digest)})
        return "multisig", [("mint", replace(cert, signatures=signatures))]
    if flaw == "skip_verification_if_empty":
        cert = multisig.assemble(target, VERSION, {})
        return "threshold-bls", [("mint", replace(cert, scheme="threshold-bls", signatures=()))]
    if flaw == "signer_list_from_caller":
        cert = multisig.assemble(target, VERSION, {})
        forged = replace(cert, signatures=(OUTSIDER.sign_digest(digest),),
                         claimed_signers=(OUTSIDER.address,))
        return "multisig", [("mint", forged)]
    if flaw == "required_members_unchecked":
        bls = custody("threshold-bls")
        endorsements = {member: bls.endorse(member, digest) for member in (1, 2, 3)}
        return "threshold-bls", [("mint", bls.assemble(target, VERSION, endorsements))]
    if flaw == "zero_root_trusted":
        return "multisig", [("prove_and_mint", ProveAndMintTx(
            "p", "mallory", 0.0, Fee(0, 0), target, bytes(32), None))]
    if flaw == "proof_leaf_unbound":
        return "multisig", unbound_proof(multisig, target)
    assert flaw == "arbitrary_message_calls"
    payload = f"call:set_trust_root:{OUTSIDER.address}:1"
    carrier = message(1, 10, payload=payload)
    honest = multisig.assemble(carrier, VERSION, {
        member: sign(member, carrier.digest(VERSION)) for member in range(3)
    })
    theft = message(2, 999)
    forged = replace(
        multisig.assemble(theft, VERSION + 1, {}),
        signatures=(OUTSIDER.sign_digest(theft.digest(VERSION + 1)),),
    )
    return "multisig", [("mint", honest), ("mint", forged)]


def unbound_proof(multisig, honest: BridgeMessage) -> list[tuple[str, object]]:
    """An honest certified mint from a block (the contract then trusts its root), and a
    genuine lock of that block proven beside a forged message claiming the same block."""
    genuine = LockEvent(ESCROW, 2, "TOKEN", 5, "carol", "dave", "lock-2").leaf()
    leaves = [LockEvent(ESCROW, 1, "TOKEN", 10, "alice", "bob", "lock-1").leaf(), genuine,
              b"other-event"]
    header = Header(7, 0, bytes(32), 3.0, 1, merkle.root(leaves), len(leaves))
    block = {"source_block": header.height, "source_block_hash": header.hash}
    certified = replace(honest, **block)
    digest = certified.digest(VERSION)
    cert = multisig.assemble(certified, VERSION, {
        member: multisig.endorse(member, digest) for member in range(3)})
    forged = replace(message(9, 40_000, asset="TOKEN"), recipient="mallory", **block)
    proof = InclusionProof(header, merkle.prove(leaves, 1))
    prove = ProveAndMintTx("p", "mallory", 0.0, Fee(0, 0), forged, header.hash, proof,
                           leaf=genuine)
    return [("mint", cert), ("prove_and_mint", prove)]


def test_every_flaw_is_a_variant_or_named_as_not_the_contracts():
    named = (*CONTRACT_FLAWS, *NON_CONTRACT_FLAWS)
    assert sorted(named) == sorted(get_args(Flaw)) and len(set(named)) == len(named)


@pytest.mark.parametrize("flaw", CONTRACT_FLAWS)
def test_each_variant_agrees_with_the_flawed_model_and_lacks_its_check(flaw):
    scheme, steps = _exploit(flaw)
    outcomes = {}
    for flaws in ((), (flaw,)):
        pair = Pair(Config(custody(scheme).trust_root(VERSION), flaws=flaws))
        last = None
        for index, (name, item) in enumerate(steps):
            tx = _mint(item) if name == "mint" else item
            last = _agree(pair, f"{flaw}/{'flawed' if flaws else 'correct'}/{index}",
                          pair.step(name, tx, 12 * (index + 1)))
        outcomes[flaws] = last
    assert outcomes[()][0] == "revert"
    assert outcomes[(flaw,)][0] == "mint", f"{flaw}: the variant still refuses {outcomes}"


@pytest.mark.parametrize("flaw", CONTRACT_FLAWS)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_each_variant_agrees_with_the_flawed_model_on_generated_sessions(flaw, data):
    scheme = data.draw(st.sampled_from(("multisig", "threshold-bls")))
    config, steps = data.draw(sessions(scheme))
    _play(replace(config, flaws=(flaw,)), steps)


def test_a_variant_differs_from_the_contract_only_in_its_sections():
    base = variant_source().splitlines()
    for flaw in CONTRACT_FLAWS:
        variant = variant_source((flaw,)).splitlines()
        assert len(variant) == len(base)
        changed = [i for i, (a, b) in enumerate(zip(base, variant, strict=True)) if a != b]
        assert changed, f"{flaw}: the variant is the contract itself"


def test_malformed_sections_are_refused():
    with pytest.raises(VariantError):
        render("#@ if no_such_flaw\nx\n#@ endif\n", ())
    with pytest.raises(VariantError):
        render("#@ if zero_root_trusted\nx\n", ())
    with pytest.raises(VariantError):
        render("#@ if zero_root_trusted\n#@ if zero_root_trusted\n#@ endif\n", ())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flawed=st.booleans(), leaf=st.sampled_from(("none", "own", "other", "junk")),
       index=st.integers(0, 2), amount=st.integers(1, 50))
def test_proofs_with_caller_leaves_agree_on_model_and_contract(flawed, leaf, index, amount):
    """prove_and_mint with the caller's leaf (none, the message's own, another genuine one,
    junk) and a path for any of the block's leaves, on the correct and the flawed contract."""
    multisig = custody("multisig")
    steps = unbound_proof(multisig, message(1, 10))
    _name, prove = steps[1]
    own = LockEvent(ESCROW, 9, "TOKEN", amount, "alice", "bob", "lock-9").leaf()
    other = LockEvent(ESCROW, 2, "TOKEN", 5, "carol", "dave", "lock-2").leaf()
    leaves = [LockEvent(ESCROW, 1, "TOKEN", 10, "alice", "bob", "lock-1").leaf(), other, own]
    header = Header(7, 0, bytes(32), 3.0, 1, merkle.root(leaves), len(leaves))
    block = {"source_block": header.height, "source_block_hash": header.hash}
    honest = replace(message(1, 10), **block)
    digest = honest.digest(VERSION)
    cert = multisig.assemble(honest, VERSION, {
        member: multisig.endorse(member, digest) for member in range(3)})
    proven = replace(message(9, amount), **block)
    caller_leaf = {"none": None, "own": own, "other": other, "junk": b"junk"}[leaf]
    prove = replace(prove, message=proven, root=header.hash, leaf=caller_leaf,
                    proof=InclusionProof(header, merkle.prove(leaves, index)))
    pair = Pair(Config(multisig.trust_root(VERSION),
                       flaws=("proof_leaf_unbound",) if flawed else ()))
    _agree(pair, "proof/mint", pair.step("mint", _mint(cert), 12))
    expected = _agree(pair, "proof/prove", pair.step("prove_and_mint", prove, 24))
    # What each side must have done, so that agreeing on nothing cannot pass.
    binds = caller_leaf is None or caller_leaf == own or flawed
    proves = leaves[index] == (own if caller_leaf is None else caller_leaf)
    assert (expected[0] == "mint") == (binds and proves), expected

