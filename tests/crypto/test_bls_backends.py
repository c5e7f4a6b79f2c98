"""The blst, arkworks and py_ecc backends agree byte for byte and reject the same bad input.

py_ecc is the reference (it is the Ethereum ciphersuite), so agreement pins the fast backends.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bls12_381 as ecc
from py_ecc.bls import G2ProofOfPossession
from py_ecc.bls.g2_primitives import (
    G1_to_pubkey,
    G2_to_signature,
    pubkey_to_G1,
    signature_to_G2,
    subgroup_check,
)
from py_ecc.bls.point_compression import modular_squareroot_in_FQ2
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2

from bridgelab.bench.crypto_bench import _bench_committee, format_text, run_crypto_bench
from bridgelab.crypto.bls import (
    CURVE_ORDER,
    DST,
    G1_IDENTITY,
    G2_IDENTITY,
    BLSBackend,
    InvalidPointError,
    available_backends,
    get_backend,
    resolve_backend,
    run_dkg,
)

ARK = get_backend("arkworks")
PY = get_backend("py-ecc")
BLST = get_backend("blst")
BOTH = [ARK, PY, BLST]  # every backend: each meets the same expectations

# py_ecc signs in ~0.1 s and verifies in ~0.3 s, so reference examples stay few.
SLOW = settings(max_examples=4, deadline=None, database=None)
FAST = settings(max_examples=40, deadline=None, database=None)

secret_keys = st.integers(min_value=1, max_value=CURVE_ORDER - 1)
messages = st.binary(max_size=64)


def _sqrt_fq(v: FQ) -> FQ | None:
    # q = 3 mod 4, so a square root (if any) is v^((q+1)/4).
    y = v ** ((ecc.field_modulus + 1) // 4)
    return y if y * y == v else None


def _non_subgroup_g1() -> bytes:
    # Almost every point of E(Fq) lies outside the order-r subgroup (the cofactor is huge).
    x = 1
    while True:
        y = _sqrt_fq(FQ(x) ** 3 + ecc.b)
        if y is not None:
            pt = (FQ(x), y, FQ.one())
            if ecc.is_on_curve(pt, ecc.b) and not subgroup_check(pt):
                return bytes(G1_to_pubkey(pt))
        x += 1


def _non_subgroup_g2() -> bytes:
    x = 1
    while True:
        xx = FQ2([x, 1])
        y = modular_squareroot_in_FQ2(xx**3 + ecc.b2)
        if y is not None:
            pt = (xx, y, FQ2.one())
            if ecc.is_on_curve(pt, ecc.b2) and not subgroup_check(pt):
                return bytes(G2_to_signature(pt))
        x += 1


def _off_curve_g1() -> bytes:
    # An x below the field modulus with no y on the curve: x^3 + 4 is not a square.
    x = 1
    while _sqrt_fq(FQ(x) ** 3 + ecc.b) is not None:
        x += 1
    return bytes([0x80 | x >> 376]) + (x % 2**376).to_bytes(47, "big")


NON_SUBGROUP_G1 = _non_subgroup_g1()
NON_SUBGROUP_G2 = _non_subgroup_g2()
OFF_CURVE_G1 = _off_curve_g1()
# A G2 x whose imaginary part (the first 48 bytes, under the flags) is the field modulus.
_MODULUS = ecc.field_modulus.to_bytes(48, "big")
G2_X_TOO_BIG = bytes([0x80 | _MODULUS[0]]) + _MODULUS[1:] + bytes(48)

BAD_G1 = [
    b"",
    b"\x00" * 48,  # compression flag missing
    b"\xff" * 48,  # arkworks alone would read this as infinity; it is not canonical
    b"\xc0" + b"\x00" * 46 + b"\x01",  # infinity flag with stray x bits
    b"\x9a" + b"\xff" * 47,  # x >= field modulus
    G1_IDENTITY[:47],
    OFF_CURVE_G1,
    NON_SUBGROUP_G1,
]
BAD_G2 = [
    b"",
    b"\xff" * 96,
    b"\xc0" + b"\x00" * 94 + b"\x01",
    G2_IDENTITY[:95],
    G2_X_TOO_BIG,
    NON_SUBGROUP_G2,
]


def test_backend_registry() -> None:
    assert available_backends() == ("blst", "arkworks", "py-ecc")
    assert get_backend().name == "arkworks"
    assert get_backend("blst") is BLST
    assert get_backend("py-ecc") is PY
    assert resolve_backend(None) is ARK
    assert resolve_backend("py-ecc") is PY
    assert resolve_backend(PY) is PY
    with pytest.raises(ValueError, match="unknown BLS backend"):
        get_backend("blst-ish")


def test_non_subgroup_fixtures_decode_but_fail_the_subgroup_check() -> None:
    # Guards the fixtures: they must fail the subgroup check, not mere decompression.
    assert not subgroup_check(pubkey_to_G1(NON_SUBGROUP_G1))
    assert not subgroup_check(signature_to_G2(NON_SUBGROUP_G2))


@SLOW
@given(sk=secret_keys, msg=messages)
def test_backends_agree_and_cross_verify(sk: int, msg: bytes) -> None:
    pk = ARK.sk_to_pk(sk)
    sig = ARK.sign(sk, msg)
    assert pk == PY.sk_to_pk(sk)
    assert sig == PY.sign(sk, msg)
    # py_ecc's own Verify accepts arkworks output, and arkworks accepts py_ecc's signature.
    assert G2ProofOfPossession.Verify(pk, msg, sig)
    assert ARK.verify(PY.sk_to_pk(sk), msg, bytes(G2ProofOfPossession.Sign(sk, msg)))
    assert not ARK.verify(pk, msg + b"\x00", sig)
    assert not ARK.verify(pk, msg, ARK.sign(sk, msg + b"x"))
    assert not ARK.verify(ARK.sk_to_pk(sk % (CURVE_ORDER - 1) + 1), msg, sig)
    assert BLST.sk_to_pk(sk) == pk and BLST.sign(sk, msg) == sig
    assert BLST.verify(pk, msg, sig) and not BLST.verify(pk, msg + b"\x00", sig)


@FAST
@given(sk=secret_keys, msg=messages, flip=st.integers(0, 95 * 8 - 1))
def test_blst_agrees_with_py_ecc_and_rejects_tampering(sk: int, msg: bytes, flip: int) -> None:
    pk, sig = BLST.sk_to_pk(sk), BLST.sign(sk, msg)
    assert pk == bytes(G2ProofOfPossession.SkToPk(sk))
    assert sig == bytes(G2ProofOfPossession.Sign(sk, msg))
    assert BLST.hash_to_g2(msg) == PY.hash_to_g2(msg)
    assert BLST.verify(pk, msg, sig)
    tampered = bytearray(sig)
    tampered[1 + flip // 8] ^= 1 << (flip % 8)
    assert not BLST.verify(pk, msg, bytes(tampered))


@FAST
@given(sk=secret_keys, msg=messages, flip=st.integers(0, 95 * 8 - 1))
def test_arkworks_rejects_tampered_signatures(sk: int, msg: bytes, flip: int) -> None:
    pk, sig = ARK.sk_to_pk(sk), ARK.sign(sk, msg)
    assert ARK.verify(pk, msg, sig)
    tampered = bytearray(sig)
    tampered[1 + flip // 8] ^= 1 << (flip % 8)  # skip byte 0 so flags stay plausible
    assert not ARK.verify(pk, msg, bytes(tampered))


def test_pyecc_rejects_tampered_message_and_signature() -> None:
    sk = 0x1234567890ABCDEF
    pk, sig = PY.sk_to_pk(sk), PY.sign(sk, b"transfer 10")
    assert PY.verify(pk, b"transfer 10", sig)
    assert not PY.verify(pk, b"transfer 11", sig)
    assert not PY.verify(pk, b"transfer 10", PY.sign(sk, b"transfer 11"))
    assert not PY.verify(pk, b"transfer 10", sig[:-1] + bytes([sig[-1] ^ 1]))


@settings(max_examples=3, deadline=None, database=None)
@given(
    scalars=st.lists(st.integers(0, CURVE_ORDER + 5), min_size=1, max_size=3),
    msgs=st.lists(messages, min_size=3, max_size=3),
)
def test_group_arithmetic_agrees(scalars: list[int], msgs: list[bytes]) -> None:
    g1s = [ARK.g1_mul_gen(k + 7) for k in scalars]
    assert g1s == [PY.g1_mul_gen(k + 7) for k in scalars]
    for k, point in zip(scalars, g1s, strict=True):
        # arkworks' fixed-base table must match py_ecc's own SkToPk.
        if (k + 7) % CURVE_ORDER:
            assert point == bytes(G2ProofOfPossession.SkToPk((k + 7) % CURVE_ORDER))
    assert ARK.g1_lincomb(g1s, scalars) == PY.g1_lincomb(g1s, scalars)
    assert ARK.g1_add(g1s) == PY.g1_add(g1s)
    hs = [ARK.hash_to_g2(m) for m in msgs[: len(scalars)]]
    assert hs == [PY.hash_to_g2(m) for m in msgs[: len(scalars)]]
    assert ARK.g2_lincomb(hs, scalars) == PY.g2_lincomb(hs, scalars)
    assert BLST.g1_lincomb(g1s, scalars) == PY.g1_lincomb(g1s, scalars)
    assert BLST.g2_lincomb(hs, scalars) == PY.g2_lincomb(hs, scalars)
    assert BLST.g1_add(g1s) == PY.g1_add(g1s)
    assert [BLST.g1_mul_gen(k + 7) for k in scalars] == g1s


@settings(max_examples=5, deadline=None, database=None)
@given(
    offsets=st.lists(st.integers(-(2**20), 2**20), min_size=1, max_size=4),
    msgs=st.lists(messages, min_size=4, max_size=4),
)
def test_short_signed_scalars_combine_as_py_ecc_does(offsets: list[int], msgs: list[bytes]) -> None:
    # Lagrange coefficients at zero are small integers of either sign, so mod r they sit next
    # to 0 or next to r: the multiexp negates a point to use the short form of r - k.
    scalars = [k % CURVE_ORDER for k in offsets]
    hs = [PY.hash_to_g2(m) for m in msgs[: len(scalars)]]
    g1s = [PY.g1_mul_gen(abs(k) + 3) for k in offsets]
    want2, want1 = PY.g2_lincomb(hs, scalars), PY.g1_lincomb(g1s, scalars)
    for backend in (ARK, BLST):
        assert backend.g2_lincomb(hs, scalars) == want2
        assert backend.g1_lincomb(g1s, scalars) == want1


@pytest.mark.parametrize("backend", BOTH, ids=lambda b: b.name)
def test_identity_and_edge_scalars(backend: BLSBackend) -> None:
    assert backend.g1_mul_gen(0) == G1_IDENTITY
    assert backend.g1_mul_gen(CURVE_ORDER) == G1_IDENTITY
    assert backend.g1_lincomb([], []) == G1_IDENTITY
    assert backend.g2_lincomb([], []) == G2_IDENTITY
    assert backend.g1_add([]) == G1_IDENTITY
    g = backend.g1_mul_gen(1)
    assert backend.g1_generator() == g == ARK.g1_generator()
    assert backend.g1_add([g, backend.g1_mul_gen(CURVE_ORDER - 1)]) == G1_IDENTITY
    assert backend.g1_is_valid(G1_IDENTITY)
    with pytest.raises(ValueError, match="scalars"):
        backend.g1_lincomb([g], [1, 2])
    for bad_sk in (0, CURVE_ORDER, -1):
        with pytest.raises(ValueError):
            backend.sign(bad_sk, b"m")
        with pytest.raises(ValueError):
            backend.sk_to_pk(bad_sk)


@pytest.mark.parametrize("backend", BOTH, ids=lambda b: b.name)
def test_bad_encodings_are_rejected_not_raised(backend: BLSBackend) -> None:
    sk = 987654321
    pk, sig = ARK.sk_to_pk(sk), ARK.sign(sk, b"m")
    for bad in BAD_G1:
        assert not backend.g1_is_valid(bad)
        assert not backend.verify(bad, b"m", sig)
        with pytest.raises(InvalidPointError):
            backend.g1_add([pk, bad])
    for bad in BAD_G2:
        assert not backend.g2_is_valid(bad)
        assert not backend.verify(pk, b"m", bad)
        with pytest.raises(InvalidPointError):
            backend.g2_lincomb([bad], [1])
    # The identity key would verify the identity signature on anything: KeyValidate forbids it.
    assert not backend.verify(G1_IDENTITY, b"m", G2_IDENTITY)
    assert not backend.verify("not bytes", b"m", sig)  # type: ignore[arg-type]
    assert not backend.verify(pk, "not bytes", sig)  # type: ignore[arg-type]
    assert backend.verify(pk, b"m", sig)


@pytest.mark.parametrize("backend", BOTH, ids=lambda b: b.name)
def test_pairing_check(backend: BLSBackend) -> None:
    sk = 4242
    pk, sig, h = ARK.sk_to_pk(sk), ARK.sign(sk, b"m"), ARK.hash_to_g2(b"m")
    neg_g1 = backend.g1_mul_gen(CURVE_ORDER - 1)
    assert backend.pairing_check([(pk, h), (neg_g1, sig)])
    assert not backend.pairing_check([(pk, ARK.hash_to_g2(b"n")), (neg_g1, sig)])
    assert not backend.pairing_check([(NON_SUBGROUP_G1, h), (neg_g1, sig)])


def test_hash_to_curve_uses_the_pop_dst() -> None:
    # Pins the DST and the (msg, dst) argument order of arkworks' hash_to_curve.
    assert DST == b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
    assert G2ProofOfPossession.DST == DST
    assert ARK.hash_to_g2(b"abc") == PY.hash_to_g2(b"abc")


def test_clear_caches_keeps_results() -> None:
    sk = 31337
    sig = ARK.sign(sk, b"cache")
    ARK.clear_caches()
    assert ARK.verify(ARK.sk_to_pk(sk), b"cache", sig)


def test_quick_bench_smoke() -> None:
    result = run_crypto_bench(backends=("arkworks",), sizes=(4,), seed=3, quick=True)
    entry = result["backends"]["arkworks"]
    assert entry["sign"]["ops_per_s"] > 0 and entry["verify"]["reps"] > 0
    committee = entry["committees"]["4"]
    assert committee["t"] == 3
    assert all(committee[op]["ops_per_s"] > 0 for op in ("combine", "dkg", "refresh"))
    assert "arkworks" in format_text(result)
    assert json.loads(json.dumps(result)) == result


def test_bench_skips_what_pyecc_cannot_afford() -> None:
    limits = {"partial_sign": 1, "partial_verify": 1, "combine": 1, "dkg": 1, "refresh": 1}
    reps = dict.fromkeys(limits, 1)
    key = run_dkg(2, 2, random.Random(0))
    out = _bench_committee("py-ecc", 2, reps, limits, key, seed=0)
    assert all("skipped" in out[op] for op in limits)
