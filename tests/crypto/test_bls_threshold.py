"""Threshold signing: any t shares give the one group signature, t-1 never do; secrets stay hidden.

Bulk properties run on arkworks; a single cross-check runs the Lagrange combination on py_ecc.
"""

from __future__ import annotations

import json
import random
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.crypto.bls import (
    CURVE_ORDER,
    DKGResult,
    InsufficientSharesError,
    PartialSignature,
    SecretKey,
    SecretShare,
    combine,
    combine_optimistic,
    get_backend,
    interpolate_at_zero,
    lagrange_coefficients,
    partial_sign,
    run_dkg,
    split_secret,
    verify,
    verify_partial,
)
from bridgelab.crypto.bls.dkg import run_sharing_round
from bridgelab.crypto.bls.shamir import _lagrange_at_zero

ARK = get_backend("arkworks")
N, T = 7, 4
PROPS = settings(max_examples=50, deadline=None, database=None)


@cache
def committee() -> tuple[DKGResult, dict[int, SecretShare]]:
    return run_dkg(N, T, random.Random(11))


@cache
def group_secret() -> int:
    # Only tests may reassemble the key: it lets us compare with a plain single-key signature.
    _, shares = committee()
    return interpolate_at_zero({i: s.value for i, s in shares.items()})


def _partials(msg: bytes, members: set[int] | list[int]) -> dict[int, PartialSignature]:
    _, shares = committee()
    return {i: partial_sign(shares[i], msg) for i in members}


# -- Shamir --------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, database=None)
@given(
    secret=st.integers(0, CURVE_ORDER - 1),
    n=st.integers(1, 12),
    data=st.data(),
    seed=st.integers(0, 2**32),
)
def test_any_t_shamir_shares_interpolate_the_secret(
    secret: int, n: int, data: st.DataObject, seed: int
) -> None:
    t = data.draw(st.integers(1, n))
    shares = split_secret(secret, n, t, random.Random(seed))
    subset = data.draw(st.sets(st.integers(1, n), min_size=t, max_size=n))
    assert interpolate_at_zero({i: shares[i] for i in subset}) == secret
    if t > 1:
        # t-1 shares of a random polynomial say nothing; interpolating them is (whp) wrong.
        fewer = sorted(subset)[: t - 1]
        assert interpolate_at_zero({i: shares[i] for i in fewer}) != secret


@settings(max_examples=40, deadline=None, database=None)
@given(st.sets(st.integers(1, 200), min_size=1, max_size=15))
def test_lagrange_coefficients_sum_to_one(indices: set[int]) -> None:
    # Interpolating the constant polynomial 1 must give 1.
    assert sum(lagrange_coefficients(indices).values()) % CURVE_ORDER == 1


def test_lagrange_is_memoised_by_sorted_set() -> None:
    lagrange_coefficients([5, 3, 9])
    cache = _lagrange_at_zero.memo.cache
    # Any order of one set asks the one question, (3, 5, 9).
    assert ((3, 5, 9),) in cache
    entries = len(cache)
    assert lagrange_coefficients((9, 5, 3)) == lagrange_coefficients([3, 5, 9])
    assert len(cache) == entries
    with pytest.raises(ValueError, match="duplicate"):
        lagrange_coefficients([1, 1, 2])
    with pytest.raises(ValueError):
        lagrange_coefficients([0, 1])
    with pytest.raises(InsufficientSharesError):
        lagrange_coefficients([])


# -- signing -------------------------------------------------------------------------------


@PROPS
@given(subset=st.sets(st.integers(1, N), min_size=T, max_size=N), msg=st.binary(max_size=40))
def test_any_t_shares_give_the_same_valid_group_signature(subset: set[int], msg: bytes) -> None:
    result, _ = committee()
    sig = combine(_partials(msg, subset), T)
    assert verify(result.group_pk, msg, sig)
    # Unique signatures: identical to signing with the (never assembled in production) key.
    assert sig == ARK.sign(group_secret(), msg)


@PROPS
@given(subset=st.sets(st.integers(1, N), min_size=T - 1, max_size=T - 1), msg=st.binary())
def test_t_minus_one_shares_never_sign(subset: set[int], msg: bytes) -> None:
    result, _ = committee()
    partials = _partials(msg, subset)
    with pytest.raises(InsufficientSharesError):
        combine(partials, T)
    # Forcing the interpolation anyway yields a signature that does not verify.
    lam = lagrange_coefficients(subset)
    forced = ARK.g2_lincomb([partials[i].signature for i in sorted(subset)],
                            [lam[i] for i in sorted(subset)])
    assert not verify(result.group_pk, msg, forced)
    with pytest.raises(InsufficientSharesError):
        combine(partials, T - 1 + len(subset))


def test_combine_uses_the_t_smallest_indices() -> None:
    result, _ = committee()
    msg = b"deterministic choice"
    partials = _partials(msg, range(1, N + 1))
    # A garbage partial above the t smallest indices is never touched.
    partials[N] = PartialSignature(N, 0, ARK.sign(12345, b"other"))
    sig = combine(partials, T)
    assert sig == combine({i: partials[i] for i in range(1, T + 1)}, T)
    assert verify(result.group_pk, msg, sig)


def test_combine_accepts_raw_bytes_and_checks_indices() -> None:
    partials = _partials(b"raw", [2, 4, 6, 7])
    raw = {i: p.signature for i, p in partials.items()}
    assert combine(raw, T) == combine(partials, T)
    with pytest.raises(ValueError, match="filed under"):
        combine({1: partials[2], 4: partials[4], 6: partials[6], 7: partials[7]}, T)
    with pytest.raises(ValueError):
        combine(raw, 0)


def test_partial_verification() -> None:
    result, shares = committee()
    p3 = partial_sign(shares[3], b"m")
    assert verify_partial(result.verification_keys[3], b"m", p3)
    assert verify_partial(result.verification_keys[3], b"m", p3.signature)
    assert not verify_partial(result.verification_keys[4], b"m", p3)
    assert not verify_partial(result.verification_keys[3], b"n", p3)


def test_combine_optimistic_fast_path_and_blame() -> None:
    result, _ = committee()
    msg = b"optimistic"
    vks = result.verification_keys
    honest = _partials(msg, range(1, N + 1))
    ok = combine_optimistic(honest, T, result.group_pk, msg, vks)
    assert ok.ok and not ok.checked_individually and ok.bad == ()

    bad = dict(honest)
    bad[2] = PartialSignature(2, 0, ARK.sign(999, msg))  # valid point, wrong key
    bad[3] = PartialSignature(3, 0, b"\xff" * 96)  # not even a point
    out = combine_optimistic(bad, T, result.group_pk, msg, vks)
    assert out.checked_individually
    assert out.bad == (2, 3)
    assert out.signature is not None and verify(result.group_pk, msg, out.signature)

    too_few = {i: bad[i] for i in (1, 2, 3, 4)}
    out = combine_optimistic(too_few, T, result.group_pk, msg, vks)
    assert out.signature is None and out.bad == (2, 3) and not out.ok
    assert out.to_public_dict() == {"signature": None, "bad": [2, 3], "checked_individually": True}


def test_pyecc_combines_arkworks_partials_identically() -> None:
    result, shares = run_dkg(3, 2, random.Random(3))
    partials = {i: partial_sign(shares[i], b"xchain", backend="arkworks") for i in (1, 3)}
    sig = combine(partials, 2, backend="py-ecc")
    assert sig == combine(partials, 2, backend="arkworks")
    assert verify(result.group_pk, b"xchain", sig, backend="py-ecc")


# -- secrecy -------------------------------------------------------------------------------


def _renderings(value: int) -> list[str]:
    return [str(value), hex(value), f"{value:x}", f"{value:X}", f"{value:064x}"]


def test_repr_of_secrets_is_redacted() -> None:
    _, shares = committee()
    for share in shares.values():
        texts = [repr(share), str(share), f"{share}", repr([share]), repr({1: share})]
        for text in texts:
            for rendering in _renderings(share.value):
                assert rendering not in text
        assert repr(share) == f"SecretShare(index={share.index}, epoch=0, <redacted>)"
    key = SecretKey.generate(random.Random(1))
    assert repr(key) == "SecretKey(<redacted>)"
    assert str(key.value) not in str(key)
    with pytest.raises(AttributeError):
        key.__dict__  # noqa: B018  (slots: no hidden attribute bag to dump)
    with pytest.raises(ValueError):
        SecretKey(0)


def test_public_results_carry_no_secrets() -> None:
    result, shares = committee()
    dumped = json.dumps(result.to_public_dict())
    text = dumped + repr(result)
    for share in shares.values():
        for rendering in _renderings(share.value):
            assert rendering not in text
    secret = group_secret()
    assert str(secret) not in text and f"{secret:x}" not in text
    assert json.loads(dumped)["group_pk"] == result.group_pk.hex()
    assert set(json.loads(dumped)["verification_keys"]) == {str(i) for i in range(1, N + 1)}


def test_sharing_round_repr_hides_private_shares() -> None:
    rnd = run_sharing_round({1: 5, 2: 6}, [1, 2, 3], 2, random.Random(0), ARK)
    assert "received" not in repr(rnd)
    for j, by_dealer in rnd.received.items():
        for value in by_dealer.values():
            assert str(value) not in repr(rnd), j
