"""The generator comb and the long linear combinations blst hands to arkworks.

The comb is checked against each library's own scalar multiplication, and the hand-over
against points that fail validation: arkworks reads the points without its subgroup check, so
blst must have refused anything invalid before.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_arkworks_bls12381 import G1Point, Scalar
from pyblst import BlstP1Element
from tests.crypto.test_bls_backends import BAD_G1, BAD_G2

from bridgelab.crypto.bls import CURVE_ORDER, InvalidPointError, get_backend
from bridgelab.crypto.bls.comb import Comb

ARK = get_backend("arkworks")
BLST = get_backend("blst")
PY = get_backend("py-ecc")
MANY = settings(max_examples=60, deadline=None, database=None)

# Scalars of every length, past r and below 0 (the comb reduces mod r as scalar_mul does).
scalars = st.one_of(st.integers(0, 2**16), st.integers(-2 * CURVE_ORDER, 2 * CURVE_ORDER),
                    st.sampled_from([0, 1, -1, 255, 256, CURVE_ORDER - 1, CURVE_ORDER,
                                     CURVE_ORDER + 1, 2**255 - 1]))


@MANY
@given(k=scalars)
def test_the_comb_multiplies_as_each_library_does(k: int) -> None:
    reduced = k % CURVE_ORDER
    want = (G1Point() * Scalar.from_le_bytes(reduced.to_bytes(32, "little"))).to_compressed_bytes()
    blst_generator = BlstP1Element.uncompress(ARK.g1_generator())
    assert blst_generator.scalar_mul(reduced).compress() == want
    assert ARK.g1_mul_gen(k) == want
    assert BLST.g1_mul_gen(k) == want
    if 0 < k < CURVE_ORDER:
        assert ARK.sk_to_pk(k) == BLST.sk_to_pk(k) == want


def test_a_comb_works_on_any_group_with_addition() -> None:
    # Integers under addition mod r: the comb's table and digits, with nothing hidden.
    comb = Comb(5, 0)
    for k in (0, 1, 255, 256, 65_535, 2**200 + 17, CURVE_ORDER - 1, CURVE_ORDER + 3):
        assert comb.multiply(k) == 5 * (k % CURVE_ORDER)


@MANY
@given(ks=st.lists(st.integers(1, 2**40), min_size=1, max_size=5),
       weights=st.lists(st.integers(0, 2 * CURVE_ORDER), min_size=5, max_size=5))
def test_long_combinations_on_blst_agree_with_arkworks(ks: list[int], weights: list[int]
                                                       ) -> None:
    # blst's bytes, so arkworks reads them for the first time inside blst's hand-over; every
    # weight past 32 bits takes the long path.
    points = [BLST.g1_mul_gen(k) for k in ks]
    chosen = weights[: len(points)]
    assert BLST.g1_lincomb(points, chosen) == ARK.g1_lincomb(points, chosen)
    hashes = [BLST.hash_to_g2(k.to_bytes(8, "big")) for k in ks]
    assert BLST.g2_lincomb(hashes, chosen) == ARK.g2_lincomb(hashes, chosen)
    BLST.clear_caches()  # read again from the bytes: the same answer
    assert BLST.g1_lincomb(points, chosen) == ARK.g1_lincomb(points, chosen)


@settings(max_examples=3, deadline=None, database=None)
@given(ks=st.lists(st.integers(1, 2**20), min_size=2, max_size=3),
       weights=st.lists(st.integers(2**33, CURVE_ORDER - 1), min_size=3, max_size=3))
def test_long_combinations_on_blst_agree_with_py_ecc(ks: list[int], weights: list[int]) -> None:
    # The reference, with none of arkworks' code (py_ecc is slow: few examples).
    points = [BLST.g1_mul_gen(k) for k in ks]
    chosen = weights[: len(points)]
    assert BLST.g1_lincomb(points, chosen) == PY.g1_lincomb(points, chosen)


LONG = CURVE_ORDER - 2**200  # too long for the double-and-add: goes to arkworks' multiexp


@pytest.mark.parametrize("bad", BAD_G1, ids=lambda bad: bad[:4].hex() or "empty")
def test_blst_refuses_a_bad_g1_point_before_a_long_combination(bad: bytes) -> None:
    good = BLST.g1_mul_gen(3)
    with pytest.raises(InvalidPointError):
        BLST.g1_lincomb([good, bad], [1, LONG])
    with pytest.raises(InvalidPointError):
        ARK.g1_lincomb([good, bad], [1, LONG])


@pytest.mark.parametrize("bad", BAD_G2, ids=lambda bad: bad[:4].hex() or "empty")
def test_blst_refuses_a_bad_g2_point_before_a_long_combination(bad: bytes) -> None:
    good = BLST.hash_to_g2(b"m")
    with pytest.raises(InvalidPointError):
        BLST.g2_lincomb([good, bad], [1, LONG])
