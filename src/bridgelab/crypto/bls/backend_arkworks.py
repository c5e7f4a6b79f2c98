"""The default BLS backend, on py_arkworks_bls12381 (Rust)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

from bridgelab.core import memo
from bridgelab.crypto.bls.comb import Comb
from bridgelab.crypto.bls.interface import (
    CURVE_ORDER,
    DST,
    G1_IDENTITY,
    G2_IDENTITY,
    BLSBackend,
    InvalidPointError,
    _check_lengths,
    _check_sk,
)


def scalar(k: int) -> Scalar:
    """k mod r as arkworks' scalar (from_le_bytes is ~20x cheaper than Scalar(int) for 255-bit
    values)."""
    return Scalar.from_le_bytes((k % CURVE_ORDER).to_bytes(32, "little"))


def multiexp(group: Any, decoded: list[Any], scalars: Sequence[int]) -> Any:
    """Σ scalars[i]·decoded[i] in `group` (G1Point or G2Point), for points already checked:
    "unchecked" only skips the subgroup checks."""
    terms, short = signed_terms(decoded, scalars)
    return group.multiexp_unchecked(terms, short)


def signed_terms(points: list[Any], scalars: Sequence[int]) -> tuple[list[Any], list[Scalar]]:
    """The multiexp's terms with each scalar at its shorter form: k and -(r - k) are the same
    scalar mod r, and Lagrange coefficients at zero are small integers of either sign, so
    negating the point and using r - k when that is shorter makes them short (the multiexp's
    cost follows the scalars' bit length)."""
    terms, short = [], []
    for point, k in zip(points, scalars, strict=True):
        k %= CURVE_ORDER
        if CURVE_ORDER - k < k:
            terms.append(-point)
            short.append(scalar(CURVE_ORDER - k))
        else:
            terms.append(point)
            short.append(scalar(k))
    return terms, short


class ArkworksBackend(BLSBackend):
    """Fast backend on py_arkworks_bls12381 (Rust); the default for simulations.

    Points we compute ourselves are put straight into the decode cache: they are valid by
    construction, so re-reading them later skips the costly subgroup check.
    """

    name: ClassVar[str] = "arkworks"

    _GEN1 = G1Point()
    _NEG_GEN1 = -G1Point()

    def __init__(self, cache_size: int = 16384) -> None:
        super().__init__(cache_size)
        # DKG dealing is dominated by multiplying the generator (crypto/bls/comb.py). Each
        # instance builds its own table, so the checker's share nothing with the model's.
        self._gen1_comb = Comb(G1Point(), G1Point.identity())

    def _mul_gen(self, k: int) -> G1Point:
        point: G1Point = self._gen1_comb.multiply(k)
        return point

    def _encode_g1(self, point: G1Point) -> bytes:
        data = point.to_compressed_bytes()
        self._g1_cache.put(data, point)
        return data

    def _encode_g2(self, point: G2Point) -> bytes:
        data = point.to_compressed_bytes()
        self._g2_cache.put(data, point)
        return data

    def _decode_g1(self, data: bytes) -> G1Point:
        point = G1Point.from_compressed_bytes(data)
        # arkworks accepts some non-canonical infinity encodings (e.g. all 0xff); py_ecc does
        # not, so demand a byte-exact round trip to keep the backends in agreement.
        if point.to_compressed_bytes() != data:
            raise InvalidPointError("non-canonical G1 encoding")
        return point

    def _decode_g2(self, data: bytes) -> G2Point:
        point = G2Point.from_compressed_bytes(data)
        if point.to_compressed_bytes() != data:
            raise InvalidPointError("non-canonical G2 encoding")
        return point

    def _hash(self, msg: bytes) -> G2Point:
        point: G2Point | None = self._hash_cache.get(msg)
        if point is None:
            # Argument order is (msg, dst): checked against py_ecc's hash_to_G2 in the tests.
            point = G2Point.hash_to_curve(msg, DST)
            self._hash_cache.put(msg, point)
        return point

    def sk_to_pk(self, sk: int) -> bytes:
        return self._encode_g1(self._mul_gen(_check_sk(sk)))

    def sign(self, sk: int, msg: bytes) -> bytes:
        if not isinstance(msg, bytes):
            raise TypeError("message must be bytes")
        return self._encode_g2(self._hash(msg) * scalar(_check_sk(sk)))

    # Memoised: the relayer's optimistic check, the custody and the contracts verify the same
    # combined signature.
    @memo.pure("crypto/bls-verify/arkworks")
    def verify(self, pk: bytes, msg: bytes, sig: bytes) -> bool:
        if not isinstance(msg, bytes):
            return False
        try:
            pk_point = self._g1(pk)
            sig_point = self._g2(sig)
        except InvalidPointError:
            return False
        if pk_point == G1Point.identity():  # KeyValidate: the identity key verifies everything
            return False
        return GT.pairing_check([pk_point, self._NEG_GEN1], [self._hash(msg), sig_point])

    def hash_to_g2(self, msg: bytes) -> bytes:
        return self._encode_g2(self._hash(msg))

    def g1_mul_gen(self, k: int) -> bytes:
        return self._encode_g1(self._mul_gen(k))

    def g1_generator(self) -> bytes:
        # Without building the comb table, which a run without BLS keys never needs.
        return self._encode_g1(self._GEN1)

    def g1_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        _check_lengths(points, scalars)
        if not points:
            return G1_IDENTITY
        return self._encode_g1(multiexp(G1Point, [self._g1(p) for p in points], scalars))

    def g1_add(self, points: Sequence[bytes]) -> bytes:
        total = G1Point.identity()
        for p in points:
            total = total + self._g1(p)
        return self._encode_g1(total)

    def g2_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        _check_lengths(points, scalars)
        if not points:
            return G2_IDENTITY
        return self._encode_g2(multiexp(G2Point, [self._g2(p) for p in points], scalars))

    def pairing_check(self, pairs: Sequence[tuple[bytes, bytes]]) -> bool:
        try:
            g1s = [self._g1(a) for a, _ in pairs]
            g2s = [self._g2(b) for _, b in pairs]
        except InvalidPointError:
            return False
        return GT.pairing_check(g1s, g2s)

