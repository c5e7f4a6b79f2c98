"""ECDSA over secp256k1 with an explicit nonce, and the key recovery a reused nonce allows.

libsecp256k1 derives each nonce deterministically (RFC 6979), so it never repeats one; a
signer with a broken nonce source does (Anyswap 2021). Two signatures by one key over two
digests with the same nonce k share r, and then

    s1 - s2 = k^-1 (z1 - z2)   gives k,   and   d = (s1 k - z1) / r   gives the key.

Signatures here are Ethereum's 65-byte r || s || v with low s, so `secp256k1.ecrecover`
accepts them exactly as it accepts libsecp256k1's.
"""

from __future__ import annotations

import coincurve

from bridgelab.crypto.secp256k1 import CURVE_ORDER, HALF_ORDER, EcdsaSigner, address_of

N = CURVE_ORDER


def _z(digest: bytes | int) -> int:
    """The digest as a scalar (a 32-byte digest is used whole, reduced mod n)."""
    if isinstance(digest, int):
        return digest % N
    if len(digest) != 32:
        raise ValueError("digest must be 32 bytes")
    return int.from_bytes(digest, "big") % N


def _scalar(value: int, what: str) -> int:
    if not 0 < value < N:
        raise ValueError(f"{what} must be in 1..n-1")
    return value


def public_key(secret: int) -> coincurve.PublicKey:
    return coincurve.PublicKey.from_secret(_scalar(secret, "secret").to_bytes(32, "big"))


def sign_with_nonce(secret: int, digest: bytes | int, nonce: int) -> bytes:
    """r || s || v for `digest` by key `secret` with the nonce given, s normalised low."""
    d = _scalar(secret, "secret")
    k = _scalar(nonce, "nonce")
    x, y = public_key(k).point()
    r = x % N
    if r == 0:
        raise ValueError("nonce gives r = 0")
    s = pow(k, -1, N) * (_z(digest) + r * d) % N
    if s == 0:
        raise ValueError("nonce gives s = 0")
    # Recovery id: the parity of R.y, plus 2 if R.x overflowed n (which ecrecover refuses).
    recovery_id = (y & 1) | (2 if x >= N else 0)
    if s > HALF_ORDER:
        s = N - s  # -s signs with -k, whose point has the opposite y parity
        recovery_id ^= 1
    if recovery_id > 1:
        raise ValueError("nonce gives R.x >= n: not representable for ecrecover")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([27 + recovery_id])


def _rs(signature: bytes) -> tuple[int, int]:
    if len(signature) != 65:
        raise ValueError("signature must be 65 bytes")
    return int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")


def _signer_key(digest: bytes | int, signature: bytes) -> bytes:
    """The public key (compressed) that made `signature` over `digest`."""
    message = _z(digest).to_bytes(32, "big") if isinstance(digest, int) else digest
    recoverable = signature[:64] + bytes([signature[64] - 27])
    key = coincurve.PublicKey.from_signature_and_message(recoverable, message, hasher=None)
    return key.format()


def recover_private_key(
    z1: bytes | int, sig1: bytes, z2: bytes | int, sig2: bytes
) -> int:
    """The private key behind two signatures that share a nonce; ValueError if they do not.

    Low-s normalisation may have negated either s, so both relative signs are tried; the
    candidate whose public key made `sig1` is the key.
    """
    r1, s1 = _rs(sig1)
    r2, s2 = _rs(sig2)
    if r1 != r2:
        raise ValueError("the signatures do not share a nonce (different r)")
    e1, e2 = _z(z1), _z(z2)
    if e1 == e2:
        raise ValueError("the same digest twice reveals nothing")
    r = r1
    target = _signer_key(z1, sig1)
    for s2_signed in (s2, N - s2):
        difference = (s1 - s2_signed) % N
        if difference == 0:
            continue
        k = (e1 - e2) * pow(difference, -1, N) % N
        d = (s1 * k - e1) * pow(r, -1, N) % N
        if d and public_key(d).format() == target:
            return d
    raise ValueError("no key is consistent with both signatures")


def address_of_secret(secret: int) -> str:
    return address_of(public_key(secret))


def signer_from_secret(secret: int) -> EcdsaSigner:
    """An `EcdsaSigner` holding exactly `secret` (it maps its seed s to s mod (n-1) + 1)."""
    return EcdsaSigner((_scalar(secret, "secret") - 1).to_bytes(32, "big"))


class NonceReusingSigner:
    """A broken member signer: the right key, but every signature uses the same nonce."""

    __slots__ = ("_nonce", "_secret", "address")

    def __init__(self, secret: int, nonce: int) -> None:
        self._secret = _scalar(secret, "secret")
        self._nonce = _scalar(nonce, "nonce")
        self.address = address_of_secret(secret)

    @classmethod
    def replacing(cls, signer: EcdsaSigner | NonceReusingSigner, nonce: int) -> NonceReusingSigner:
        """The same member's key behind flawed signing software (already flawed: unchanged)."""
        if isinstance(signer, NonceReusingSigner):
            return signer
        return cls(signer._key.to_int(), nonce)

    def sign_digest(self, digest: bytes) -> bytes:
        return sign_with_nonce(self._secret, digest, self._nonce)

    def __repr__(self) -> str:
        return f"NonceReusingSigner(address={self.address}, <secret redacted>)"
