"""The history's shortcuts, each compared with doing the work in full every time."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core.history import TIME_DECIMALS, History

# -- the remembered rounded time -------------------------------------------------------------

# Times that are equal and round apart (0.0 and -0.0, 1 and 1.0), times that never equal
# themselves (NaN), times near a rounding boundary, and any float at all.
times = st.sampled_from(
    [0, 0.0, -0.0, 1, 1.0, 2.0000005, 2.0000015, 0.1 + 0.2, 0.3, math.nan, math.inf, 1e-7]
) | st.floats() | st.integers(-5, 5)


@settings(max_examples=500, deadline=None)
@given(sequence=st.lists(times, max_size=12))
def test_a_remembered_rounded_time_is_the_time_rounded_afresh(sequence):
    history = History()
    recorded: list[object] = []
    history.subscribe_records(lambda record: recorded.append(record["t"]))
    for time in sequence:
        history.record(time, "bridge", "tick")
    expected = [round(time, TIME_DECIMALS) for time in sequence]
    # repr tells -0.0 from 0.0 and shows NaN; the type tells 1 from 1.0.
    assert [(type(t), repr(t)) for t in recorded] == [(type(t), repr(t)) for t in expected]
    assert [(type(e.time), repr(e.time)) for e in history.events] == [
        (type(t), repr(t)) for t in expected
    ]
