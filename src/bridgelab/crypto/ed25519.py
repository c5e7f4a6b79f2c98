"""Ed25519 keys for consortium validators, derived deterministically from the run's seed."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bridgelab.core import memo


class Ed25519Signer:
    """A validator's signing key; the private half never leaves this object."""

    __slots__ = ("_key", "public_key")

    def __init__(self, seed: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"Ed25519Signer(public_key={self.public_key.hex()}, <secret redacted>)"


# A consortium has a handful of validators, whose keys every vote's check parses.
@memo.pure("crypto/ed25519-public-key", size=1_024)
def _public_key(public_key: bytes) -> Ed25519PublicKey | None:
    """The library's key object for 32 raw bytes (None if they are not a valid key)."""
    try:
        return Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        return None


# Every validator and light client checks the same votes.
@memo.pure("crypto/ed25519-verify")
def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Ed25519 verification."""
    key = _public_key(public_key)
    if key is None:
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
