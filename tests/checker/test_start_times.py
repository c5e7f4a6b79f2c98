"""checker/start_times.py answers as the two maps it replaces (tx -> time, nonce -> tx)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker.start_times import RECENT_TXS, StartTimes

# Users never submit an empty tx id (the old map answered one for a nonce with no tx).
TXS = st.sampled_from(["user-001/lock0", "user-002/lock1", "user-001/lock2", "x"])
NONCES = st.one_of(st.integers(0, 12), st.sampled_from([-3, 2**70, "7"]))
TIMES = st.one_of(st.floats(allow_nan=False), st.just(-0.0), st.integers(0, 5))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.booleans(), TXS, NONCES, TIMES), max_size=80))
def test_start_times_answer_as_the_two_maps(operations):
    times, submitted, tx_of_nonce = StartTimes(), {}, {}
    resolved: set[str] = set()
    for is_submission, tx, nonce, time in operations:
        if is_submission:
            if tx in resolved:
                continue  # a user never submits a tx again once its contract event came
            times.submitted(tx, time)
            submitted[tx] = time
        else:
            times.resolve(nonce, tx)
            tx_of_nonce[nonce] = tx
            resolved.add(tx)
        for probe in [nonce, *tx_of_nonce]:
            expected = submitted.get(tx_of_nonce.get(probe, ""))
            found = times.started(probe)
            assert found == expected and type(found) is type(expected)


def test_a_tx_resolved_again_keeps_its_time_until_recent_txs_newer_ones_came():
    """A second contract event for a tx (a reorg's re-execution) comes blocks later: within
    `RECENT_TXS` resolutions it keeps its submission time; past them it is forgotten, and
    the nonce has no start (a latency is then not measured, never measured wrong)."""
    times = StartTimes()
    times.submitted("old", 5.0)
    times.resolve(0, "old")
    for index in range(1, RECENT_TXS):
        times.submitted(f"tx{index}", float(index))
        times.resolve(index, f"tx{index}")
    times.resolve(0, "old")  # RECENT_TXS - 1 newer: still remembered (and now the newest)
    assert times.started(0) == 5.0
    last = 2 * RECENT_TXS
    for index in range(RECENT_TXS, last + 1):  # RECENT_TXS + 1 newer ones
        times.submitted(f"tx{index}", float(index))
        times.resolve(index, f"tx{index}")
    times.resolve(0, "old")  # forgotten by now
    assert times.started(0) is None
    assert times.started(last) == float(last)
