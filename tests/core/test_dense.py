"""core/dense.py: a DenseIntMap answers as a dict[int, int] would."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core.dense import GROWTH, MAX_GAP, DenseIntMap

KEYS = st.one_of(st.integers(0, 50), st.integers(-5, -1), st.sampled_from(
    [MAX_GAP - 1, MAX_GAP, MAX_GAP + 10, 10**12, 2**70]))
# Looked up but never stored: what a dict with int keys would still find (or not).
ODD_KEYS = st.one_of(KEYS, st.booleans(), st.sampled_from(
    ["x", 1.0, 2.5, float("inf"), float("nan"), -0.0, None]))
VALUES = st.one_of(st.integers(-3, 100), st.sampled_from([-(2**63), 2**63 - 1, 2**64, 0]))


@pytest.mark.parametrize("chunk", [None, 3])  # 3: nearly every key is in the column's file
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["write", "pop", "ask"]), ODD_KEYS, VALUES),
                max_size=120))
def test_a_dense_map_answers_as_a_dict(chunk, operations):
    dense, plain = DenseIntMap(chunk), {}
    for operation, key, value in operations:
        if operation == "write" and type(key) is int:
            dense[key] = value
            plain[key] = value
        elif operation == "pop":
            assert dense.pop(key) == plain.pop(key, None)
            assert dense.pop(key, -7) == plain.pop(key, -7)
        assert (key in dense) == (key in plain)
        assert dense.get(key) == plain.get(key)
        assert dense.get(key, -7) == plain.get(key, -7)
        assert len(dense) == len(plain)
    for key in [*plain, 0, 1, 49, MAX_GAP + 10, 10**12]:
        assert dense.get(key) == plain.get(key)
    # Iteration: the dict's keys, values and pairs (in another order).
    assert sorted(dense) == sorted(plain) == sorted(dense.keys())
    assert sorted(dense.values()) == sorted(plain.values())
    assert sorted(dense.items()) == sorted(plain.items())


def test_dense_keys_take_the_array_and_far_ones_the_dict():
    dense = DenseIntMap()
    for nonce in range(1_000):
        dense[nonce] = nonce * 2
    dense[10**9] = 5  # far past the array: the dict
    assert len(dense) == 1_001 and dense[999] == 1_998 and dense[10**9] == 5
    assert len(dense._others) == 1 and 1_000 <= len(dense._values) < 1_000 + GROWTH
    with pytest.raises(KeyError):
        dense[1_000]


NAMES = ["user-000", "user-001", "user-002"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([*NAMES, "adversary", "user-00"]),
                          st.one_of(st.integers(0, 30), st.sampled_from([-4, 10**20]))),
                max_size=40),
       st.lists(st.text(alphabet="user-0123/burnx", max_size=16), max_size=20))
def test_the_users_burn_tx_ids_answer_as_a_dict_of_them(added, probes):
    from bridgelab.workload.users import BurnTxs

    burns, plain = BurnTxs(NAMES, {name: i for i, name in enumerate(NAMES)}), {}
    for recipient, nonce in added:
        burns.add(recipient, nonce)
        plain[f"{recipient}/burn{nonce}"] = nonce
    for tx_id in [*plain, *probes, "user-001/burn007", "user-001/burn", 5]:
        assert burns.get(tx_id) == plain.get(tx_id)


def test_dense_maps_are_equal_when_their_dicts_are():
    near, far = DenseIntMap(), DenseIntMap()
    near[3] = 1
    far[3] = 1
    far[10**9] = 2
    assert near != far
    near[10**9] = 2
    assert near == far and near.as_dict() == {3: 1, 10**9: 2}
    far.pop(3)
    assert near != far
