"""Answers the committee, relayers and verifiers share change cost, not meaning: a shared
answer is the one a fresh computation gives, and is never taken for another question's."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.actors.ledger import SignedLedger
from bridgelab.core import memo
from bridgelab.crypto import merkle, symbolic
from bridgelab.crypto.secp256k1 import EcdsaSigner
from bridgelab.protocol.messages import (
    BatchPath,
    BridgeMessage,
    Certificate,
    TrustRoot,
    batch_digest,
    certificate_fields,
)
from bridgelab.protocol.verifier import (
    Verdict,
    VerifierConfig,
    verify_certificate,
    verify_multisig_signatures,
)
from tests.actors.ledger_rule import keeps_one_digest


def test_a_batch_s_certificates_share_a_signature_verdict_keyed_on_root_and_configuration():
    signers = [EcdsaSigner(bytes([index + 1]) * 32) for index in range(4)]
    root = TrustRoot(1, "multisig", tuple(signer.address for signer in signers), 3, ())
    messages = [
        BridgeMessage("deposit", nonce, "USDC", 100, "alice", "bob", "escrow", 4, b"\x01" * 32)
        for nonce in (7, 8)
    ]
    digests = [message.digest(1) for message in messages]
    batch_root = merkle.root(digests)
    signed = batch_digest(batch_root, len(digests), 1)
    signatures = tuple(signer.sign_digest(signed) for signer in signers[:3])
    batch_cert = Certificate(messages[0], 1, "multisig", signatures, (0, 1, 2))
    config = VerifierConfig()
    for index, message in enumerate(messages):
        path = BatchPath(batch_root, merkle.prove(digests, index))
        cert = batch_cert.for_batch_member(message, path)
        assert verify_certificate(root, config, cert) == Verdict(True, "ok", (0, 1, 2))
    # Roots that hash alike (same version, scheme and threshold) but name another signer or
    # require a member who did not sign, and a configuration with a higher threshold: each
    # gets its own answer, the one a fresh check gives, whatever was asked before.
    other_signer = replace(root, signers=(signers[3].address, *root.signers[1:]))
    requires_absent = replace(root, required=(3,))
    higher_threshold = VerifierConfig(threshold_override=4)
    expected = [
        (other_signer, config, "unauthorised_signer"),
        (requires_absent, config, "required_member_missing"),
        (root, higher_threshold, "below_threshold"),
        (root, config, "ok"),
    ]
    for trust_root, verifier, check in expected:
        remembered = verify_multisig_signatures(trust_root, verifier, signed, signatures)
        assert remembered.check == check
        assert remembered == memo.raw(verify_multisig_signatures)(
            trust_root, verifier, signed, signatures
        )
    # Fewer signatures over the same digest are checked afresh.
    assert verify_multisig_signatures(root, config, signed, signatures[:2]).check == (
        "below_threshold")


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_a_symbolic_signature_recovers_its_signer_and_nothing_else(secret, digest):
    signer = symbolic.SymbolicEcdsaSigner(secret)
    signature = signer.sign_digest(digest)
    assert symbolic.symbolic_ecrecover(digest, signature) == signer.address
    assert symbolic.symbolic_ecrecover(digest, signature) == signer.address
    # Only the signature it made is answered for: altered bytes are recovered afresh.
    altered = signature[:40] + bytes([signature[40] ^ 1]) + signature[41:]
    assert symbolic.symbolic_ecrecover(digest, altered) is None
    other_digest = bytes([digest[0] ^ 1]) + digest[1:]
    assert symbolic.symbolic_ecrecover(other_digest, signature) is None


def _hashing_verify(expected_root: bytes, leaf: bytes, proof: merkle.Proof) -> bool:
    """`merkle.verify` as plain hashing along the path, one call per node."""
    if not 0 <= proof.index < proof.leaf_count:
        return False
    if len(proof.siblings) != max(0, (proof.leaf_count - 1).bit_length()):
        return False
    current = merkle.leaf_hash(leaf)
    position = proof.index
    for sibling in proof.siblings:
        pair = (sibling, current) if position & 1 else (current, sibling)
        current = merkle.node_hash(*pair)
        position //= 2
    return current == expected_root


@settings(max_examples=80, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=12), st.data())
def test_a_proof_is_verified_as_hashing_along_it_says(leaves, data):
    root = merkle.root(leaves)
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = merkle.prove(leaves, index)
    other_leaf = data.draw(st.binary(max_size=8))
    other_index = data.draw(st.integers(0, len(leaves)))
    other_count = data.draw(st.integers(1, 2 * len(leaves)))
    candidates = [
        (root, leaves[index], proof),
        (root, other_leaf, proof),
        (root, leaves[index], replace(proof, index=other_index)),
        (root, leaves[index], replace(proof, leaf_count=other_count)),
        (merkle.leaf_hash(other_leaf), leaves[index], proof),
    ]
    if proof.siblings:
        flipped = bytes([proof.siblings[0][0] ^ 1]) + proof.siblings[0][1:]
        candidates.append((root, leaves[index], replace(proof, siblings=(
            flipped, *proof.siblings[1:]))))
    for candidate in candidates:
        assert merkle.verify(*candidate) == _hashing_verify(*candidate)
    assert merkle.verify(root, leaves[index], proof)


def test_trees_that_share_a_root_each_prove_their_own_leaves():
    # [a, b, c] repeats c to pair it, so [a, b, c, c] has the same root; each tree's proofs
    # carry its own leaf count, and both verify, as hashing along them does.
    three = [b"first leaf", b"second leaf", b"third leaf"]
    four = [*three, three[-1]]
    root = merkle.root(three)
    assert merkle.root(four) == root
    for leaves in (three, four):
        for index, proof in enumerate(merkle.prove_all(leaves)):
            assert merkle.verify(root, leaves[index], proof)
            assert _hashing_verify(root, leaves[index], proof)


class _PlainLedger:
    """The ledger's rule with nothing kept between calls: a list of (key, digest, epoch,
    members) per key, read afresh every time."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, int], list[list]] = {}

    def latest_all(self, keys, member):
        answers = []
        for key in keys:
            found = None
            for digest, epoch, members in self.entries.get(key, []):
                if members >> member & 1 and (found is None or epoch >= found[1]):
                    found = (digest, epoch)
            answers.append(found)
        return answers

    def add_all(self, keys, member, digests, epoch):
        for key, digest in zip(keys, digests, strict=True):
            entries = self.entries.setdefault(key, [])
            for entry in entries:
                if entry[0] == digest and entry[1] == epoch:
                    entry[2] |= 1 << member
                    break
            else:
                entries.append([digest, epoch, 1 << member])


# A few keys tuples and digest tuples, each one object reused as a batch's are (one repeats a
# key), and calls that read or record them in any order.
_KEY_SETS = ((("deposit", 1), ("deposit", 2)), (("deposit", 2), ("deposit", 3)),
             (("deposit", 3), ("deposit", 3)))
_DIGEST_SETS = ((b"a", b"b"), (b"a", b"c"), (b"c", b"c"))
_ledger_calls = st.lists(st.tuples(
    st.sampled_from(["latest_all", "add_all", "add"]),
    st.integers(0, len(_KEY_SETS) - 1),
    st.integers(0, 3),  # member
    st.integers(0, len(_DIGEST_SETS) - 1),
    st.integers(0, 1),  # epoch
), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_ledger_calls)
def test_the_ledger_answers_as_one_that_reads_afresh_every_time(calls):
    ledger, plain = SignedLedger(), _PlainLedger()
    signed: dict = {}  # signings that break the committee's rule are left out, as it does
    for kind, key_set, member, digest_set, epoch in calls:
        keys, digests = _KEY_SETS[key_set], _DIGEST_SETS[digest_set]
        if kind == "latest_all":
            assert ledger.latest_all(keys, member) == plain.latest_all(keys, member)
            assert ledger.signed_any(keys, member) == any(plain.latest_all(keys, member))
        elif kind == "add_all":
            if keeps_one_digest(signed, member, keys, digests):
                ledger.add_all(keys, member, digests, epoch)
                plain.add_all(keys, member, digests, epoch)
        elif keeps_one_digest(signed, member, keys[:1], digests[:1]):
            ledger.add(keys[0], member, digests[0], epoch)
            plain.add_all(keys[:1], member, digests[:1], epoch)
    every_key = sorted({key for keys in _KEY_SETS for key in keys})
    for member in range(4):
        assert ledger.latest_all(every_key, member) == plain.latest_all(every_key, member)
        for keys in _KEY_SETS:
            assert ledger.signed_any(keys, member) == any(plain.latest_all(keys, member))
    assert len(ledger) == len(plain.entries)


def _ed25519_by_definition(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """A symbolic Ed25519 signature as crypto/symbolic.py defines it: 64 bytes, the tag over
    (domain, key, message), then the marker."""
    if len(signature) != 64 or signature[32:] != symbolic._ED25519_MARKER:
        return False
    tag = hashlib.sha256(symbolic.ED25519_DOMAIN + public_key + message).digest()
    return signature[:32] == tag


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=40), st.integers(0, 63))
def test_a_remembered_ed25519_signature_verifies_as_the_definition_says(seed, message, flip):
    signer = symbolic.SymbolicEd25519Signer(seed)
    signature = signer.sign(message)
    altered = signature[:flip] + bytes([signature[flip] ^ 1]) + signature[flip + 1 :]
    for candidate in (signature, altered, signature[:63], signature + b"\x00", b""):
        for key, text in ((signer.public_key, message), (signer.public_key, message + b"!")):
            assert symbolic.symbolic_ed25519_verify(key, text, candidate) == (
                _ed25519_by_definition(key, text, candidate))
    assert symbolic.symbolic_ed25519_verify(signer.public_key, message, signature)


def test_a_batch_s_certificates_record_their_shared_signatures_in_lists_of_their_own():
    signatures = (b"\x01" * 65, b"\x02" * 65)
    message = BridgeMessage("deposit", 7, "USDC", 100, "alice", "bob", "escrow", 4, b"\x01" * 32)
    first = certificate_fields(Certificate(message, 1, "multisig", signatures, (0, 1)))
    second = certificate_fields(
        Certificate(replace(message, nonce=8), 1, "multisig", signatures, (0, 1))
    )
    assert first["signatures"] == second["signatures"] == [s.hex() for s in signatures]
    first["signatures"].append("changed")
    assert second["signatures"] == [s.hex() for s in signatures]
    # Other signatures, even in a tuple equal in length, get their own hex.
    other = (b"\x03" * 65, b"\x02" * 65)
    assert certificate_fields(Certificate(message, 1, "multisig", other, (0, 1)))[
        "signatures"] == [s.hex() for s in other]


def test_the_ledger_follows_a_batch_s_members_signing_in_turn():
    """As in a run: each member asks about the batch's keys, then records its signatures;
    a second batch shares a key, and a refresh signs again in a new epoch."""
    ledger, plain = SignedLedger(), _PlainLedger()
    first = (("deposit", 1), ("deposit", 2), ("deposit", 3))
    second = (("deposit", 3), ("deposit", 4))
    for keys, epoch in ((first, 0), (second, 0), (first, 1)):
        digests = tuple(bytes([nonce]) * 32 for _, nonce in keys)
        for member in range(6):
            assert ledger.signed_any(keys, member) == any(plain.latest_all(keys, member))
            assert ledger.latest_all(keys, member) == plain.latest_all(keys, member)
            ledger.add_all(keys, member, digests, epoch)
            plain.add_all(keys, member, digests, epoch)
            assert ledger.signed_any(keys, member)
        for member in range(7):
            for asked in (first, second):
                assert ledger.signed_any(asked, member) == any(plain.latest_all(asked, member))
                assert ledger.latest_all(asked, member) == plain.latest_all(asked, member)
