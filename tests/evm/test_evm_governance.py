"""The contract's other transitions against the model: trust-root rotation (with its
timelock and veto, under both schemes), the admin's upgrade (parameters and a flaw variant's
code), the delay queue and its challenge, the global accountant, a deposit proven against an
accepted consortium block, and undoing a block (a snapshot restored against the model's undo)."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")

from bridgelab.consortium.block import Header
from bridgelab.consortium.escrow import LockEvent
from bridgelab.core.rng import Streams
from bridgelab.crypto import merkle
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.evm.differential import ESCROW, Config, Pair
from bridgelab.protocol.rotation import RotationCertificate, rotation_digest
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.settlement import bridge_contract as model
from bridgelab.settlement.bridge_contract import (
    ChallengeTx,
    Limits,
    MintTx,
    ProveAndMintTx,
    RotateTx,
    UpgradeTx,
    VetoTx,
)
from bridgelab.settlement.transactions import Fee, InclusionProof
from tests.evm.evm_cases import OUTSIDER, VERSION, custody, message
from tests.evm.test_evm_differential import _agree


def _cert(committee, nonce: int, amount: int = 10, version: int = VERSION, members=None,
          **fields):
    target = replace(message(nonce, amount), **fields)
    digest = target.digest(version)
    chosen = range(committee.members) if members is None else members
    return committee.assemble(target, version, {m: committee.endorse(m, digest) for m in chosen})


def _mint(cert, tx_id: str = "t") -> MintTx:
    return MintTx(tx_id, "relayer-0", 0.0, Fee(0, 0), cert)


def _rotation(current, new_root, signers, extra=()):
    digest = rotation_digest(current.trust_root(VERSION).version, new_root)
    signatures = tuple(current.governance_sign(m, digest) for m in signers) + tuple(extra)
    return RotateTx("r", "relayer-0", 0.0, Fee(0, 0), RotationCertificate(new_root, signatures))


def _check(pair: Pair, label: str, outcomes) -> tuple:
    return _agree(pair, f"governance/{label}", outcomes)


@pytest.mark.parametrize("scheme", ["multisig", "threshold-bls"])
def test_rotation_installs_the_next_root_only_with_a_supermajority(scheme):
    current = custody(scheme)
    kind = MultisigCustody if scheme == "multisig" else ThresholdBlsCustody
    successor = kind(Streams(77), 5, 4, (1,))
    new_root = successor.trust_root(VERSION + 1)
    pair = Pair(Config(current.trust_root(VERSION)))
    refused = {
        "below": _rotation(current, new_root, [0, 1]),
        "duplicate": _rotation(current, new_root, [0, 1, 1]),
        "outsider": _rotation(current, new_root, [0, 1], [OUTSIDER.sign_digest(bytes(32))]),
        "version": _rotation(current, replace(new_root, version=VERSION + 2), [0, 1, 2]),
        "threshold": _rotation(current, replace(new_root, threshold=0), [0, 1, 2]),
    }
    for label, tx in refused.items():
        assert _check(pair, label, pair.step("rotate", tx, 12))[0] == "revert"
    assert _check(pair, "ok", pair.step("rotate", _rotation(current, new_root, [0, 1, 3]), 24))[
        0] == "root"
    # The old committee's certificates are now refused, the new one's accepted.
    assert _check(pair, "old", pair.step("mint", _mint(_cert(current, 1)), 36)) == (
        "revert", "certificate_trust_root_version")
    new_cert = _cert(successor, 2, version=VERSION + 1)
    assert _check(pair, "new", pair.step("mint", _mint(new_cert), 48))[0] == "mint"


def test_a_timelocked_rotation_waits_and_a_watcher_can_veto_it():
    current = custody("multisig")
    successor = MultisigCustody(Streams(78), 4, 3, ())
    new_root = successor.trust_root(VERSION + 1)
    pair = Pair(Config(current.trust_root(VERSION), rotation_timelock=60.0))
    rotate = _rotation(current, new_root, [0, 1, 2])
    assert _check(pair, "pending", pair.step("rotate", rotate, 12)) == ("value", None)
    assert _check(pair, "early", pair.due_root(48)) == ("value", None)
    assert _check(pair, "intruder", pair.step(
        "veto", VetoTx("v", "mallory", 0.0, Fee(0, 0), VERSION + 1), 50))[0] == "revert"
    assert _check(pair, "veto", pair.step(
        "veto", VetoTx("v", "watcher", 0.0, Fee(0, 0), VERSION + 1), 52)) == ("value", VERSION + 1)
    assert _check(pair, "vetoed", pair.due_root(120)) == ("value", None)
    assert _check(pair, "again", pair.step("rotate", rotate, 132)) == ("value", None)
    assert _check(pair, "due", pair.due_root(192)) == ("pending", VERSION + 1, "rotation")
    assert _check(pair, "new", pair.step(
        "mint", _mint(_cert(successor, 1, version=VERSION + 1)), 204))[0] == "mint"


def test_upgrades_change_parameters_and_swap_in_a_flaw_variant():
    committee = custody("multisig")
    pair = Pair(Config(committee.trust_root(VERSION)))
    lone = _cert(committee, 1, members=[0])
    assert _check(pair, "lone", pair.step("mint", _mint(lone), 12))[1] == (
        "certificate_below_threshold")
    override = UpgradeTx("u", "admin", 0.0, Fee(0, 0), VerifierConfig(threshold_override=1))
    intruder = replace(override, sender="mallory")
    assert _check(pair, "intruder", pair.step("upgrade", intruder, 24)) == (
        "revert", "only_admin")
    assert _check(pair, "override", pair.step("upgrade", override, 36))[0] == "value"
    assert _check(pair, "lone-ok", pair.step("mint", _mint(lone), 48))[0] == "mint"
    doubled = _cert(committee, 2, members=[0, 1])
    doubled = replace(doubled, signatures=(*doubled.signatures, doubled.signatures[1]))
    flawed = UpgradeTx("u", "admin", 0.0, Fee(0, 0),
                       VerifierConfig(flaws=("duplicate_signers_counted",)))
    assert _check(pair, "dup", pair.step("mint", _mint(replace(
        doubled, message=replace(doubled.message))), 60))[0] == "revert"
    assert _check(pair, "flawed", pair.step("upgrade", flawed, 72))[0] == "value"
    assert _check(pair, "dup-ok", pair.step("mint", _mint(doubled), 84))[0] == "mint"


def test_the_delay_queue_the_challenge_and_the_accountant():
    committee = custody("multisig")
    pair = Pair(Config(committee.trust_root(VERSION),
                       limits=Limits(delay_threshold=50, delay=60.0), backing={"TOKEN": 200}))
    assert _check(pair, "small", pair.step("mint", _mint(_cert(committee, 1, 40)), 12))[0] == (
        "mint")
    assert _check(pair, "queued", pair.step("mint", _mint(_cert(committee, 2, 100)), 24))[0] == (
        "queued")
    assert _check(pair, "queued-2", pair.step("mint", _mint(_cert(committee, 3, 55)), 36))[0] == (
        "queued")
    # 40 minted + 155 pending + 10 > 200: the accountant refuses.
    assert _check(pair, "accountant", pair.step("mint", _mint(_cert(committee, 4, 10)), 48)) == (
        "revert", "accountant")
    assert _check(pair, "replayed", pair.step("mint", _mint(_cert(committee, 2, 100)), 50)) == (
        "revert", "nonce_unused")
    for sender, label in (("mallory", "intruder"), ("watcher", "challenge"),
                          ("watcher", "twice")):
        _check(pair, label, pair.step("challenge", ChallengeTx("c", sender, 0.0, Fee(0, 0), 3), 60))
    assert _check(pair, "not-due", pair.due(72)) == ("due", ())
    assert _check(pair, "due", pair.due(84)) == ("due", (2,))
    # 140 minted + 61 > 200 once the queue is gone; 45 fits.
    assert _check(pair, "after", pair.step("mint", _mint(_cert(committee, 5, 61)), 96)) == (
        "revert", "accountant")
    assert _check(pair, "fits", pair.step("mint", _mint(_cert(committee, 6, 45)), 108))[0] == (
        "mint")


def test_a_deposit_proven_against_an_accepted_block():
    committee = custody("multisig")
    locks = [LockEvent(ESCROW, nonce, "TOKEN", 10 * nonce, "alice", "bob", "", 0, "")
             for nonce in (1, 2, 3)]
    leaves = [lock.leaf() for lock in locks]
    header = Header(7, 0, bytes(32), 3.25, 1, merkle.root(leaves), len(leaves))
    pair = Pair(Config(committee.trust_root(VERSION)))
    proven = replace(message(2, 20), source_block_hash=header.hash)

    def prove(tx_id, target, root, proof):
        return ProveAndMintTx(tx_id, "mallory", 0.0, Fee(0, 0), target, root, proof)

    proof = InclusionProof(header, merkle.prove(leaves, 1))
    assert _check(pair, "unaccepted", pair.step("prove_and_mint", prove(
        "p", proven, header.hash, proof), 12)) == ("revert", "root_not_accepted")
    certified = _cert(committee, 1, source_block_hash=header.hash)
    assert _check(pair, "certified", pair.step("mint", _mint(certified), 24))[0] == "mint"
    wrong_path = InclusionProof(header, merkle.prove(leaves, 0))
    wrong_header = InclusionProof(replace(header, height=8), proof.path)
    for label, tx in (
        ("path", prove("p", proven, header.hash, wrong_path)),
        ("header", prove("p", proven, header.hash, wrong_header)),
        ("no-proof", prove("p", proven, bytes(32), None)),
    ):
        assert _check(pair, label, pair.step("prove_and_mint", tx, 36))[0] == "revert"
    assert _check(pair, "proven", pair.step("prove_and_mint", prove(
        "p", proven, header.hash, proof), 48)) == ("mint", 2, 20, ())


def test_a_restored_snapshot_matches_the_models_undo():
    committee = custody("multisig")
    pair = Pair(Config(committee.trust_root(VERSION), bucket=(100, 1.0)))
    before = pair.evm.snapshot()
    cert = _cert(committee, 1, 80)
    tx = _mint(cert)
    event = model.process_mint(pair.model, tx, 12)
    pair.evm.process_mint(tx, 12)
    # A reorg orphans the block: the model undoes the mint, the chain restores its state.
    model.undo_mint(pair.model, event, 20)
    pair.evm.restore(before)
    assert _check(pair, "again", pair.step("mint", tx, 24)) == ("mint", 1, 80, (0, 1, 2))
    assert _check(pair, "bucket", pair.step("mint", _mint(_cert(committee, 2, 40)), 30)) == (
        "revert", "rate_limited")
