"""Ed25519: the model's libsodium and the checker's OpenSSL sign and judge alike."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker.agreement import vote_verify
from bridgelab.core import memo
from bridgelab.crypto import ed25519, symbolic
from bridgelab.crypto.ed25519 import Ed25519Signer, openssl_verify, prime_order_key

seeds = st.binary(min_size=32, max_size=32)
messages = st.binary(max_size=200)


@settings(max_examples=60, deadline=None)
@given(seeds, messages)
def test_libsodium_signs_as_openssl_does(seed, message):
    openssl_key = Ed25519PrivateKey.from_private_bytes(seed)
    signer = Ed25519Signer(seed)
    assert signer.public_key == openssl_key.public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw
    )
    assert signer.sign(message) == openssl_key.sign(message)
    assert "redacted" in repr(signer) and seed.hex() not in repr(signer)


@settings(max_examples=80, deadline=None)
@given(seeds, seeds, messages, st.integers(0, 64 * 8 - 1), st.binary(min_size=64, max_size=64))
def test_the_two_verifiers_agree_under_a_validator_s_key(seed, other_seed, message, bit, noise):
    signer, other = Ed25519Signer(seed), Ed25519Signer(other_seed)
    signature = signer.sign(message)
    flipped = bytearray(signature)
    flipped[bit // 8] ^= 1 << bit % 8
    cases = [
        (signer.public_key, message, signature, True),
        (signer.public_key, message + b"!", signature, False),
        (signer.public_key, message, bytes(flipped), False),
        (signer.public_key, message, noise, False),
        (other.public_key, message, signature, seed == other_seed),
    ]
    for public_key, text, sig, valid in cases:
        memo.reset()
        assert ed25519.verify(public_key, text, sig) is valid
        assert openssl_verify(public_key, text, sig) is valid


ZERO_KEY = bytes(32)  # a point of order 4


@settings(max_examples=80, deadline=None)
@given(messages)
def test_libsodium_refuses_the_zero_signature_under_a_small_order_key(message):
    """The one known difference: OpenSSL's cofactorless check accepts the zero signature
    under the zero key for some messages (107 of 400 tried), libsodium for none. Validator
    keys come from the run's seed and are never of small order; were one recorded, the
    checker would refuse votes under it (below)."""
    assert not ed25519.verify(ZERO_KEY, message, bytes(64))


@pytest.mark.parametrize("message", [b"any vote", b"7"])
def test_openssl_accepts_the_zero_signature_under_the_zero_key_for_some_messages(message):
    assert openssl_verify(ZERO_KEY, message, bytes(64))
    assert not ed25519.verify(ZERO_KEY, message, bytes(64))
    # The checker names no culprit on such a vote: the key is of small order.
    assert not prime_order_key(ZERO_KEY)
    assert not vote_verify("real", ZERO_KEY, message, bytes(64))


def test_validators_keys_are_of_prime_order():
    assert all(prime_order_key(Ed25519Signer(bytes([i]) * 32).public_key) for i in range(50))
    assert not prime_order_key(ZERO_KEY.hex())  # a hex string is no key


@pytest.mark.parametrize("verify", [ed25519.verify, openssl_verify])
def test_malformed_keys_and_signatures_verify_nothing(verify):
    signer = Ed25519Signer(b"\x07" * 32)
    signature = signer.sign(b"vote")
    assert verify(signer.public_key, b"vote", signature)
    assert not verify(signer.public_key[:31], b"vote", signature)
    assert not verify(signer.public_key, b"vote", signature[:63])
    assert not verify(signer.public_key, b"vote", signature + b"\x00")
    assert not verify(signer.public_key.hex(), b"vote", signature)


def test_a_wrong_vote_verdict_in_the_model_s_memo_never_reaches_the_checker():
    signer = Ed25519Signer(b"\x09" * 32)
    forged = b"\x01" * 64
    try:
        # As a bug would: the model's memo says the forged vote verifies.
        ed25519.verify.memo.cache.get_or_compute(
            (signer.public_key, b"vote", forged), lambda: True
        )
        assert ed25519.verify(signer.public_key, b"vote", forged)
        assert not vote_verify("real", signer.public_key, b"vote", forged)
        assert vote_verify("real", signer.public_key, b"vote", signer.sign(b"vote"))
    finally:
        memo.reset()


def test_a_wrong_symbolic_signature_in_the_model_s_memo_never_reaches_the_checker():
    signer = symbolic.SymbolicEd25519Signer(b"\x0a" * 32)
    genuine = signer.sign(b"vote")
    forged = bytes(64)
    memo.reset()
    try:
        symbolic.ed25519_signature.memo.cache.get_or_compute(
            (signer.public_key, b"vote"), lambda: forged
        )
        assert symbolic.symbolic_ed25519_verify(signer.public_key, b"vote", forged)
        assert not vote_verify("symbolic", signer.public_key, b"vote", forged)
        assert vote_verify("symbolic", signer.public_key, b"vote", genuine)
    finally:
        memo.reset()
