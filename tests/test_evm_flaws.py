"""Flaws as contract variants: each `[bridge] flaws` switch of the settlement contract or its
verifier is a Vyper variant with exactly that check missing. Each variant agrees with the
flawed Python model, and accepts what the correct contract refuses (the check is gone)."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")
pytest.importorskip("vyper", reason="needs the 'evm' extra")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab.evm.differential import Config, Pair
from bridgelab.evm.variants import CONTRACT_FLAWS, VariantError, render, variant_source
from bridgelab.settlement.bridge_contract import MintTx, ProveAndMintTx
from bridgelab.settlement.transactions import Fee
from tests.evm_cases import OUTSIDER, VERSION, custody, message
from tests.test_evm_differential import _agree, _play, sessions


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
