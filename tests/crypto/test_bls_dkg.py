"""DKG, proactive refresh and resharing: keys stay fixed, faults are caught, epochs never mix.

Runs on arkworks except one py_ecc run that must reproduce the arkworks transcript exactly.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.crypto.bls import (
    CommitteeKey,
    DKGError,
    DKGResult,
    InsufficientSharesError,
    MixedEpochError,
    PartialSignature,
    RefreshResult,
    SecretShare,
    combine,
    get_backend,
    interpolate_at_zero,
    partial_sign,
    refresh,
    reshare,
    run_dkg,
    verify,
)

ARK = get_backend("arkworks")
N, T = 7, 4
PROPS = settings(max_examples=40, deadline=None, database=None)


@cache
def committee() -> tuple[DKGResult, dict[int, SecretShare]]:
    return run_dkg(N, T, random.Random(2024))


@cache
def refreshed() -> tuple[RefreshResult, dict[int, SecretShare]]:
    result, shares = committee()
    return refresh(result, shares, random.Random(7))


def _sign(shares: dict[int, SecretShare], members: list[int] | set[int], msg: bytes) -> bytes:
    # Combine with exactly len(members) as the threshold so every listed share is used.
    return combine({i: partial_sign(shares[i], msg) for i in members}, len(members))


def _assert_consistent(key: CommitteeKey, shares: dict[int, SecretShare]) -> None:
    """Shares match the public verification keys and interpolate to the group key."""
    assert set(shares) == set(key.verification_keys) == set(range(1, key.n + 1))
    for i, share in shares.items():
        assert share.index == i and share.epoch == key.epoch
        assert ARK.g1_mul_gen(share.value) == key.verification_keys[i]
    secret = interpolate_at_zero({i: s.value for i, s in list(shares.items())[: key.t]})
    assert ARK.sk_to_pk(secret) == key.group_pk
    assert key.commitments[0] == key.group_pk and len(key.commitments) == key.t


# -- DKG -----------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None, database=None)
@given(n=st.integers(1, 9), data=st.data(), seed=st.integers(0, 2**64))
def test_dkg_produces_a_consistent_key(n: int, data: st.DataObject, seed: int) -> None:
    t = data.draw(st.integers(1, n))
    result, shares = run_dkg(n, t, random.Random(seed))
    _assert_consistent(result, shares)
    assert result.epoch == 0 and (result.n, result.t) == (n, t)
    assert result.qualified == tuple(range(1, n + 1))
    assert result.disqualified == () and result.complaints == ()
    assert result.shares_needed == t


def test_shares_needed_reads_the_polynomial_s_degree_from_its_commitments() -> None:
    key, _ = run_dkg(5, 3, random.Random(3))
    identity = ARK.g1_mul_gen(0)
    assert key.shares_needed == 3
    assert replace(key, commitments=(*key.commitments[:2], identity)).shares_needed == 2
    assert replace(key, commitments=(key.commitments[0], identity, identity)).shares_needed == 1
    assert replace(key, commitments=(identity,) * 3).shares_needed == 0


def test_dkg_is_deterministic_in_the_seed() -> None:
    a, sa = run_dkg(5, 3, random.Random(99))
    b, sb = run_dkg(5, 3, random.Random(99))
    c, _ = run_dkg(5, 3, random.Random(100))
    assert a == b and sa == sb
    assert a.group_pk != c.group_pk


def test_pyecc_reproduces_the_arkworks_transcript() -> None:
    fast = run_dkg(3, 2, random.Random(5), backend="arkworks", corrupt={3: [1]})
    slow = run_dkg(3, 2, random.Random(5), backend="py-ecc", corrupt={3: [1]})
    assert fast == slow
    assert fast[0].disqualified == (3,)


def test_dealer_sending_a_bad_share_is_disqualified() -> None:
    result, shares = run_dkg(5, 3, random.Random(8), corrupt={2: [4]})
    assert result.disqualified == (2,)
    assert result.qualified == (1, 3, 4, 5)
    (complaint,) = result.complaints
    assert (complaint.complainer, complaint.dealer, complaint.justified) == (4, 2, True)
    # The victim still ends up with a correct share: dealer 2's contribution is dropped.
    _assert_consistent(result, shares)
    for members in ([1, 2, 3], [2, 4, 5], [3, 4, 5]):
        assert verify(result.group_pk, b"after fault", _sign(shares, members, b"after fault"))


def test_honest_run_would_have_included_the_faulty_dealer() -> None:
    # Same seed without the fault: the key differs, so dealer 2's exclusion really mattered.
    honest, _ = run_dkg(5, 3, random.Random(8))
    faulty, _ = run_dkg(5, 3, random.Random(8), corrupt={2: [4]})
    assert honest.qualified == (1, 2, 3, 4, 5)
    assert honest.group_pk != faulty.group_pk


def test_false_complaint_does_not_disqualify() -> None:
    result, shares = run_dkg(4, 2, random.Random(1), false_complaints={3: [1]})
    assert result.disqualified == ()
    (complaint,) = result.complaints
    assert (complaint.complainer, complaint.dealer, complaint.justified) == (3, 1, False)
    _assert_consistent(result, shares)


def test_dkg_aborts_when_every_dealer_cheats() -> None:
    with pytest.raises(DKGError):
        run_dkg(3, 2, random.Random(1), corrupt={1: [2], 2: [3], 3: [1]})


def test_dkg_rejects_bad_parameters() -> None:
    for n, t in ((3, 0), (3, 4), (0, 0)):
        with pytest.raises(ValueError):
            run_dkg(n, t, random.Random(0))
    with pytest.raises(ValueError, match="unknown members"):
        run_dkg(3, 2, random.Random(0), corrupt={4: [1]})


def test_public_dict_is_json_and_secret_free() -> None:
    result, shares = run_dkg(4, 3, random.Random(3), corrupt={1: [2]})
    dumped = json.dumps(result.to_public_dict())
    for share in shares.values():
        assert str(share.value) not in dumped and f"{share.value:x}" not in dumped
    loaded = json.loads(dumped)
    assert loaded["disqualified"] == [1] and loaded["epoch"] == 0
    assert loaded["complaints"][0]["complainer"] == 2


# -- refresh -------------------------------------------------------------------------------


def test_refresh_keeps_the_key_and_changes_every_share() -> None:
    old, old_shares = committee()
    new, new_shares = refreshed()
    _assert_consistent(new, new_shares)
    assert new.group_pk == old.group_pk and new.epoch == 1 and new.previous_epoch == 0
    for i in old.verification_keys:
        assert new.verification_keys[i] != old.verification_keys[i]
        assert new_shares[i].value != old_shares[i].value


@PROPS
@given(subset=st.sets(st.integers(1, N), min_size=T, max_size=T), msg=st.binary(max_size=32))
def test_any_t_refreshed_shares_sign(subset: set[int], msg: bytes) -> None:
    new, new_shares = refreshed()
    assert verify(new.group_pk, msg, _sign(new_shares, subset, msg))


@PROPS
@given(
    order=st.permutations(list(range(1, N + 1))),
    n_old=st.integers(1, T - 1),
    msg=st.binary(max_size=32),
)
def test_shares_from_two_epochs_never_combine(order: list[int], n_old: int, msg: bytes) -> None:
    old, old_shares = committee()
    _, new_shares = refreshed()
    chosen = order[:T]
    mixed = {
        i: partial_sign(old_shares[i] if k < n_old else new_shares[i], msg)
        for k, i in enumerate(chosen)
    }
    with pytest.raises(MixedEpochError):
        combine(mixed, T)
    # Stripping the epoch tags (an attacker's view) gives bytes that still do not verify.
    raw = {i: p.signature for i, p in mixed.items()}
    assert not verify(old.group_pk, msg, combine(raw, T))


def test_refresh_disqualifies_bad_dealers_and_still_works() -> None:
    old, shares = committee()
    new, new_shares = refresh(
        old, shares, random.Random(8), corrupt={1: [5]}, wrong_secret={6}
    )
    assert new.disqualified == (1, 6)
    reasons = {c.dealer: c for c in new.complaints}
    assert reasons[6].complainer is None and "constant-term" in reasons[6].reason
    assert reasons[1].complainer == 5 and reasons[1].justified
    assert new.group_pk == old.group_pk
    _assert_consistent(new, new_shares)


def test_refresh_refuses_stale_or_missing_shares() -> None:
    old, shares = committee()
    new, _ = refreshed()
    with pytest.raises(ValueError, match="epoch"):
        refresh(new, shares, random.Random(1))  # epoch-0 shares against the epoch-1 key
    with pytest.raises(ValueError, match="missing"):
        refresh(old, {i: shares[i] for i in range(1, N)}, random.Random(1))


def test_repeated_refresh() -> None:
    key, shares = refreshed()
    key2, shares2 = refresh(key, shares, random.Random(9))
    assert key2.epoch == 2 and key2.group_pk == key.group_pk
    assert verify(key2.group_pk, b"e2", _sign(shares2, [7, 3, 5, 1], b"e2"))


# -- resharing -----------------------------------------------------------------------------


@pytest.mark.parametrize(("new_n", "new_t"), [(5, 3), (10, 7), (4, 4), (3, 1)])
def test_reshare_keeps_the_group_key(new_n: int, new_t: int) -> None:
    old, shares = committee()
    participants = {i: shares[i] for i in (2, 3, 5, 7)}  # exactly t_old
    new, new_shares = reshare(old, participants, new_n, new_t, random.Random(4))
    assert new.group_pk == old.group_pk
    assert (new.n, new.t, new.epoch) == (new_n, new_t, 1)
    assert new.participants == (2, 3, 5, 7) and new.qualified == (2, 3, 5, 7)
    _assert_consistent(new, new_shares)
    top = list(range(new_n, new_n - new_t, -1))  # the highest indices, not just 1..t
    assert verify(old.group_pk, b"new", _sign(new_shares, top, b"new"))
    if new_t > 1:
        fewer = {i: partial_sign(new_shares[i], b"new") for i in range(1, new_t)}
        with pytest.raises(InsufficientSharesError):
            combine(fewer, new_t)


@settings(max_examples=12, deadline=None, database=None)
@given(
    participants=st.sets(st.integers(1, N), min_size=T, max_size=N),
    new_n=st.integers(1, 8),
    data=st.data(),
)
def test_reshare_from_any_sufficient_set(
    participants: set[int], new_n: int, data: st.DataObject
) -> None:
    old, shares = refreshed()  # resharing also works after a refresh
    new_t = data.draw(st.integers(1, new_n))
    new, new_shares = reshare(
        old, {i: shares[i] for i in participants}, new_n, new_t, random.Random(new_n)
    )
    assert new.group_pk == old.group_pk and new.epoch == old.epoch + 1
    signers = data.draw(st.sets(st.integers(1, new_n), min_size=new_t, max_size=new_t))
    assert verify(new.group_pk, b"m", _sign(new_shares, signers, b"m"))


def test_reshare_needs_t_old_members() -> None:
    old, shares = committee()
    with pytest.raises(InsufficientSharesError, match="t_old=4"):
        reshare(old, {i: shares[i] for i in (1, 2, 3)}, 5, 3, random.Random(0))


def test_reshare_rejects_a_dealer_sharing_the_wrong_secret() -> None:
    old, shares = committee()
    five = {i: shares[i] for i in (1, 2, 3, 4, 5)}
    new, new_shares = reshare(old, five, 4, 2, random.Random(0), wrong_secret={3})
    assert new.disqualified == (3,) and new.qualified == (1, 2, 4, 5)
    assert new.group_pk == old.group_pk
    _assert_consistent(new, new_shares)
    # With exactly t_old participants, losing one to disqualification leaves too few.
    four = {i: shares[i] for i in (1, 2, 3, 4)}
    with pytest.raises(InsufficientSharesError, match="dealt correctly"):
        reshare(old, four, 4, 2, random.Random(0), corrupt={2: [1]})


def test_old_and_new_committee_shares_do_not_mix() -> None:
    old, shares = committee()
    new, new_shares = reshare(old, shares, N, T, random.Random(12))
    mixed: dict[int, PartialSignature] = {i: partial_sign(shares[i], b"x") for i in (1, 2)}
    mixed |= {i: partial_sign(new_shares[i], b"x") for i in (3, 4)}
    with pytest.raises(MixedEpochError):
        combine(mixed, T)
    raw = {i: p.signature for i, p in mixed.items()}
    assert not verify(new.group_pk, b"x", combine(raw, T))
