"""The arkworks-served EIP-2537 precompiles against py-evm's own (py_ecc) implementation,
byte for byte: the same output, the same gas, and a failure where py-evm fails, on random
points and on edge cases (infinity, coordinates >= p, points off the curve or outside the
subgroup, wrong lengths, empty pairing input)."""

from __future__ import annotations

import random

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")

from eth.exceptions import VMError
from eth.precompiles import (
    bls12_g2_add,
    bls12_map_fp2_to_g2,
    bls12_pairing_check,
)
from py_arkworks_bls12381 import G1Point, G2Point, Scalar
from py_ecc.bls.hash_to_curve import map_to_curve_G2
from py_ecc.optimized_bls12_381 import FQ2, normalize

from bridgelab.evm import precompiles as fast
from bridgelab.settlement.transactions import Fee

P = fast.P


class _Msg:
    def __init__(self, data: bytes) -> None:
        self.data = data


class _Computation:
    """What a precompile touches of py-evm's computation: its input, gas and output."""

    def __init__(self, data: bytes) -> None:
        self.msg = _Msg(data)
        self.gas = 0
        self.output = b""

    def consume_gas(self, amount: int, reason: str) -> None:
        self.gas += amount


def _run(function, data: bytes):
    computation = _Computation(data)
    try:
        function(computation)
    except VMError:
        return ("error", computation.gas)
    return (computation.output, computation.gas)


def _same(reference, served, data: bytes) -> None:
    assert _run(served, data) == _run(reference, data)


def _fe(value: int) -> bytes:
    return value.to_bytes(64, "big")


def _g1(point: G1Point) -> bytes:
    xy = point.to_xy_bytes_be()
    return bytes(16) + xy[:48] + bytes(16) + xy[48:] if any(xy) else bytes(128)


def _g2(point: G2Point) -> bytes:
    return fast.encode_g2(point)


def _scalar(rng: random.Random) -> Scalar:
    return Scalar(rng.randrange(1, 2**64))


def _off_subgroup_g2(seed: int) -> bytes:
    """A point on the G2 curve outside the order-r subgroup: the SSWU map before cofactor
    clearing."""
    x, y = normalize(map_to_curve_G2(FQ2((seed, seed + 1))))
    return b"".join(_fe(int(c)) for c in (*x.coeffs, *y.coeffs))


def _bad_g2_encodings(valid: bytes) -> list[bytes]:
    off_curve = valid[:-1] + bytes([valid[-1] ^ 1])
    too_big = _fe(P) + valid[64:]
    high_bytes = b"\x01" + valid[1:]
    return [off_curve, too_big, high_bytes]


def test_g2_add_matches_py_evm():
    rng = random.Random(1)
    a = _g2(G2Point() * _scalar(rng))
    b = _g2(G2Point() * _scalar(rng))
    infinity = bytes(256)
    cases = [a + b, a + a, a + infinity, infinity + infinity, _off_subgroup_g2(3) + a,
             b"", a, a + b + b"\x00"]
    cases += [bad + a for bad in _bad_g2_encodings(a)]
    for data in cases:
        _same(bls12_g2_add, fast.g2_add, data)


def test_map_fp2_to_g2_matches_py_evm():
    rng = random.Random(2)
    cases = [_fe(rng.randrange(P)) + _fe(rng.randrange(P)) for _ in range(3)]
    cases += [_fe(0) + _fe(0), _fe(P - 1) + _fe(1), _fe(P) + _fe(0), _fe(0) + _fe(P + 5),
              b"", _fe(1)]
    for data in cases:
        _same(bls12_map_fp2_to_g2, fast.map_fp2_to_g2, data)


def test_pairing_check_matches_py_evm():
    rng = random.Random(3)
    a, b = _scalar(rng), _scalar(rng)
    g1, g2 = G1Point() * a, G2Point() * b
    # e(a g1, b g2) e(-ab g1, g2) = 1
    balanced = _g1(g1) + _g2(g2) + _g1(-(G1Point() * (a * b))) + _g2(G2Point())
    unbalanced = _g1(g1) + _g2(g2) + _g1(G1Point()) + _g2(G2Point())
    cases = [
        balanced, unbalanced,
        bytes(128) + bytes(256),  # infinity pairs: the product is one
        _g1(g1) + _off_subgroup_g2(7),  # outside the subgroup: refused
        b"", balanced[:-1],
        _g1(g1)[:-1] + b"\x05" + _g2(g2),  # G1 off the curve
    ]
    for data in cases:
        _same(bls12_pairing_check, fast.pairing_check, data)


@pytest.mark.slow
def test_precompiles_match_py_evm_on_many_random_inputs():
    rng = random.Random(4)
    for _ in range(20):
        a = _g2(G2Point() * _scalar(rng))
        b = _g2(G2Point() * _scalar(rng))
        _same(bls12_g2_add, fast.g2_add, a + b)
        element = _fe(rng.randrange(P)) + _fe(rng.randrange(P))
        _same(bls12_map_fp2_to_g2, fast.map_fp2_to_g2, element)
        pairs = b"".join(
            _g1(G1Point() * _scalar(rng)) + _g2(G2Point() * _scalar(rng))
            for _ in range(rng.randint(1, 3))
        )
        _same(bls12_pairing_check, fast.pairing_check, pairs)


def test_a_bls_mint_on_py_evms_own_precompiles_matches_the_served_ones():
    """End to end: the contract's hash-to-curve and pairing check through py-evm's own
    precompiles give the same outcome and the same gas as through the arkworks ones."""
    from bridgelab.evm.bridge import EvmBridge
    from bridgelab.protocol.verifier import VerifierConfig
    from bridgelab.settlement.bridge_contract import MintTx
    from tests.evm.evm_cases import VERSION, custody, message

    committee = custody("threshold-bls")
    target = message(1, 10)
    digest = target.digest(VERSION)
    cert = committee.assemble(
        target, VERSION, {member: committee.endorse(member, digest) for member in range(4)}
    )
    results = []
    for served in (True, False):
        bridge = EvmBridge(committee.trust_root(VERSION), VerifierConfig(), "consortium:escrow",
                           fast_precompiles=served)
        event = bridge.process_mint(MintTx("t", "relayer", 0.0, Fee(0, 0), cert), 12)
        results.append((event.nonce, event.signers, bridge.last_gas))
    assert results[0] == results[1]
