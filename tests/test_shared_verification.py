"""Answers the committee, relayers and verifiers share change cost, not meaning: a shared
answer is the one a fresh computation gives, and is never taken for another question's."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.crypto import merkle, symbolic
from bridgelab.crypto.secp256k1 import EcdsaSigner
from bridgelab.protocol.messages import (
    BatchPath,
    BridgeMessage,
    Certificate,
    TrustRoot,
    batch_digest,
)
from bridgelab.protocol.verifier import (
    Verdict,
    VerifierConfig,
    verify_certificate,
    verify_multisig_signatures,
    verify_multisig_signatures_memoised,
)


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
        remembered = verify_multisig_signatures_memoised(trust_root, verifier, signed,
                                                         signatures)
        assert remembered.check == check
        assert remembered == verify_multisig_signatures(trust_root, verifier, signed,
                                                        signatures)
    # Fewer signatures over the same digest are checked afresh.
    assert verify_multisig_signatures_memoised(root, config, signed, signatures[:2]).check == (
        "below_threshold")


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_a_symbolic_signer_leaves_the_answer_a_fresh_recovery_gives(secret, digest):
    signer = symbolic.SymbolicEcdsaSigner(secret)
    signature = signer.sign_digest(digest)
    assert symbolic.symbolic_ecrecover(digest, signature) == signer.address
    assert symbolic._symbolic_ecrecover(digest, signature) == signer.address
    # Only the signature it made is answered for: altered bytes are recovered afresh.
    altered = signature[:40] + bytes([signature[40] ^ 1]) + signature[41:]
    assert symbolic.symbolic_ecrecover(digest, altered) is None
    other_digest = bytes([digest[0] ^ 1]) + digest[1:]
    assert symbolic.symbolic_ecrecover(other_digest, signature) is None
