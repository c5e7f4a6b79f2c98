"""BLS12-381 on supranational's blst (through pyblst): hashing, signing, decoding and pairings.

blst hashes to G2, multiplies and checks pairings in about half of arkworks' time. Linear
combinations with short coefficients (Lagrange coefficients at zero are small integers) are a
joint double-and-add over blst's group law; long ones go to arkworks' multiexp, on points blst
has checked. Multiples of the generator are a fixed-base comb. Both agree byte for byte with
py_ecc (tests/crypto/test_bls_backends.py); tests/crypto/test_bls_comb.py holds the comb to
both libraries' own multiplication and the long path to arkworks'.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from py_arkworks_bls12381 import G1Point, G2Point
from pyblst import BlstP1Element, BlstP2Element, final_verify, miller_loop

# Below this many bits per coefficient a joint double-and-add (one doubling per bit, one
# addition per set bit) beats arkworks' multiexp plus arkworks reading the points again.
SHORT_SCALAR_BITS = 32

from bridgelab.core import memo  # noqa: E402
from bridgelab.crypto.bls.backend import (  # noqa: E402
    _LRU,
    CURVE_ORDER,
    DST,
    G1_BYTES,
    G1_IDENTITY,
    G2_BYTES,
    BLSBackend,
    InvalidPointError,
    _check_lengths,
    _check_sk,
)
from bridgelab.crypto.bls.backend_arkworks import multiexp  # noqa: E402
from bridgelab.crypto.bls.comb import Comb  # noqa: E402

# The generators' canonical compressed encodings (the same bytes py_ecc and arkworks give).
_G1_GENERATOR = bytes.fromhex(
    "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
)
_G2_GENERATOR = bytes.fromhex(
    "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
    "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
)


def _short_signed(scalars: Sequence[int]) -> list[int] | None:
    """Each scalar as the signed integer of least magnitude (k or k - r), or None if one of
    them is longer than SHORT_SCALAR_BITS."""
    signed = []
    for k in scalars:
        k %= CURVE_ORDER
        value = k - CURVE_ORDER if CURVE_ORDER - k < k else k
        if abs(value).bit_length() > SHORT_SCALAR_BITS:
            return None
        signed.append(value)
    return signed


def _joint_double_and_add(points: list[Any], scalars: list[int], identity: Any) -> Any:
    """Σ scalars[i]·points[i] with one shared doubling per bit: Straus' method, window 1."""
    terms = [(-point if k < 0 else point, abs(k)) for point, k in zip(points, scalars,
                                                                      strict=True) if k]
    total = identity
    for bit in reversed(range(max((k.bit_length() for _, k in terms), default=0))):
        total = total + total
        for point, k in terms:
            if k >> bit & 1:
                total = total + point
    return total


class BlstBackend(BLSBackend):
    """Signatures, decoding and pairings on blst; long linear combinations on arkworks' multiexp.

    Decoding is blst's `uncompress`, which checks the curve equation and the subgroup; a
    byte-exact round trip is demanded on top, as for arkworks, so only canonical encodings pass.
    """

    name: ClassVar[str] = "blst"

    def __init__(self, cache_size: int = 16384) -> None:
        super().__init__(cache_size)
        self._gen1 = BlstP1Element.uncompress(_G1_GENERATOR)
        self._gen2 = BlstP2Element.uncompress(_G2_GENERATOR)
        # Key generation and DKG dealing multiply the generator: a comb costs about a third
        # of blst's own `scalar_mul` (crypto/bls/comb.py). The instance's own table, as for
        # arkworks.
        self._gen1_comb = Comb(self._gen1, BlstP1Element())
        # arkworks' reading of points this backend has already checked, for the multiexp of
        # long combinations. Only bytes that passed `_g1`/`_g2` are ever read into them.
        self._multiexp_g1 = _LRU[Any](cache_size)
        self._multiexp_g2 = _LRU[Any](cache_size)

    def clear_caches(self) -> None:
        super().clear_caches()
        self._multiexp_g1.clear()
        self._multiexp_g2.clear()

    def _arkworks_multiexp(self, group: Any, read: _LRU[Any], size: int,
                           points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        """Σ scalars[i]·points[i] by arkworks' multiexp in `group` (G1Point or G2Point), for
        points `_g1`/`_g2` has checked: arkworks reads them without a second subgroup check
        (about a third of the cost of a checked read) into `read`, a cache of their own."""
        decoded = [self._cached(read, group.from_compressed_bytes_unchecked, data, size)
                   for data in points]
        combined: bytes = multiexp(group, decoded, scalars).to_compressed_bytes()
        return combined

    def _decode_g1(self, data: bytes) -> BlstP1Element:
        point = BlstP1Element.uncompress(data)
        if point.compress() != data:
            raise InvalidPointError("non-canonical G1 encoding")
        return point

    def _decode_g2(self, data: bytes) -> BlstP2Element:
        point = BlstP2Element.uncompress(data)
        if point.compress() != data:
            raise InvalidPointError("non-canonical G2 encoding")
        return point

    def _encode_g1(self, point: BlstP1Element) -> bytes:
        data: bytes = point.compress()
        self._g1_cache.put(data, point)
        return data

    def _encode_g2(self, point: BlstP2Element) -> bytes:
        data: bytes = point.compress()
        self._g2_cache.put(data, point)
        return data

    def _hash(self, msg: bytes) -> BlstP2Element:
        point: BlstP2Element | None = self._hash_cache.get(msg)
        if point is None:
            point = BlstP2Element.hash_to_group(msg, DST)
            self._hash_cache.put(msg, point)
        return point

    def sk_to_pk(self, sk: int) -> bytes:
        return self._encode_g1(self._gen1_comb.multiply(_check_sk(sk)))

    def sign(self, sk: int, msg: bytes) -> bytes:
        if not isinstance(msg, bytes):
            raise TypeError("message must be bytes")
        return self._encode_g2(self._hash(msg).scalar_mul(_check_sk(sk)))

    # Memoised as the other backends' (`crypto/bls-verify/*`).
    @memo.pure("crypto/bls-verify/blst")
    def verify(self, pk: bytes, msg: bytes, sig: bytes) -> bool:
        if not isinstance(msg, bytes):
            return False
        try:
            pk_point = self._g1(pk)
            sig_point = self._g2(sig)
        except InvalidPointError:
            return False
        if pk == G1_IDENTITY:  # KeyValidate: the identity key verifies everything
            return False
        # e(pk, H(m)) == e(g1, sig), each side one Miller loop, one final exponentiation.
        return bool(final_verify(miller_loop(pk_point, self._hash(msg)),
                                 miller_loop(self._gen1, sig_point)))

    def hash_to_g2(self, msg: bytes) -> bytes:
        return self._encode_g2(self._hash(msg))

    def g1_mul_gen(self, k: int) -> bytes:
        return self._encode_g1(self._gen1_comb.multiply(k))

    def g1_generator(self) -> bytes:
        return _G1_GENERATOR

    def g1_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        _check_lengths(points, scalars)
        points = tuple(points)  # read once: the bytes checked are the bytes combined
        decoded = [self._g1(point) for point in points]  # the same validation everywhere
        short = _short_signed(scalars)
        if short is None:
            return self._arkworks_multiexp(G1Point, self._multiexp_g1, G1_BYTES, points,
                                           scalars)
        return self._encode_g1(_joint_double_and_add(decoded, short, BlstP1Element()))

    def g1_add(self, points: Sequence[bytes]) -> bytes:
        total = BlstP1Element()
        for point in points:
            total = total + self._g1(point)
        return self._encode_g1(total)

    def g2_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        _check_lengths(points, scalars)
        points = tuple(points)  # read once: the bytes checked are the bytes combined
        decoded = [self._g2(point) for point in points]
        short = _short_signed(scalars)
        if short is None:
            return self._arkworks_multiexp(G2Point, self._multiexp_g2, G2_BYTES, points,
                                           scalars)
        return self._encode_g2(_joint_double_and_add(decoded, short, BlstP2Element()))

    def pairing_check(self, pairs: Sequence[tuple[bytes, bytes]]) -> bool:
        try:
            decoded = [(self._g1(a), self._g2(b)) for a, b in pairs]
        except InvalidPointError:
            return False
        if not decoded:
            return True
        # Π e(a_i, b_i) == 1  <=>  e(a_1, b_1) · Π_{i>1} e(a_i, b_i) == e(O, g2) (= 1).
        product: Any = miller_loop(*decoded[0])
        for g1_point, g2_point in decoded[1:]:
            product = product * miller_loop(g1_point, g2_point)
        return bool(final_verify(product, miller_loop(BlstP1Element(), self._gen2)))

