"""The reference BLS backend on py_ecc: sign and verify are exactly G2ProofOfPossession's.

Imported only when a run or a test asks for "py-ecc" (py_ecc is slow to import and to run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from py_ecc import optimized_bls12_381 as ecc
from py_ecc.bls import G2ProofOfPossession
from py_ecc.bls.g2_primitives import (
    G1_to_pubkey,
    G2_to_signature,
    pubkey_to_G1,
    signature_to_G2,
    subgroup_check,
)
from py_ecc.bls.hash_to_curve import hash_to_G2
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12

from bridgelab.core import memo
from bridgelab.crypto.bls.backend import (
    CURVE_ORDER,
    DST,
    BLSBackend,
    InvalidPointError,
    _check_lengths,
    _check_sk,
)


class PyEccBackend(BLSBackend):
    """Reference backend on py_ecc: sign/verify are exactly G2ProofOfPossession's.

    Roughly 100x slower than arkworks, so it is used to cross-check rather than to simulate.
    """

    name: ClassVar[str] = "py-ecc"

    def _encode_g1(self, point: Any) -> bytes:
        data = bytes(G1_to_pubkey(point))
        self._g1_cache.put(data, point)
        return data

    def _encode_g2(self, point: Any) -> bytes:
        data = bytes(G2_to_signature(point))
        self._g2_cache.put(data, point)
        return data

    def _decode_g1(self, data: bytes) -> Any:
        # py_ecc's decompression is already strict about flags and field range.
        point = pubkey_to_G1(data)
        if not subgroup_check(point):
            raise InvalidPointError("G1 point outside the order-r subgroup")
        return point

    def _decode_g2(self, data: bytes) -> Any:
        point = signature_to_G2(data)
        if not subgroup_check(point):
            raise InvalidPointError("G2 point outside the order-r subgroup")
        return point

    def sk_to_pk(self, sk: int) -> bytes:
        return bytes(G2ProofOfPossession.SkToPk(_check_sk(sk)))

    def sign(self, sk: int, msg: bytes) -> bytes:
        if not isinstance(msg, bytes):
            raise TypeError("message must be bytes")
        return bytes(G2ProofOfPossession.Sign(_check_sk(sk), msg))

    @memo.pure("crypto/bls-verify/py-ecc")
    def verify(self, pk: bytes, msg: bytes, sig: bytes) -> bool:
        try:
            return bool(G2ProofOfPossession.Verify(pk, msg, sig))
        except Exception:  # the reference must honour "never raise" even on odd input types
            return False

    def hash_to_g2(self, msg: bytes) -> bytes:
        return self._encode_g2(hash_to_G2(msg, DST, G2ProofOfPossession.xmd_hash_function))

    def g1_mul_gen(self, k: int) -> bytes:
        return self._encode_g1(ecc.multiply(ecc.G1, k % CURVE_ORDER))

    def _lincomb(
        self, decode: Callable[[bytes], Any], identity: Any,
        points: Sequence[bytes], scalars: Sequence[int],
    ) -> Any:
        _check_lengths(points, scalars)
        total = identity
        for p, k in zip(points, scalars, strict=True):
            k %= CURVE_ORDER
            if k:
                term = decode(p) if k == 1 else ecc.multiply(decode(p), k)
                total = ecc.add(total, term)
            else:
                decode(p)  # still reject invalid input, as the arkworks backend does
        return total

    def g1_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        return self._encode_g1(self._lincomb(self._g1, ecc.Z1, points, scalars))

    def g2_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        return self._encode_g2(self._lincomb(self._g2, ecc.Z2, points, scalars))

    def pairing_check(self, pairs: Sequence[tuple[bytes, bytes]]) -> bool:
        try:
            decoded = [(self._g1(a), self._g2(b)) for a, b in pairs]
        except InvalidPointError:
            return False
        acc = FQ12.one()
        for g1, g2 in decoded:
            acc = acc * ecc.pairing(g2, g1, final_exponentiate=False)
        return ecc.final_exponentiate(acc) == FQ12.one()
