"""Both directions of each incident class: the flaws on the withdrawal path and in the proof
path, each refused on a named check by the correct bridge and caught by the property it
breaks once switched on; and a below-threshold forgery the destination must refuse."""

from __future__ import annotations

import dataclasses

import pytest

from bridgelab.consortium.escrow import ESCROW_CONTRACT
from bridgelab.crypto import merkle
from bridgelab.protocol.revert import Revert
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.runner import run
from bridgelab.settlement.bridge_contract import BridgeState, process_mint, process_prove_and_mint
from bridgelab.settlement.copycat import COPYCAT_BRIDGE, burn_emitter
from bridgelab.settlement.transactions import Fee, InclusionProof, MintTx, ProveAndMintTx
from tests.actors.test_forgery import _two_lock_block
from tests.conftest import deep_merge, small_scenario

QUIET = {
    "workload": {"deposits": 10, "withdrawals": 0, "deposit_interval": 5.0},
    "adversary": {"extract": False},
}
UNBACKED_RELEASE = "safety.release-backed-by-final-burn"
UNBACKED_MINT = "safety.mint-backed-by-final-lock"


def _run(attacks, flaws=(), extra=None, seed=1):
    overrides = deep_merge(QUIET, {"bridge": {"flaws": list(flaws)}, "attacks": attacks})
    if extra:
        overrides = deep_merge(overrides, extra)
    captured = {}
    result = run(small_scenario(overrides), seed, keep_history=True,
                 setup=lambda b: captured.update(bridge=b))
    return result, captured["bridge"].world.history.events


def _failed(result) -> set[str]:
    return {prop for prop, verdict in result.verdicts.items() if verdict == "fail"}


def _safe(result) -> bool:
    return not any(prop.startswith("safety.") for prop in _failed(result))


# -- forge.foreign_burn ----------------------------------------------------------------------

FOREIGN_BURN = [{"kind": "forge.foreign_burn", "schedule": {"at": 120.0},
                 "params": {"amount": 500}}]


def test_a_copycat_burn_is_refused_by_every_member_as_foreign():
    result, events = _run(FOREIGN_BURN)
    assert _safe(result)
    nonce = 3_000_000_000
    refused = [e for e in events if e.kind == "endorse.refused" and e.fields["nonce"] == nonce]
    assert len(refused) == 9 and {e.fields["check"] for e in refused} == {"source_contract"}
    assert not [e for e in events if e.kind == "release" and e.fields["nonce"] == nonce]
    failed = next(e for e in events if e.kind == "attack.failed")
    assert failed.fields["reason"] == "endorsements_refused"
    # Honest relayers never carry it: it is not the bridge's burn.
    assert not [e for e in events if e.kind == "relay" and e.fields["nonce"] == nonce]


def test_a_committee_that_ignores_the_emitter_releases_with_no_burn():
    result, events = _run(FOREIGN_BURN, ["foreign_burn_events"])
    assert UNBACKED_RELEASE in _failed(result)
    # Real endorsements from a real quorum: only the missing burn gives it away.
    assert result.verdicts["safety.certificate-quorum"] != "fail"
    release = next(e for e in events if e.kind == "release" and e.fields["nonce"] >= 3 * 10**9)
    assert release.fields["amount"] == 500
    violation = next(v for v in result.violations if v["property"] == UNBACKED_RELEASE)
    assert "3000000000" in violation["detail"]


def test_burn_emitter_reads_the_leaf_not_the_message():
    from bridgelab.settlement.bridge_contract import BurnEvent

    leaf = BurnEvent(COPYCAT_BRIDGE, 1, "A", 5, "s", "r", "t").leaf()
    assert burn_emitter(leaf) == COPYCAT_BRIDGE
    assert burn_emitter(b"bridge/lock\x00") is None and burn_emitter(leaf[:14]) is None


# -- forge.unbound_proof ---------------------------------------------------------------------


def test_a_genuine_leaf_cannot_carry_another_message_past_the_correct_contract():
    custody, header, leaves, messages, cert = _two_lock_block()
    forged = dataclasses.replace(messages[1], nonce=99, amount=10**9)
    tx = ProveAndMintTx("p", "anyone", 0.0, Fee(0, 0), forged, header.hash,
                        InclusionProof(header, merkle.prove(leaves, 1)), leaf=leaves[1])
    for flaws, expected in (((), "leaf_matches_message"), (("proof_leaf_unbound",), None)):
        state = BridgeState(custody.trust_root(1), VerifierConfig(flaws=flaws), ESCROW_CONTRACT)
        process_mint(state, MintTx("m", "relayer", 0.0, Fee(0, 0), cert))
        if expected is None:
            assert process_prove_and_mint(state, tx).amount == 10**9
            continue
        with pytest.raises(Revert) as caught:
            process_prove_and_mint(state, tx)
        assert caught.value.check == expected
        # The honest use of the field still works: the leaf that encodes the message.
        honest = dataclasses.replace(tx, message=messages[1])
        assert process_prove_and_mint(state, honest).amount == messages[1].amount


def test_even_the_flawed_contract_checks_the_path_of_the_leaf_it_is_given():
    custody, header, leaves, messages, cert = _two_lock_block()
    forged = dataclasses.replace(messages[1], nonce=99, amount=10**9)
    state = BridgeState(custody.trust_root(1), VerifierConfig(flaws=("proof_leaf_unbound",)),
                        ESCROW_CONTRACT)
    process_mint(state, MintTx("m", "relayer", 0.0, Fee(0, 0), cert))
    made_up = ProveAndMintTx("p", "anyone", 0.0, Fee(0, 0), forged, header.hash,
                             InclusionProof(header, merkle.prove(leaves, 1)), leaf=b"made up")
    with pytest.raises(Revert) as caught:
        process_prove_and_mint(state, made_up)
    assert caught.value.check == "merkle_inclusion"


UNBOUND = [{"kind": "forge.unbound_proof", "schedule": {"at": 100.0, "every": 30.0, "count": 2},
            "params": {"amount": 50_000_000}}]


def test_unbound_proof_reverts_at_the_correct_contract():
    result, events = _run(UNBOUND)
    assert _safe(result)
    reverted = [e for e in events if e.kind == "tx.reverted"
                and e.fields["check"] == "leaf_matches_message"]
    assert len(reverted) == 2


def test_unbound_proof_mints_a_lock_that_never_happened_under_the_flaw():
    result, events = _run(UNBOUND, ["proof_leaf_unbound"])
    assert {UNBACKED_MINT, "safety.supply-conservation"} <= _failed(result)
    forged = [e for e in events if e.kind == "mint" and e.fields["nonce"] >= 10**9]
    assert len(forged) == 2 and all(e.fields["amount"] == 50_000_000 for e in forged)


def test_unbound_proof_with_no_trusted_block_tested_nothing():
    """No deposit is ever minted, so the contract trusts no block: each round records that
    it found nothing to attack, and the run does not vouch for safety."""
    result, events = _run(UNBOUND, ["proof_leaf_unbound"],
                          extra={"workload": {"deposits": 0}})
    failed = [e.fields for e in events if e.kind == "attack.failed"]
    assert failed and all(f == {"reason": "no_accepted_root", "attack": "forge.unbound_proof",
                                "tested": False} for f in failed)
    assert _safe(result)
    assert any("found nothing to attack" in reason for reason in result.inconclusive)


# -- the escrow's threshold misconfigured (class E on the withdrawal path) ------------------

THREE_KEYS = [{"kind": "key.compromise", "targets": {"members": [0, 1, 2]},
               "schedule": {"at": 120.0},
               "params": {"amount": 2_000, "directions": ["withdrawal"]}}]


def test_three_keys_cannot_release_from_a_correct_escrow():
    result, events = _run(THREE_KEYS)
    assert _safe(result)
    assert [e for e in events if e.kind == "tx.reverted"
            and e.fields["check"] == "certificate_below_threshold"]


def test_an_escrow_checking_three_signatures_releases_a_forged_withdrawal():
    extra = {"bridge": {"verifier": {"escrow_threshold_override": 3}}}
    result, events = _run(THREE_KEYS, extra=extra)
    failed = _failed(result)
    # The checker holds the release to the configured 6-of-9, not to the escrow's 3.
    assert {"safety.certificate-quorum", UNBACKED_RELEASE} <= failed
    released = [e for e in events if e.kind == "release" and e.fields["nonce"] >= 10**9]
    assert released and sum(e.fields["amount"] for e in released) == 2_000
    # The settlement side is configured correctly: the same keys mint nothing there.
    assert not [e for e in events if e.kind == "mint" and e.fields["nonce"] >= 10**9]


# -- t - 1 shares: the best forgery is submitted and refused --------------------------------

BLS = {"committee": {"members": 5, "threshold": 3, "required": [], "custody": "threshold-bls"}}


@pytest.mark.parametrize("below_threshold", [False, True])
def test_two_of_three_shares_forge_only_when_asked_and_are_refused(below_threshold):
    attack = [{"kind": "key.compromise", "targets": {"members": [0, 1]},
               "schedule": {"at": 60.0},
               "params": {"amount": 1_000, "below_threshold": below_threshold}}]
    result, events = _run(attack, extra=BLS)
    assert _safe(result)
    submitted = [e for e in events if e.kind == "attack.submit"]
    reverted = [e for e in events if e.kind == "tx.reverted" and e.fields["tx"].startswith(
        "attack-0")]
    if not below_threshold:
        assert not submitted
        assert next(e for e in events if e.kind == "attack.failed").fields["reason"] == (
            "insufficient_shares")
        return
    short = next(e for e in events if e.kind == "attack.short_forgery")
    assert (short.fields["shares"], short.fields["threshold"]) == (2, 3)
    assert len(submitted) == 1 and submitted[0].fields["signers"] == [0, 1]
    # The destination's pairing check refuses it; the adversary then gives the side up.
    assert [e.fields["check"] for e in reverted] == ["certificate_group_signature"]


def test_a_forgery_still_waiting_when_the_run_ends_tested_nothing():
    """A copycat burn submitted shortly before the run ends never reaches finality: the
    round is still waiting, so it records that it tested nothing and the run does not
    vouch for safety (it used to end silently and read safe)."""
    late = [{"kind": "forge.foreign_burn", "schedule": {"at": 290.0},
             "params": {"amount": 1_000}}]
    result, events = _run(late, ["foreign_burn_events"],
                          extra={"scenario": {"duration": 300.0}})
    failed = [e.fields for e in events if e.kind == "attack.failed"]
    assert failed == [{"reason": "unfinished", "attack": "forge.foreign_burn",
                       "tested": False}]
    assert _safe(result)
    assert any("still at it when the run ended" in reason for reason in result.inconclusive)
