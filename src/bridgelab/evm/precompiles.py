"""The EIP-2537 precompiles the bridge contract calls, served by the arkworks backend.

py-evm's own BLS12-381 precompiles run on py_ecc: about a second per pairing check. These
give the same output, the same gas and the same failures on the same inputs (each checks
what py-evm checks, in its order, before arkworks computes), which
`tests/evm/test_evm_precompiles.py` cross-checks byte for byte on random and edge-case
inputs. A failure raises VMError, as py-evm's do: the call fails and burns the gas it was
given.
"""

from __future__ import annotations

from collections.abc import Callable

from eth.abc import ComputationAPI
from eth.exceptions import VMError
from eth.precompiles.bls12_381.constants import BLS12_G2_ADD_GAS, BLS12_MAP_FP2_G2_GAS
from py_arkworks_bls12381 import GT, G1Point, G2Point

# BLS12-381's base field modulus.
P = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
    16,
)
PAIRING_GAS_PER_PAIR = 32_600
PAIRING_GAS_BASE = 37_700
G1_POINT = 128
G2_POINT = 256
FIELD = 64
PAIR = G1_POINT + G2_POINT
ADDRESS_G2_ADD = 0x0D
ADDRESS_PAIRING = 0x0F
ADDRESS_MAP_FP2_TO_G2 = 0x11


def _field(data: bytes) -> bytes:
    """A 64-byte EIP-2537 field element as arkworks' 48 bytes; VMError if it is not < p."""
    if int.from_bytes(data, "big") >= P:
        raise VMError("coordinate >= field modulus")
    return data[FIELD - 48 :]


def _g1(data: bytes, subgroup: bool) -> G1Point:
    if len(data) != G1_POINT:
        raise VMError("Length of data must be 128 bytes for G1 point")
    xy = _field(data[:FIELD]) + _field(data[FIELD:])
    if not any(xy):
        return G1Point.identity()
    try:
        point = G1Point.from_xy_bytes_unchecked_be(xy)
    except BaseException as exc:  # arkworks raises its own error type from Rust
        raise VMError("Point is not on curve") from exc
    if subgroup and not point.is_in_subgroup():
        raise VMError("Sub-group check failed for G1 point.")
    return point


def _g2(data: bytes, subgroup: bool) -> G2Point:
    if len(data) != G2_POINT:
        raise VMError("Length of data must be 256 bytes for G2 point")
    xy = b"".join(_field(data[i : i + FIELD]) for i in range(0, G2_POINT, FIELD))
    if not any(xy):
        return G2Point.identity()
    try:
        point = G2Point.from_xy_bytes_unchecked_be(xy)
    except BaseException as exc:
        raise VMError("Point is not on curve") from exc
    if subgroup and not point.is_in_subgroup():
        raise VMError("Sub-group check failed for G2 point.")
    return point


def encode_g2(point: G2Point) -> bytes:
    if point == G2Point.identity():
        return bytes(G2_POINT)
    xy = point.to_xy_bytes_be()
    return b"".join(bytes(FIELD - 48) + xy[i : i + 48] for i in range(0, 192, 48))


def g2_add(computation: ComputationAPI) -> None:
    """BLS12_G2ADD: no subgroup check, as EIP-2537 specifies."""
    data = computation.msg.data
    if len(data) != 2 * G2_POINT:
        raise VMError("Length of data must be 512 for g2 add")
    computation.consume_gas(BLS12_G2_ADD_GAS, "BLS12_G2ADD gas")
    total = _g2(data[:G2_POINT], False) + _g2(data[G2_POINT:], False)
    computation.output = encode_g2(total)


def map_fp2_to_g2(computation: ComputationAPI) -> None:
    """BLS12_MAP_FP2_TO_G2: SSWU map and cofactor clearing of one Fp2 element."""
    data = computation.msg.data
    if len(data) != 2 * FIELD:
        raise VMError("Length of data must be 128 bytes for BLS12_MAP_FP2_TO_G2")
    computation.consume_gas(BLS12_MAP_FP2_G2_GAS, "BLS12_MAP_FP2_TO_G2 gas")
    element = _field(data[:FIELD]) + _field(data[FIELD:])
    computation.output = encode_g2(G2Point.map_from_fp2_be(element))


def pairing_check(computation: ComputationAPI) -> None:
    """BLS12_PAIRING_CHECK: 32 bytes, 1 when the product of the pairings is one."""
    data = computation.msg.data
    if len(data) == 0 or len(data) % PAIR != 0:
        raise VMError("Length of data must be a multiple of 384 bytes for BLS12_PAIRING_CHECK")
    pairs = len(data) // PAIR
    computation.consume_gas(
        PAIRING_GAS_PER_PAIR * pairs + PAIRING_GAS_BASE, "BLS12_PAIRING_CHECK gas"
    )
    g1s, g2s = [], []
    for start in range(0, len(data), PAIR):
        g1s.append(_g1(data[start : start + G1_POINT], True))
        g2s.append(_g2(data[start + G1_POINT : start + PAIR], True))
    computation.output = bytes(31) + (b"\x01" if GT.pairing_check(g1s, g2s) else b"\x00")


FAST_PRECOMPILES: dict[int, Callable[[ComputationAPI], None]] = {
    ADDRESS_G2_ADD: g2_add,
    ADDRESS_PAIRING: pairing_check,
    ADDRESS_MAP_FP2_TO_G2: map_fp2_to_g2,
}
