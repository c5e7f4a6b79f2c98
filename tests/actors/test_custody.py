"""Custody: both schemes carry the baseline to the same outcome; who holds which key; gas."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bridgelab.core import memo
from bridgelab.core.rng import Streams
from bridgelab.custody.base import MINT_STORAGE_GAS
from bridgelab.custody.entities import KeyHolders
from bridgelab.custody.gas import multisig_verification_gas, threshold_bls_verification_gas
from bridgelab.custody.threshold_bls import ThresholdBlsCustody, split_endorsement
from bridgelab.protocol.messages import BridgeMessage, certificate_from_fields
from bridgelab.protocol.verifier import VerifierConfig, verify_certificate
from bridgelab.runner import run
from bridgelab.scenario import ScenarioError, parse_scenario
from bridgelab.scenario.model import Delegation, Entity
from tests.conftest import baseline_data, deep_merge, small_scenario


@pytest.fixture(scope="module")
def both_schemes():
    return {
        scheme: run(small_scenario({"committee": {"custody": scheme}}), 4)
        for scheme in ("multisig", "threshold-bls")
    }


def test_both_schemes_run_the_baseline_to_the_same_outcome(both_schemes):
    multisig, bls = both_schemes["multisig"], both_schemes["threshold-bls"]
    assert multisig.verdicts == bls.verdicts
    judged = {p: v for p, v in bls.verdicts.items() if not p.startswith("coverage.")}
    # No trust-root change happens in an honest run: that property is not exercised.
    assert judged.pop("safety.trust-root-governed") == "not_exercised"
    assert set(judged.values()) == {"pass"}
    assert multisig.metrics["transfers"] == bls.metrics["transfers"]
    assert multisig.metrics["volume"] == bls.metrics["volume"]
    assert bls.metrics["custody"]["scheme"] == "threshold-bls"


PRICES = {"multisig": multisig_verification_gas, "threshold-bls": threshold_bls_verification_gas}


@pytest.mark.parametrize("scheme", sorted(PRICES))
def test_gas_per_certificate_follows_each_scheme(scheme):
    """Every mint records the gas table's price of its own certificate (custody/gas.py):
    per signature under multisig, one pairing check and the required members' co-signatures
    under threshold BLS, whatever the committee's threshold."""
    threshold = small_scenario().committee.threshold
    required = len(small_scenario().committee.required)
    price = PRICES[scheme]
    captured = {}
    result = run(small_scenario({"committee": {"custody": scheme}}), 4, keep_history=True,
                 setup=lambda bridge: captured.update(bridge=bridge))
    mints = [event.fields for event in captured["bridge"].world.history.events
             if event.kind == "mint" and not event.fields["delayed"]]
    assert mints
    for fields in mints:
        cert = certificate_from_fields(fields["certificate"])
        assert fields["verification_gas"] == price(cert)
        assert fields["gas"] == price(cert) + MINT_STORAGE_GAS
        assert len(cert.signatures) == (threshold if scheme == "multisig" else 1)
        assert len(cert.cosignatures) == (required if scheme == "threshold-bls" else 0)
    assert result.metrics["verification_gas_per_certificate"]["scheme"] == scheme


def test_proactive_refresh_during_a_run_keeps_the_bridge_live():
    scenario = small_scenario(
        {"committee": {"custody": "threshold-bls", "refresh_interval": 15.0}}
    )
    result = run(scenario, 2)
    assert result.exit_code == 0
    assert result.metrics["custody"]["epoch"] >= 3
    assert result.metrics["transfers"]["releases"] == 20


def _ronin(revoked: bool) -> KeyHolders:
    entities = [
        Entity(name="sky-mavis", members=[0, 1, 2, 3], storage="hot-server"),
        Entity(name="axie-dao", members=[4]),
        *[Entity(name=f"validator-{m}", members=[m]) for m in range(5, 9)],
    ]
    delegations = [Delegation(grantor="axie-dao", grantee="sky-mavis", revoked=revoked)]
    return KeyHolders(9, entities, delegations)


def test_compromising_an_entity_yields_its_keys_and_delegated_ones():
    holders = _ronin(revoked=False)
    assert holders.seats_controlled(["sky-mavis"]) == (0, 1, 2, 3, 4)
    assert holders.largest_holding() == ("sky-mavis", 5)
    assert holders.seats_controlled(["axie-dao"]) == (4,)
    assert holders.seats_controlled(["validator-5", "validator-6"]) == (5, 6)


def test_a_revoked_delegation_yields_nothing():
    assert _ronin(revoked=True).seats_controlled(["sky-mavis"]) == (0, 1, 2, 3)


def test_delegation_is_one_hop():
    entities = [Entity(name=n, members=[i]) for i, n in enumerate(["a", "b", "c"])]
    delegations = [
        Delegation(grantor="b", grantee="a"),
        Delegation(grantor="c", grantee="b"),
    ]
    holders = KeyHolders(3, entities, delegations)
    assert holders.seats_controlled(["a"]) == (0, 1)
    assert holders.seats_controlled(["b"]) == (1, 2)


def test_default_custody_map_is_one_entity_per_member():
    holders = KeyHolders(4, [], [])
    assert [op.seats for op in holders.operators] == [(0,), (1,), (2,), (3,)]


@pytest.mark.parametrize(
    ("entities", "delegations", "key"),
    [
        ([{"name": "a", "members": [0, 1]}, {"name": "b", "members": [1]}], [],
         "entities.1.members"),
        ([{"name": "a", "members": list(range(8))}], [], "entities"),
        ([{"name": "a", "members": list(range(9))}], [{"grantor": "a", "grantee": "zz"}],
         "delegations.0.grantee"),
    ],
)
def test_bad_custody_maps_are_rejected_with_the_key(entities, delegations, key):
    data = deep_merge(baseline_data(), {"entities": entities, "delegations": delegations})
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, "custody.toml")
    assert caught.value.key == key


def test_optimistic_combination_drops_a_bad_partial_and_still_certifies():
    scenario = small_scenario({"committee": {"custody": "threshold-bls", "required": []}})

    def corrupt_member_one(bridge):
        custody = bridge.custody
        honest = custody.endorse

        def endorse(member, digest):
            # Member 1 signs the wrong message: a valid point, an invalid partial.
            return honest(member, digest[::-1] if member == 1 else digest)

        custody.endorse = endorse
        captured["history"] = bridge.world.history

    captured: dict = {}
    result = run(scenario, 3, keep_history=True, setup=corrupt_member_one)
    bad = [e for e in captured["history"].events if e.kind == "relay.bad_endorsements"]
    assert bad and all(e.fields["members"] == [1] for e in bad)
    assert result.verdicts["liveness.deposits-minted"] == "pass"
    assert all(v != "fail" for p, v in result.verdicts.items() if p.startswith("safety."))


@pytest.mark.parametrize("backend", ["blst", "arkworks"])
def test_the_optimistic_check_and_its_certificate_combine_the_partials_once(backend):
    custody = ThresholdBlsCustody(Streams(5), 6, 4, (), backend)
    message = BridgeMessage("deposit", 1, "A", 10, "s", "r", "c", 1, b"\x01" * 32)
    digest = message.digest(1)
    endorsements = {member: custody.endorse(member, digest) for member in range(6)}
    combined: list[int] = []
    lincomb = custody.backend.g2_lincomb

    def counting(points, scalars):
        combined.append(len(points))
        return lincomb(points, scalars)

    def certify():
        memo.reset()
        custody.backend.g2_lincomb = counting
        try:
            assert custody.bad_endorsements(digest, endorsements) == []
            return custody.assemble(message, 1, endorsements)
        finally:
            del custody.backend.g2_lincomb

    certificate = certify()
    assert combined == [4]
    assert verify_certificate(
        custody.trust_root(1), VerifierConfig(bls_backend=backend), certificate
    ).ok
    with memo.enabled(False):
        computed = certify()
    assert combined == [4, 4, 4]
    assert computed == certificate


# -- required members under threshold BLS ------------------------------------------------------


def _bls_with_required(signatures: str = "real") -> ThresholdBlsCustody:
    return ThresholdBlsCustody(Streams(11), 5, 3, (0,), "arkworks", signatures)


@pytest.mark.parametrize("signatures", ["real", "symbolic"])
def test_a_required_members_endorsement_carries_its_co_signature(signatures):
    custody = _bls_with_required(signatures)
    message = BridgeMessage("deposit", 3, "A", 10, "u", "u", "escrow", 1, bytes(32))
    digest = message.digest(1)
    endorsements = {member: custody.endorse(member, digest) for member in range(5)}
    assert [len(split_endorsement(e)[1]) for e in endorsements.values()] == [65, 0, 0, 0, 0]
    assert all(custody.verify_endorsement(m, digest, e) for m, e in endorsements.items())
    # The partial alone, or a co-signature from a member that owes none, is not an endorsement.
    assert not custody.verify_endorsement(0, digest, split_endorsement(endorsements[0])[0])
    assert not custody.verify_endorsement(1, digest, endorsements[1] + endorsements[0][96:])
    config = VerifierConfig(signatures=signatures)
    root = custody.trust_root(1)
    cert = custody.assemble(message, 1, endorsements)
    assert len(cert.cosignatures) == 1 and verify_certificate(root, config, cert)
    # Without member 0's own signature, or with member 1's in its place, the group signature
    # alone does not pass: it cannot say member 0 took part.
    member_one = custody.governance_sign(1, digest)
    for cosignatures in [(), (member_one,), (cert.cosignatures[0], member_one)]:
        verdict = verify_certificate(root, config, replace(cert, cosignatures=cosignatures))
        assert (verdict.ok, verdict.check) == (False, "required_member_missing")
    flawed = VerifierConfig(flaws=("required_members_unchecked",), signatures=signatures)
    assert verify_certificate(root, flawed, replace(cert, cosignatures=()))


def test_the_relayer_drops_a_required_member_whose_co_signature_is_not_its_own():
    scenario = small_scenario({"committee": {"custody": "threshold-bls", "required": [0]},
                               "workload": {"deposits": 2, "withdrawals": 0}})
    captured: dict = {}

    def corrupt_member_zero(bridge):
        custody = bridge.custody
        honest = custody.endorse

        def endorse(member, digest):
            # Member 0's partial is valid, but its co-signature is member 1's.
            if member == 0:
                return honest(member, digest)[:96] + custody.governance_sign(1, digest)
            return honest(member, digest)

        custody.endorse = endorse
        captured["history"] = bridge.world.history

    result = run(scenario, 3, keep_history=True, setup=corrupt_member_zero)
    events = captured["history"].events
    bad = [e for e in events if e.kind == "relay.bad_endorsements"]
    assert bad and all(e.fields["members"] == [0] for e in bad)
    # Without member 0 no certificate is made, so nothing is minted and safety holds.
    assert not [e for e in events if e.kind == "mint"]
    assert result.verdicts["liveness.deposits-minted"] == "fail"
    assert all(v != "fail" for p, v in result.verdicts.items() if p.startswith("safety."))
