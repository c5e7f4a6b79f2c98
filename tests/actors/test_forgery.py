"""Forgeries without a stolen key: each fails on a named check against the correct bridge and
breaks the property it should once its flaw switch is on."""

from __future__ import annotations

import dataclasses

import pytest

from bridgelab.consortium.block import Header
from bridgelab.consortium.escrow import ESCROW_CONTRACT, LockEvent
from bridgelab.core.rng import Streams
from bridgelab.crypto import merkle
from bridgelab.crypto.secp256k1 import CURVE_ORDER, EcdsaSigner
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.protocol.messages import (
    BridgeMessage,
    Certificate,
    certificate_fields,
    certificate_from_fields,
)
from bridgelab.protocol.revert import Revert
from bridgelab.protocol.verifier import VerifierConfig, verify_certificate
from bridgelab.runner import run
from bridgelab.settlement.bridge_contract import (
    ZERO_ROOT,
    BridgeState,
    process_mint,
    process_prove_and_mint,
)
from bridgelab.settlement.transactions import Fee, InclusionProof, MintTx, ProveAndMintTx
from tests.conftest import deep_merge, small_scenario

QUIET = {
    "workload": {"deposits": 10, "withdrawals": 0, "deposit_interval": 5.0},
    "adversary": {"extract": False},
}
FORGED = ("safety.mint-backed-by-final-lock", "safety.supply-conservation")


def _run(kind, flaws=(), params=None, schedule=None, extra=None, seed=1):
    attack = {"kind": kind, "schedule": schedule or {"at": 20.0}, "params": params or {}}
    overrides = deep_merge(QUIET, {"bridge": {"flaws": list(flaws)}, "attacks": [attack]})
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


def _reverted(events, actor, check) -> list:
    return [
        e for e in events
        if e.kind == "tx.reverted" and e.fields["tx"].startswith(actor)
        and e.fields["check"] == check
    ]


def _violations(result, prop) -> list[dict]:
    return [v for v in result.violations if v["property"] == prop]


def _message(nonce=7, **changes) -> BridgeMessage:
    message = BridgeMessage("deposit", nonce, "A", 10, "u", "u", ESCROW_CONTRACT, 3, bytes(32))
    return dataclasses.replace(message, **changes)


# -- forge.empty_certificate -----------------------------------------------------------------


def test_empty_certificate_is_below_threshold_for_the_correct_verifier():
    result, events = _run("forge.empty_certificate")
    assert _safe(result)
    assert len(_reverted(events, "attack-0", "certificate_below_threshold")) == 1


def test_empty_certificate_passes_a_verifier_that_skips_empty_ones():
    result, _ = _run("forge.empty_certificate", ["skip_verification_if_empty"])
    assert {"safety.certificate-quorum", *FORGED} <= _failed(result)
    quorum = _violations(result, "safety.certificate-quorum")[0]
    assert quorum["event_kind"] == "mint" and "0 signatures" in quorum["detail"]
    unbacked = _violations(result, "safety.mint-backed-by-final-lock")[0]
    assert "no lock #1000000001" in unbacked["detail"]


# -- forge.caller_signers --------------------------------------------------------------------


def test_caller_signer_list_is_ignored_by_the_correct_verifier():
    result, events = _run("forge.caller_signers")
    assert _safe(result)
    assert len(_reverted(events, "attack-0", "certificate_unauthorised_signer")) == 1


def test_caller_signer_list_authorises_the_adversarys_own_keys_when_trusted():
    result, events = _run("forge.caller_signers", ["signer_list_from_caller"])
    assert {"safety.certificate-quorum", *FORGED} <= _failed(result)
    quorum = _violations(result, "safety.certificate-quorum")[0]
    assert "'unauthorised_signer'" in quorum["detail"]
    claimed = next(e for e in events if e.kind == "attack.own_signers").fields["addresses"]
    mint = next(e for e in events if e.kind == "mint" and e.fields["nonce"] == 1000000001)
    # The mint record carries the caller's list, so a reader sees whose keys were trusted.
    assert mint.fields["certificate"]["claimed_signers"] == claimed
    # ... but never the keys: replay the attack's stream and look for them.
    stream = Streams(1).get("nemesis/0/forge.caller_signers")
    seeds = [stream.getrandbits(256) for _ in claimed]
    assert [EcdsaSigner(seed.to_bytes(32, "big")).address for seed in seeds] == claimed
    text = "\n".join(e.to_json() for e in events)
    for seed in seeds:
        for secret in (seed, seed % (CURVE_ORDER - 1) + 1):
            assert f"{secret:064x}" not in text and str(secret) not in text


def test_caller_signer_flaw_still_counts_two_thirds_of_the_claimed_list():
    custody = MultisigCustody(Streams(5), 3, 2, ())
    root = custody.trust_root(1)
    message = _message()
    own = MultisigCustody(Streams(6), 3, 3, ())
    digest = message.digest(1)
    flawed = VerifierConfig(flaws=("signer_list_from_caller",))

    def cert(members):
        signatures = tuple(own.endorse(m, digest) for m in members)
        return Certificate(message, 1, "multisig", signatures, (), own.addresses)

    assert verify_certificate(root, flawed, cert([0, 1, 2])).check == "ok"
    assert verify_certificate(root, flawed, cert([0, 1])).check == "below_threshold"
    assert verify_certificate(root, flawed, cert([0, 0, 1])).check == "duplicate_signer"
    assert verify_certificate(root, VerifierConfig(), cert([0, 1, 2])).check == (
        "unauthorised_signer"
    )


def test_caller_signers_does_not_apply_to_threshold_bls():
    result, events = _run("forge.caller_signers", ["signer_list_from_caller"],
                          extra={"committee": {"custody": "threshold-bls"}})
    assert _safe(result)
    failed = [e for e in events if e.kind == "attack.failed"]
    assert failed and failed[0].fields["reason"] == "not_applicable"
    # Not the bridge holding: the run tested nothing of this attack.
    assert failed[0].fields["tested"] is False
    assert any("found nothing to attack" in reason for reason in result.inconclusive)


# -- forge.zero_root -------------------------------------------------------------------------

COPYCATS = {"at": 20.0, "every": 12.0, "count": 3}


def test_zero_root_is_not_an_accepted_root():
    result, events = _run("forge.zero_root", schedule=COPYCATS)
    assert _safe(result)
    assert len(_reverted(events, "attack-0", "root_not_accepted")) == 3
    assert not [e for e in events if e.kind == "mint" and e.fields["nonce"] >= 10**9]


def test_zero_root_trusted_lets_every_copycat_mint_without_a_proof():
    result, _ = _run("forge.zero_root", ["zero_root_trusted"], schedule=COPYCATS)
    assert {"safety.certificate-quorum", *FORGED} <= _failed(result)
    unbacked = _violations(result, "safety.mint-backed-by-final-lock")
    assert len(unbacked) == 3
    assert all(v["event_kind"] == "mint" for v in unbacked)
    assert "no lock #1000000003" in unbacked[-1]["detail"]


def _two_lock_block():
    """A consortium block holding two locks, and the certified mint of the first."""
    custody = MultisigCustody(Streams(3), 4, 3, ())
    events = [
        LockEvent(ESCROW_CONTRACT, nonce, "A", 10 * (nonce + 1), "u", "v", f"tx{nonce}")
        for nonce in (0, 1)
    ]
    leaves = [event.leaf() for event in events]
    header = Header(5, 0, bytes(32), 1.0, 0, merkle.root(leaves), 2)
    messages = [
        BridgeMessage("deposit", e.nonce, e.asset, e.amount, e.sender, e.recipient,
                      e.contract, header.height, header.hash)
        for e in events
    ]
    digest = messages[0].digest(1)
    cert = custody.assemble(messages[0], 1, {m: custody.endorse(m, digest) for m in range(3)})
    return custody, header, leaves, messages, cert


def test_prove_and_mint_accepts_a_real_proof_against_a_certified_block():
    custody, header, leaves, messages, cert = _two_lock_block()
    state = BridgeState(custody.trust_root(1), VerifierConfig(), ESCROW_CONTRACT)

    def prove(message, root, path):
        return ProveAndMintTx("p", "anyone", 0.0, Fee(0, 0), message, root,
                              InclusionProof(header, path))

    with pytest.raises(Revert) as caught:  # no certified message from this block yet
        process_prove_and_mint(state, prove(messages[1], header.hash, merkle.prove(leaves, 1)))
    assert caught.value.check == "root_not_accepted"
    process_mint(state, MintTx("m", "relayer", 0.0, Fee(0, 0), cert))
    assert state.accepted_roots == {header.hash}
    with pytest.raises(Revert) as caught:  # the path of another leaf
        process_prove_and_mint(state, prove(messages[1], header.hash, merkle.prove(leaves, 0)))
    assert caught.value.check == "merkle_inclusion"
    inflated = dataclasses.replace(messages[1], amount=10**9)
    with pytest.raises(Revert) as caught:
        process_prove_and_mint(state, prove(inflated, header.hash, merkle.prove(leaves, 1)))
    assert caught.value.check == "merkle_inclusion"
    event = process_prove_and_mint(
        state, prove(messages[1], header.hash, merkle.prove(leaves, 1))
    )
    assert (event.nonce, event.amount, event.certificate.signatures) == (1, 20, ())
    assert state.minted_total == {"A": 30}


def test_no_proof_proves_the_zero_root_which_only_the_flaw_accepts():
    custody, _, _, messages, _ = _two_lock_block()
    forged = dataclasses.replace(messages[1], nonce=99, amount=10**9)
    tx = ProveAndMintTx("p", "anyone", 0.0, Fee(0, 0), forged, ZERO_ROOT, None)
    correct = BridgeState(custody.trust_root(1), VerifierConfig(), ESCROW_CONTRACT)
    with pytest.raises(Revert) as caught:
        process_prove_and_mint(correct, tx)
    assert caught.value.check == "root_not_accepted"
    # Naming an accepted root is no help without a proof: the message's root is still zero.
    correct.accepted_roots.add(b"\x01" * 32)
    with pytest.raises(Revert):
        process_prove_and_mint(correct, dataclasses.replace(tx, root=b"\x01" * 32))
    flawed = BridgeState(
        custody.trust_root(1), VerifierConfig(flaws=("zero_root_trusted",)), ESCROW_CONTRACT
    )
    assert process_prove_and_mint(flawed, tx).amount == 10**9


# -- forge.foreign_contract ------------------------------------------------------------------


def test_copycat_event_is_refused_by_every_member_as_foreign():
    result, events = _run("forge.foreign_contract")
    assert _safe(result)
    refused = [e for e in events if e.kind == "endorse.refused"
               and e.fields["nonce"] == 2_000_000_000]
    assert len(refused) == 9 and {e.fields["check"] for e in refused} == {"source_contract"}
    assert [e for e in events if e.kind == "foreign.lock"]  # the copycat's event is on chain
    assert not [e for e in events if e.kind == "lock" and e.fields["nonce"] >= 10**9]
    # Honest relayers never carry it: it is not the escrow's event.
    assert not [e for e in events if e.kind == "relay" and e.fields["nonce"] >= 10**9]
    failed = next(e for e in events if e.kind == "attack.failed")
    assert failed.fields["reason"] == "endorsements_refused"


def test_committee_that_ignores_the_emitter_certifies_the_copycat_lock():
    result, _ = _run("forge.foreign_contract", ["foreign_contract_events"])
    assert set(FORGED) <= _failed(result)
    assert result.verdicts["safety.certificate-quorum"] != "fail"  # real signatures, real quorum
    unbacked = _violations(result, "safety.mint-backed-by-final-lock")[0]
    assert unbacked["event_kind"] == "mint" and "no lock #2000000000" in unbacked["detail"]
    if "safety.escrow-covers-supply" in result.verdicts:
        assert result.verdicts["safety.escrow-covers-supply"] == "fail"


# -- forge.lock_without_deposit --------------------------------------------------------------


def test_lock_without_funds_reverts_at_the_correct_escrow():
    result, events = _run("forge.lock_without_deposit")
    assert _safe(result)
    reverted = _reverted(events, "attack-0", "sender_balance")
    assert len(reverted) == 1 and reverted[0].actor == "escrow"


def test_zero_address_lock_emits_an_unfunded_lock_that_is_minted():
    result, events = _run("forge.lock_without_deposit", ["lock_event_without_transfer"])
    lock = next(e for e in events if e.kind == "lock" and e.fields["sender"] == "adversary")
    before = [e for e in events if e.kind == "lock" and e.seq < lock.seq][-1]
    assert lock.fields["escrowed"] == before.fields["escrowed"]  # nothing came in
    assert [e for e in events if e.kind == "mint" and e.fields["nonce"] == lock.fields["nonce"]]
    # Minted matches locked, so conservation holds: only escrow coverage can see it.
    assert result.verdicts["safety.supply-conservation"] == "pass"
    assert result.verdicts["safety.escrow-covers-supply"] == "fail"
    covers = _violations(result, "safety.escrow-covers-supply")[0]
    assert covers["event_kind"] == "mint"


# -- message.replace_committee ---------------------------------------------------------------


def test_payload_is_in_the_lock_leaf_the_digest_and_the_recorded_certificate():
    payload = "call:set_trust_root:0xabc:1"
    event = LockEvent(ESCROW_CONTRACT, 7, "A", 10, "u", "u", "tx")
    assert dataclasses.replace(event, payload=payload).leaf() != event.leaf()
    message = _message(payload=payload)
    assert message.digest(1) != dataclasses.replace(message, payload="").digest(1)
    cert = Certificate(message, 1, "multisig", (b"\x01" * 65,))
    # Parsed from plain fields, as a checker reading a saved history gets it.
    assert certificate_from_fields(dict(certificate_fields(cert))) == cert


def test_correct_contract_ignores_the_payload_call():
    result, events = _run("message.replace_committee")
    assert _safe(result)
    assert [e.fields["version"] for e in events if e.kind == "trust_root"] == [1]
    assert [e for e in events if e.kind == "mint" and e.fields["certificate"]["payload"]]
    failed = next(e for e in events if e.kind == "attack.failed")
    assert failed.fields["reason"] == "trust_root_unchanged"


def test_message_call_replaces_the_committee_and_the_adversary_mints():
    result, _ = _run("message.replace_committee", ["arbitrary_message_calls"])
    assert {"safety.trust-root-governed", *FORGED} <= _failed(result)
    governed = _violations(result, "safety.trust-root-governed")[0]
    assert governed["event_kind"] == "trust_root" and "'message-call'" in governed["detail"]
    unbacked = _violations(result, "safety.mint-backed-by-final-lock")[0]
    assert unbacked["event_seq"] > governed["event_seq"]
    # The forged certificate is valid under the root the message installed, but that root
    # was never governed: the configured policy (6 of the 9 members) and the signers the
    # committee last vouched for still bind the mint.
    [quorum] = [v for v in _violations(result, "safety.certificate-quorum")
                if v["event_kind"] == "mint"]
    assert "'trust_root_signers'" in quorum["detail"] and "6-of-9" in quorum["detail"]


def test_rotation_timelock_and_watcher_veto_the_message_call():
    defences = {"defences": {"rotation_timelock": 600.0, "watcher": {"enabled": True}}}
    result, events = _run("message.replace_committee", ["arbitrary_message_calls"],
                          extra=defences)
    assert _safe(result)
    kinds = [e.kind for e in events]
    assert "trust_root.pending" in kinds and "trust_root.vetoed" in kinds
    assert [e.fields["version"] for e in events if e.kind == "trust_root"] == [1]
    assert not [e for e in events if e.kind == "attack.submit"]
