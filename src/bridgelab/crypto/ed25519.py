"""Ed25519 keys for consortium validators, derived deterministically from the run's seed."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bridgelab.crypto.memo import BoundedCache


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


_PUBLIC_CACHE: dict[bytes, Ed25519PublicKey] = {}


_VERIFIED: BoundedCache[tuple[bytes, bytes, bytes], bool] = BoundedCache()


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Ed25519 verification, memoised on the exact bytes (see `crypto.memo`)."""
    return _VERIFIED.get_or_compute(
        (public_key, message, signature), _verify, public_key, message, signature
    )


def _verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    key = _PUBLIC_CACHE.get(public_key)
    if key is None:
        try:
            key = Ed25519PublicKey.from_public_bytes(public_key)
        except ValueError:
            return False
        _PUBLIC_CACHE[public_key] = key
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
