"""secp256k1 ECDSA with Ethereum semantics: keccak256 digests, recoverable low-s signatures.

`ecrecover` is how the destination contract learns who signed; addresses are keccak-derived.
"""

from __future__ import annotations

import coincurve

from bridgelab.crypto.hashing import keccak256

CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_ORDER = CURVE_ORDER // 2
ECRECOVER_GAS = 3_000


def address_of(public_key: coincurve.PublicKey) -> str:
    """The Ethereum address: last 20 bytes of keccak256 of the uncompressed point."""
    return "0x" + keccak256(public_key.format(compressed=False)[1:])[-20:].hex()


class EcdsaSigner:
    """A committee member's multisig key; the private half never leaves this object."""

    __slots__ = ("_key", "address")

    def __init__(self, secret: bytes) -> None:
        scalar = int.from_bytes(secret, "big") % (CURVE_ORDER - 1) + 1
        self._key = coincurve.PrivateKey.from_int(scalar)
        self.address = address_of(self._key.public_key)

    def sign_digest(self, digest: bytes) -> bytes:
        """65 bytes r || s || v with low s (libsecp256k1 normalises), v in {27, 28}."""
        raw = self._key.sign_recoverable(digest, hasher=None)
        return raw[:64] + bytes([raw[64] + 27])

    def __repr__(self) -> str:
        return f"EcdsaSigner(address={self.address}, <secret redacted>)"


def ecrecover(digest: bytes, signature: bytes) -> str | None:
    """The signer's address, or None for a malformed or high-s signature (as the precompile).

    Memoised, with its symbolic stand-in, as `symbolic.recover_signer`.
    """
    if len(signature) != 65 or len(digest) != 32:
        return None
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    if v not in (27, 28) or not (0 < r < CURVE_ORDER) or not (0 < s <= HALF_ORDER):
        return None
    try:
        public_key = coincurve.PublicKey.from_signature_and_message(
            signature[:64] + bytes([v - 27]), digest, hasher=None
        )
    except ValueError:
        return None
    return address_of(public_key)
