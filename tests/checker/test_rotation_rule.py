"""The checker's rotation rule (`checker/policy.py`) is its own statement of the contract's.

Stated apart so that a contract counting wrongly cannot make a weaker root look governed
(tests/checker/test_monitor.py shows that); here the two statements agree on every rotation.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker.policy import rotation_failure
from bridgelab.core.rng import Streams
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.protocol.messages import TrustRoot
from bridgelab.protocol.rotation import RotationCertificate, check_rotation, rotation_digest

CURRENT = MultisigCustody(Streams(31), 7, 5, (0,))
OUTSIDERS = MultisigCustody(Streams(32), 3, 2, ())
SUCCESSOR = MultisigCustody(Streams(33), 4, 3, ()).trust_root(2)


@st.composite
def rotations(draw):
    current = CURRENT.trust_root(draw(st.sampled_from([1, 2])))
    # Mostly well-formed successors, so that the signature checks are reached.
    version = current.version + draw(st.sampled_from([1, 1, 1, 0, 2]))
    signers = draw(st.sampled_from([SUCCESSOR.signers] * 3 + [(), SUCCESSOR.signers[:1]]))
    threshold = draw(st.integers(0, len(signers) + 1))
    new_root = TrustRoot(version, SUCCESSOR.scheme, signers, threshold, SUCCESSOR.required,
                         SUCCESSOR.group_key)
    digest = rotation_digest(current.version, new_root)
    # Members 0-6 sign as members, 7-9 as outsiders; "junk" is no signature at all.
    who = st.one_of(st.integers(0, 6), st.integers(0, 6), st.integers(7, 9), st.just("junk"))
    signers_drawn = draw(st.lists(who, max_size=9))
    signatures = []
    for who in signers_drawn:
        if who == "junk":
            signatures.append(b"\x01" * 65)
        elif who < 7:
            signatures.append(CURRENT.governance_sign(who, digest))
        else:
            signatures.append(OUTSIDERS.governance_sign(who - 7, digest))
    if draw(st.booleans()) and signatures:  # one signed over another root's digest
        other = rotation_digest(current.version, SUCCESSOR)
        signatures[0] = CURRENT.governance_sign(0, other)
    return current, new_root, tuple(signatures)


@settings(max_examples=300, deadline=None)
@given(rotations())
def test_the_checker_and_the_contract_judge_every_rotation_alike(case):
    current, new_root, signatures = case
    contract = check_rotation(current, RotationCertificate(new_root, signatures), "real")
    checker = rotation_failure(current, new_root, signatures, "real")
    assert (checker or "ok") == contract


def test_exactly_more_than_two_thirds_is_a_supermajority():
    current = CURRENT.trust_root(1)
    digest = rotation_digest(1, SUCCESSOR)
    signed = [CURRENT.governance_sign(m, digest) for m in range(7)]
    # 7 members: 4 is not more than two thirds (4.67), 5 is.
    assert rotation_failure(current, SUCCESSOR, tuple(signed[:4]), "real") == "supermajority"
    assert rotation_failure(current, SUCCESSOR, tuple(signed[:5]), "real") is None


def test_a_member_counted_twice_is_refused_before_the_count():
    current = CURRENT.trust_root(1)
    digest = rotation_digest(1, SUCCESSOR)
    signed = [CURRENT.governance_sign(m, digest) for m in (0, 1, 2, 3, 3)]
    assert rotation_failure(current, SUCCESSOR, tuple(signed), "real") == "duplicate_signer"
