"""Ed25519 keys for consortium validators, derived deterministically from the run's seed.

The model signs and verifies on libsodium (through PyNaCl): it verifies in about half
OpenSSL's time and signs in about 0.6 (docs/performance.md). The checker verifies on
OpenSSL (`openssl_verify`), a second implementation, as its BLS checks run on a library
other than the model's. Ed25519 signing is deterministic (RFC 8032), so both give the same
signature bytes (tests/crypto/test_ed25519.py).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.bindings import (
    crypto_core_ed25519_is_valid_point,
    crypto_sign,
    crypto_sign_BYTES,
    crypto_sign_open,
    crypto_sign_PUBLICKEYBYTES,
    crypto_sign_seed_keypair,
)
from nacl.exceptions import CryptoError

from bridgelab.core import memo

PUBLIC_KEY_BYTES = crypto_sign_PUBLICKEYBYTES
SIGNATURE_BYTES = crypto_sign_BYTES


class Ed25519Signer:
    """A validator's signing key; the private half never leaves this object."""

    __slots__ = ("_secret", "public_key")

    def __init__(self, seed: bytes) -> None:
        # libsodium's secret key is the seed followed by the public key.
        self.public_key, self._secret = crypto_sign_seed_keypair(seed)

    def sign(self, message: bytes) -> bytes:
        # crypto_sign returns the signature followed by the message.
        return crypto_sign(message, self._secret)[:SIGNATURE_BYTES]

    def __repr__(self) -> str:
        return f"Ed25519Signer(public_key={self.public_key.hex()}, <secret redacted>)"


def _well_formed(public_key: bytes, signature: bytes) -> bool:
    # Kept in front of every verification: PyNaCl 1.5's crypto_sign_open hands the key to C
    # without checking its length.
    return (type(public_key) is bytes and len(public_key) == PUBLIC_KEY_BYTES
            and type(signature) is bytes and len(signature) == SIGNATURE_BYTES)


# Every validator and light client checks the same votes.
@memo.pure("crypto/ed25519-verify")
def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Ed25519 verification (libsodium: an invalid or small-order key verifies nothing)."""
    if not _well_formed(public_key, signature):
        return False
    try:
        crypto_sign_open(signature + message, public_key)
    except CryptoError:
        return False
    return True


def openssl_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Ed25519 verification on OpenSSL, unmemoised: the checker's, apart from the model's."""
    if not _well_formed(public_key, signature):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def prime_order_key(public_key: bytes) -> bool:
    """Whether `public_key` is a canonical point of the prime-order subgroup: a key of small
    order proves nothing (OpenSSL accepts the zero signature under some of them)."""
    return (type(public_key) is bytes and len(public_key) == PUBLIC_KEY_BYTES
            and crypto_core_ed25519_is_valid_point(public_key))
