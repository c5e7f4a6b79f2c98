"""Batch certificates: one committee signature over a Merkle root of many messages, each
message carried with its path; the destination checks the path, then the signatures."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.actors.ledger import SignedLedger
from bridgelab.actors.wire import BatchRequest
from bridgelab.core.history import History
from bridgelab.crypto import merkle
from bridgelab.crypto.bls import InsufficientSharesError
from bridgelab.protocol.messages import (
    BatchPath,
    BridgeMessage,
    batch_digest,
    certificate_fields,
    certificate_from_fields,
)
from bridgelab.protocol.verifier import VerifierConfig, verify_certificate
from bridgelab.runner import TRUST_ROOT_VERSION, build, run
from tests.conftest import small_scenario

SCHEMES = ("multisig", "threshold-bls")
BATCHED = {
    "relayers": {"batch_max": 8, "batch_window": 10.0},
    "workload": {"deposit_interval": 1.0},
}


def _batched(scheme: str, extra: dict | None = None):
    overrides = {**BATCHED, "committee": {"custody": scheme}}
    if extra:
        overrides = {**overrides, **extra}
    return small_scenario(overrides)


@pytest.fixture(scope="module", params=SCHEMES)
def batched_run(request, tmp_path_factory):
    scheme = request.param
    plain = run(small_scenario({"committee": {"custody": scheme},
                                "workload": {"deposit_interval": 1.0}}), 3)
    out = tmp_path_factory.mktemp(f"batched-{scheme}")
    batched = run(_batched(scheme), 3, out)
    return scheme, plain, batched, out


def _events(records, kind):
    return [record for record in records if record["kind"] == kind]


def test_a_batched_run_delivers_everything_under_batch_certificates(batched_run):
    scheme, plain, result, out = batched_run
    assert result.exit_code == 0 and result.settled
    # Same workload, same outcome as one certificate per message.
    assert result.metrics["transfers"] == plain.metrics["transfers"]
    assert result.metrics["volume"] == plain.metrics["volume"]
    records = [
        {"kind": event.kind, **event.fields}
        for event in _history(out)
    ]
    batches = _events(records, "certificate.batch")
    assert batches and max(len(batch["nonces"]) for batch in batches) > 1
    mints = _events(records, "mint")
    in_batches = [mint for mint in mints if "batch" in mint["certificate"]]
    assert in_batches
    # Every batched mint's certificate verifies, from the record alone, under the trust root.
    root = build(_batched(scheme), 3, History()).custody.trust_root(TRUST_ROOT_VERSION)
    by_root: dict[str, set[tuple[str, ...]]] = {}
    for mint in in_batches:
        cert = certificate_from_fields(mint["certificate"])
        assert verify_certificate(root, VerifierConfig(), cert).ok
        by_root.setdefault(cert.batch.root.hex(), set()).add(
            tuple(signature.hex() for signature in cert.signatures)
        )
    # One set of signatures per batch, shared by every message in it.
    assert all(len(signature_sets) == 1 for signature_sets in by_root.values())
    assert any(
        sum(1 for mint in in_batches if mint["certificate"]["batch"]["root"] == batch_root) > 1
        for batch_root in by_root
    )


def _history(out):
    from bridgelab.core.history import read_history

    return [_Record(record) for record in read_history(out / "history.jsonl")]


class _Record:
    def __init__(self, record: dict) -> None:
        self.kind = record["kind"]
        self.fields = {k: v for k, v in record.items() if k not in ("seq", "t", "actor", "kind")}


def test_batching_cuts_the_committee_s_signatures(batched_run):
    _, plain, batched, _out = batched_run
    assert plain.metrics["batch_endorsements"] == 0
    signatures_plain = plain.metrics["endorsements"]
    signatures_batched = batched.metrics["endorsements"] + batched.metrics["batch_endorsements"]
    assert batched.metrics["batch_certificates"] > 0
    assert signatures_batched < signatures_plain / 2


# -- the destination's checks, on certificates built by hand ----------------------------------


def _messages(count: int, amount: int = 10) -> list[BridgeMessage]:
    return [
        BridgeMessage("deposit", nonce, "TOKEN", amount + nonce, f"user-{nonce}", f"user-{nonce}",
                      "consortium:escrow", 5, bytes(32))
        for nonce in range(count)
    ]


def _certify(bridge, messages: list[BridgeMessage], signers: int | None = None):
    """Sign the batch's digest with the first `signers` members; a certificate per message."""
    custody = bridge.custody
    leaves = [message.digest(TRUST_ROOT_VERSION) for message in messages]
    root = merkle.root(leaves)
    digest = batch_digest(root, len(leaves), TRUST_ROOT_VERSION)
    count = custody.threshold if signers is None else signers
    endorsements = {member: custody.endorse(member, digest) for member in range(count)}
    first = custody.assemble(messages[0], TRUST_ROOT_VERSION, endorsements)
    return [
        replace(first, message=message, batch=BatchPath(root, path))
        for message, path in zip(messages, merkle.prove_all(leaves), strict=True)
    ]


@pytest.fixture(scope="module", params=SCHEMES)
def bridge(request):
    return build(small_scenario({"committee": {"custody": request.param}}), 5, History())


def _verify(bridge, cert):
    return verify_certificate(bridge.custody.trust_root(TRUST_ROOT_VERSION), VerifierConfig(),
                              cert)


def test_each_message_of_a_signed_batch_verifies_and_round_trips(bridge):
    certificates = _certify(bridge, _messages(5))
    for cert in certificates:
        assert _verify(bridge, cert).ok
        # Parsed from plain fields, as a checker reading a saved history gets it.
        assert certificate_from_fields(dict(certificate_fields(cert))) == cert


def test_a_message_swapped_into_a_batch_certificate_fails_inclusion(bridge):
    cert = _certify(bridge, _messages(5))[2]
    forged = replace(cert, message=replace(cert.message, amount=cert.message.amount * 1000))
    assert _verify(bridge, forged).check == "batch_inclusion"
    # Another message's path does not fit either.
    other = _certify(bridge, _messages(5))[3]
    assert _verify(bridge, replace(cert, batch=other.batch)).check == "batch_inclusion"


def test_a_path_to_an_unsigned_root_fails_the_signature_check(bridge):
    signed = _certify(bridge, _messages(4))
    # An attacker's own batch containing the message, carried with the signed batch's
    # signatures: the path is consistent, the signatures are not over its root.
    message = signed[0].message
    leaves = [message.digest(TRUST_ROOT_VERSION), b"\x07" * 32, b"\x09" * 32]
    root = merkle.root(leaves)
    forged = replace(signed[0], batch=BatchPath(root, merkle.prove(leaves, 0)))
    verdict = _verify(bridge, forged)
    assert not verdict.ok
    assert verdict.check in ("unauthorised_signer", "group_signature")


def test_a_batch_below_threshold_is_refused(bridge):
    custody = bridge.custody
    if custody.scheme == "threshold-bls":
        # Fewer than t partials do not even combine into a group signature.
        with pytest.raises(InsufficientSharesError):
            _certify(bridge, _messages(3), signers=custody.threshold - 1)
        return
    cert = _certify(bridge, _messages(3), signers=custody.threshold - 1)[0]
    assert _verify(bridge, cert).check == "below_threshold"


@settings(max_examples=25, deadline=None)
@given(size=st.integers(1, 40), data=st.data())
def test_batch_paths_accept_their_own_message_and_no_other(size, data):
    leaves = [bytes([i % 256, i // 256]) * 16 for i in range(size)]
    root = merkle.root(leaves)
    proofs = merkle.prove_all(leaves)
    index = data.draw(st.integers(0, size - 1))
    other = data.draw(st.integers(0, size - 1))
    assert merkle.verify(root, leaves[index], proofs[index])
    assert merkle.verify(root, leaves[other], proofs[index]) == (other == index)
    # The size is signed over too, so a path cannot claim a batch of another size.
    assert batch_digest(root, size, 1) != batch_digest(root, size + 1, 1)


# -- members ---------------------------------------------------------------------------------


def test_the_ledger_keeps_one_record_per_message_and_each_member_s_own_view():
    ledger = SignedLedger()
    ledger.add(("deposit", 1), 0, b"a" * 32, 0)
    ledger.add(("deposit", 1), 3, b"a" * 32, 0)
    ledger.add(("deposit", 1), 4, b"b" * 32, 0)
    ledger.add(("deposit", 1), 0, b"a" * 32, 1)
    assert len(ledger) == 1
    assert ledger.latest(("deposit", 1), 0) == (b"a" * 32, 1)
    assert ledger.latest(("deposit", 1), 3) == (b"a" * 32, 0)
    assert ledger.latest(("deposit", 1), 4) == (b"b" * 32, 0)
    assert ledger.latest(("deposit", 1), 5) is None
    assert ledger.latest(("deposit", 2), 0) is None


def _capture_batches(bridge_captured: dict):
    def setup(bridge):
        events = bridge_captured.setdefault("events", [])
        bridge.world.history.subscribe(events.append)
        member = bridge.members[0]
        original = member._endorse_batch

        def capture(request):
            bridge_captured.setdefault("requests", []).append(request)
            bridge_captured["member"] = member
            return original(request)

        member._endorse_batch = capture

    return setup


@pytest.fixture(scope="module")
def captured():
    seen: dict = {}
    run(_batched("multisig"), 6, setup=_capture_batches(seen))
    assert seen["requests"]
    return seen


def _events_of(captured, kind):
    return [e for e in captured["events"] if e.kind == kind]


def test_a_member_answers_a_repeated_batch_without_a_second_record(captured):
    member = captured["member"]
    request = next(r for r in captured["requests"] if len(r.proofs) > 1)
    before = len(_events_of(captured, "endorse.batch"))
    first = member._endorse_batch(request)
    again = member._endorse_batch(request)
    assert first is not None and again is not None
    assert first.signature == again.signature
    assert len(_events_of(captured, "endorse.batch")) == before


def test_a_member_refuses_a_batch_with_one_bad_proof(captured):
    member = captured["member"]
    request = next(r for r in captured["requests"] if len(r.proofs) > 1)
    bad = request.proofs[1]
    tampered = replace(bad, message=replace(bad.message, amount=bad.message.amount + 1))
    proofs = (request.proofs[0], tampered, *request.proofs[2:])
    refusals = len(_events_of(captured, "endorse.refused"))
    assert member._endorse_batch(BatchRequest(request.relayer, request.key, proofs)) is None
    refused = _events_of(captured, "endorse.refused")
    assert len(refused) == refusals + 1
    assert refused[-1].fields["check"] == "event_fields"
    assert refused[-1].fields["nonce"] == bad.message.nonce


def test_a_member_refuses_a_batch_that_would_make_it_equivocate(captured):
    member = captured["member"]
    request = next(r for r in captured["requests"] if len(r.proofs) > 1)
    key = request.proofs[0].message.key
    # Pretend this member once signed a different message under the same nonce, in a ledger
    # of its own (the run's is shared with the other members and the other tests).
    shared = member.ledger
    member.ledger = SignedLedger()
    try:
        member.ledger.add(key, member.index, b"\x01" * 32, member.custody.epoch)
        assert member._endorse_batch(request) is None
    finally:
        member.ledger = shared
    refused = _events_of(captured, "endorse.refused")
    assert refused[-1].fields["check"] == "equivocation"


def test_refused_batches_fall_back_to_one_certificate_per_message(tmp_path):
    def refuse_batches(bridge):
        for member in bridge.members:
            member._endorse_batch = lambda request: None

    scenario = _batched("multisig", {"relayers": {**BATCHED["relayers"], "max_retries": 1}})
    result = run(scenario, 3, tmp_path, setup=refuse_batches)
    assert result.metrics["transfers"]["mints"] == scenario.workload.deposits
    assert result.metrics["transfers"]["releases"] == scenario.workload.withdrawals
    records = _history(tmp_path)
    assert any(r.kind == "relay.gave_up" and "nonces" in r.fields for r in records)
    mints = [r for r in records if r.kind == "mint"]
    assert mints and all("batch" not in r.fields["certificate"] for r in mints)


def test_key_compromise_breaks_a_batched_bridge_exactly_as_an_unbatched_one():
    from bridgelab.scenario import load_scenario
    from tests.conftest import ATTACKS

    scenario = load_scenario(ATTACKS / "key-compromise-entity.toml")
    data = scenario.model_dump()
    data["relayers"]["batch_max"] = 8
    data["relayers"]["batch_window"] = 10.0
    batched = type(scenario).model_validate(data)
    plain_result, batched_result = run(scenario, 1), run(batched, 1)
    assert plain_result.verdicts == batched_result.verdicts
    assert plain_result.metrics["outcome"] == batched_result.metrics["outcome"]


class _ChainWithout:
    """A member's view of the settlement chain in which one block number is not final."""

    def __init__(self, chain, number: int) -> None:
        self.chain = chain
        self.number = number

    def finalized_header(self, number: int):
        return None if number == self.number else self.chain.finalized_header(number)


def test_a_member_names_a_batch_s_first_failure_in_order_whatever_it_is(captured):
    """Checks on the proofs alone and this member's own ones (burn finality, its ledger)
    interleave per message: the refusal names the first message that fails any of them."""
    member = captured["member"]
    burns = [
        proof for r in captured["requests"] for proof in r.proofs
        if proof.message.direction == "withdrawal"
    ]
    # A batch of burns from two blocks: the first block's, then the other's (valid one by
    # one, and still when batched together).
    early_block = burns[0].header.number
    late = [proof for proof in burns if proof.header.number != early_block][:2]
    early = [proof for proof in burns if proof.header.number == early_block][:1]
    assert len(late) == 2
    proofs = (*early, *late)
    request = BatchRequest("relayer-0", ("withdrawal-batch", 999), proofs)
    late_block, first_late = late[0].header.number, 1

    def refusal(signed: dict[int, bytes]):
        # This member's own ledger, holding other digests for the messages at `signed`, and
        # its own view of the chain, in which the late block is not final yet.
        shared, view = member.ledger, member.view
        refusals_before = len(_events_of(captured, "endorse.refused"))
        member.ledger = SignedLedger()
        member.view = replace(view, settlement=_ChainWithout(view.settlement, late_block))
        try:
            for index, digest in signed.items():
                member.ledger.add(proofs[index].message.key, member.index, digest, 0)
            assert member._endorse_batch(request) is None
        finally:
            member.ledger, member.view = shared, view
        refusals = _events_of(captured, "endorse.refused")
        assert len(refusals) == refusals_before + 1  # this call's refusal, not an earlier one
        refused = refusals[-1].fields
        return refused["check"], refused["nonce"]

    other = b"\x01" * 32
    not_final = proofs[first_late].message.nonce
    assert refusal({}) == ("not_final", not_final)
    assert refusal({0: other}) == ("equivocation", proofs[0].message.nonce)
    assert refusal({len(proofs) - 1: other}) == ("not_final", not_final)
