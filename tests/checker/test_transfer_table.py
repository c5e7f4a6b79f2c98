"""checker/transfer_table.py: the monitor's locks and burns answer as a dict of Transfers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker.transfer_table import MAX_GAP, Transfer, TransferTable

# Mostly the next nonce up (as a run makes them), some out of order, replayed or made up.
NONCES = st.one_of(st.integers(0, 30), st.sampled_from([-1, MAX_GAP + 40, 10**15]))
PROBES = st.one_of(NONCES, st.booleans(), st.sampled_from(["2", 1.0, 3.5, None]))
TRANSFERS = st.builds(
    Transfer,
    st.sampled_from(["SP-TOKEN", "OTHER", 7]),
    st.one_of(st.integers(0, 10**6), st.sampled_from([2**63, -(2**63) - 1])),
    st.sampled_from(["user-001", "user-002", "attacker", None]),
    st.sampled_from([-1, 0, 5, 2**62]),
    st.one_of(st.floats(0, 1e6, allow_nan=False), st.just(3)),
    st.booleans(),
)


@pytest.mark.parametrize("chunk", [None, 3])  # 3: nearly every row is in the columns' files
@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["set", "next", "pop", "ask"]), NONCES, TRANSFERS,
                          PROBES), max_size=120))
def test_a_transfer_table_answers_as_a_dict(chunk, operations):
    table: TransferTable = TransferTable(chunk)
    plain: dict[object, Transfer] = {}
    for operation, nonce, transfer, probe in operations:
        if operation == "next":  # the usual case: the next nonce up
            nonce = max((n for n in plain if type(n) is int), default=-1) + 1
        if operation in ("set", "next"):
            table[nonce] = transfer
            plain[nonce] = transfer
        elif operation == "pop":
            assert table.pop(nonce) == plain.pop(nonce, None)
        assert table.get(probe) == plain.get(probe)
        assert (probe in table) == (probe in plain)
        assert len(table) == len(plain)
    assert list(table.items()) == list(plain.items())
    assert list(table) == list(plain) and list(table.values()) == list(plain.values())
    for honest_only in (True, False):
        for bound in (None, -1, 5):
            assert table.counted(honest_only=honest_only, number_at_most=bound) == sum(
                1 for t in plain.values() if not (honest_only and t.adversary)
                and (bound is None or t.number <= bound))


def test_nonces_in_order_stay_in_columns():
    table = TransferTable()
    for nonce in range(1_000):
        table[nonce] = Transfer("SP-TOKEN", nonce, f"user-{nonce % 7}", -1, float(nonce))
    assert table._dict is None and len(table._name_list) == 8
    assert table[999] == Transfer("SP-TOKEN", 999, "user-5", -1, 999.0)
    assert table.pop(999) is not None and 999 not in table
    table[999] = Transfer("SP-TOKEN", 1, "user-1", 3, 1.0, True)
    assert table._dict is None and table[999].adversary
    table[5] = table[5]  # an overwrite keeps its place
    assert table._dict is None
    table.pop(5)
    table[5] = Transfer("SP-TOKEN", 1, "user-1")  # a dict would put it last: so does the table
    assert table._dict is not None and list(table)[-1] == 5
