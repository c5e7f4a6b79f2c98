"""Results computed once and shared stay the results: remembered Merkle trees and proofs, the
cheap certificate hash, batch members' certificates."""

from __future__ import annotations

import json
from dataclasses import MISSING, fields, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker.judge import check_records
from bridgelab.checker.policy import CommitteePolicy
from bridgelab.core.history import read_history
from bridgelab.crypto import merkle
from bridgelab.protocol.messages import (
    BatchPath,
    BridgeMessage,
    Certificate,
    TrustRoot,
    certificate_fields,
    certificate_from_fields,
    trust_root_fields,
    trust_root_from_fields,
)
from bridgelab.runner import run
from bridgelab.scenario import load_scenario
from tests.conftest import ATTACKS


def _reference_root(leaves: list[bytes]) -> bytes:
    """The tree's root computed level by level without the module's helpers or memo."""
    level = [merkle.leaf_hash(leaf) for leaf in leaves]
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [merkle.node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


leaf_lists = st.lists(st.binary(min_size=0, max_size=8), min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(first=leaf_lists, second=leaf_lists)
def test_remembered_trees_answer_as_fresh_ones(first, second):
    for leaves in (first, second, first):
        # Equal leaves in fresh objects find the remembered tree; other leaves never do.
        copy = [bytes(leaf) for leaf in leaves]
        assert merkle.root(copy) == merkle.root(tuple(leaves)) == _reference_root(leaves)
        proofs = merkle.prove_all(copy)
        assert len(proofs) == len(leaves)
        for index, proof in enumerate(proofs):
            assert proof == merkle.prove(leaves, index)
            assert merkle.verify(_reference_root(leaves), leaves[index], proof)


def _certificate(nonce: int, signatures: tuple[bytes, ...], batch: BatchPath | None):
    message = BridgeMessage(
        "deposit", nonce, "ETH", 10**18, "0xsender", "0xrecipient", "0xescrow", 7, b"\x01" * 32
    )
    return Certificate(message, 1, "multisig", signatures, (0, 1), (), batch)


@settings(max_examples=40, deadline=None)
@given(
    nonce=st.integers(0, 2**32),
    signatures=st.lists(st.binary(min_size=1, max_size=65), max_size=4).map(tuple),
    batched=st.booleans(),
    cosignatures=st.lists(st.binary(min_size=1, max_size=65), max_size=2).map(tuple),
)
def test_equal_certificates_hash_alike_and_differing_ones_stay_unequal(
    nonce, signatures, batched, cosignatures
):
    batch = BatchPath(b"\x02" * 32, merkle.prove([b"a", b"b", b"c"], 1)) if batched else None
    cert = replace(_certificate(nonce, signatures, batch), cosignatures=cosignatures)
    # As a checker reading the saved history gets it: parsed from the JSON, not handed back.
    read_back = certificate_from_fields(json.loads(json.dumps(certificate_fields(cert))))
    assert read_back is not cert
    assert read_back == cert and hash(read_back) == hash(cert)
    # The monitor reads every certificate from its recorded fields, never the live object.
    assert certificate_from_fields(certificate_fields(cert)) is not cert
    # Same message and version, other signatures: the same hash, but never equal.
    forged = replace(cert, signatures=(*signatures, b"\xff"))
    assert hash(forged) == hash(cert) and forged != cert
    assert {cert: "verdict"}.get(forged) is None
    other_cosigned = replace(cert, cosignatures=(*cosignatures, b"\xff"))
    assert other_cosigned != cert and {cert: "verdict"}.get(other_cosigned) is None


def test_equal_trust_roots_hash_alike():
    root = TrustRoot(3, "multisig", ("0xa", "0xb", "0xc"), 2, (0,))
    read_back = trust_root_from_fields(trust_root_fields(root))
    assert read_back == root and hash(read_back) == hash(root)
    assert replace(root, signers=("0xa", "0xb", "0xd")) != root


def test_a_batch_members_certificate_is_the_batch_certificate_for_its_message():
    batch_cert = replace(
        _certificate(1, (b"sig",), BatchPath(b"\x03" * 32, merkle.prove([b"x"], 0))),
        claimed_signers=("0xa", "0xb"),
        cosignatures=(b"co",),
        claimed_digest=b"\x04" * 32,
    )
    # A field left at its default would pass even if `for_batch_member` forgot it.
    for spec in fields(Certificate):
        if spec.default is not MISSING:
            assert getattr(batch_cert, spec.name) != spec.default, f"set {spec.name} here"
    other = replace(batch_cert.message, nonce=2)
    path = BatchPath(b"\x03" * 32, merkle.prove([b"x", b"y"], 1))
    member = batch_cert.for_batch_member(other, path)
    assert member == replace(batch_cert, message=other, batch=path)


@pytest.mark.parametrize("attack", [
    "forge-empty-certificate.toml",
    "collusion-fabricated-lock.toml",
    "message-replace-committee.toml",
])
def test_the_live_monitor_and_a_recheck_of_the_saved_history_agree(tmp_path, attack):
    """The monitor takes recorded certificates back without parsing them; a checker reading
    the saved history parses them, and must reach the same verdicts and violations."""
    scenario = load_scenario(ATTACKS / attack)
    result = run(scenario, 1, tmp_path)
    rechecked = check_records(
        read_history(tmp_path / "history.jsonl"), policy=CommitteePolicy.of_scenario(scenario)
    )
    assert rechecked.exercised["safety.certificate-quorum"] > 0
    assert rechecked.verdicts() == result.verdicts
    assert [violation.to_dict() for violation in rechecked.violations] == result.violations
