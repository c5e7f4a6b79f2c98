"""Trust roots are versioned; a rotation needs strictly more than 2/3 of the current members."""

from __future__ import annotations

import dataclasses

import pytest

from bridgelab.consortium.escrow import ESCROW_CONTRACT
from bridgelab.core.rng import Streams
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.protocol.revert import Revert
from bridgelab.protocol.rotation import RotationCertificate, check_rotation, rotation_digest
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.settlement.bridge_contract import BridgeState, process_mint, process_rotate
from bridgelab.settlement.transactions import Fee, MintTx, RotateTx


@pytest.fixture
def committees():
    old = MultisigCustody(Streams(1), 9, 6, (0,))
    new = MultisigCustody(Streams(2), 9, 6, (0,))
    return old, new


def _rotation(old, new, signers, version=2):
    new_root = new.trust_root(version)
    digest = rotation_digest(1, new_root)
    return RotationCertificate(
        new_root, tuple(old.governance_sign(member, digest) for member in signers)
    )


def test_exactly_two_thirds_is_not_enough(committees):
    old, new = committees
    assert check_rotation(old.trust_root(1), _rotation(old, new, range(6))) == "supermajority"


def test_more_than_two_thirds_rotates(committees):
    old, new = committees
    assert check_rotation(old.trust_root(1), _rotation(old, new, range(7))) == "ok"


def test_rotation_must_name_the_next_version(committees):
    old, new = committees
    rotation = _rotation(old, new, range(9), version=3)
    assert check_rotation(old.trust_root(1), rotation) == "version_successor"


def test_duplicate_and_foreign_signatures_are_refused(committees):
    old, new = committees
    rotation = _rotation(old, new, [0, 1, 2, 3, 4, 5, 5])
    assert check_rotation(old.trust_root(1), rotation) == "duplicate_signer"
    foreign = _rotation(new, new, range(7))
    assert check_rotation(old.trust_root(1), foreign) == "unauthorised_signer"


def test_signatures_for_one_rotation_do_not_authorise_another(committees):
    old, new = committees
    rotation = _rotation(old, new, range(9))
    other_root = dataclasses.replace(rotation.new_root, threshold=1)
    replayed = RotationCertificate(other_root, rotation.signatures)
    assert check_rotation(old.trust_root(1), replayed) == "unauthorised_signer"


def test_after_rotation_the_old_committee_cannot_mint(committees):
    old, new = committees
    state = BridgeState(old.trust_root(1), VerifierConfig(), ESCROW_CONTRACT)
    message = BridgeMessage("deposit", 0, "A", 10, "u", "u", ESCROW_CONTRACT, 1, bytes(32))
    old_cert = old.assemble(
        message, 1, {m: old.endorse(m, message.digest(1)) for m in range(6)}
    )
    process_rotate(state, RotateTx("r", "gov", 0.0, Fee(0, 0), _rotation(old, new, range(7))))
    assert state.trust_root.version == 2
    with pytest.raises(Revert) as caught:
        process_mint(state, MintTx("m", "relayer", 0.0, Fee(0, 0), old_cert))
    assert caught.value.check == "certificate_trust_root_version"
    new_cert = new.assemble(
        message, 2, {m: new.endorse(m, message.digest(2)) for m in range(6)}
    )
    assert process_mint(state, MintTx("m2", "relayer", 0.0, Fee(0, 0), new_cert)).amount == 10
