"""checker/metrics.py: a summary over a column (sorted chunk by chunk, merged into an array)
is the summary of the same samples as a list, sorted whole."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker.metrics import percentile, summarize
from bridgelab.core.column import Column

SAMPLES = {"d": st.floats(-1e9, 1e9, allow_nan=False), "q": st.integers(-(2**62), 2**62)}


def _by_the_list(values: list) -> dict:
    """The summary as it was computed before columns: sorted whole, once per percentile."""
    def at(q: float):
        if not values:
            return None
        ordered = sorted(values)
        if len(ordered) == 1:
            return ordered[0]
        rank = (len(ordered) - 1) * q / 100.0
        low, high = math.floor(rank), math.ceil(rank)
        return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)

    def rounded(value):
        return None if value is None else round(value, 3)

    return {"count": len(values),
            "mean": rounded(sum(values) / len(values)) if values else None,
            "min": rounded(min(values)) if values else None,
            "p50": rounded(at(50)), "p95": rounded(at(95)), "p99": rounded(at(99)),
            "max": rounded(max(values)) if values else None}


@pytest.mark.parametrize("typecode", sorted(SAMPLES))
@settings(max_examples=200, deadline=None)
@given(data=st.data(), chunk=st.integers(1, 6))
def test_a_column_summarizes_as_its_samples_do(typecode, data, chunk):
    samples = data.draw(st.lists(SAMPLES[typecode], max_size=60))
    column = Column(typecode, chunk)
    column.extend(samples)
    assert summarize(column) == summarize(samples) == _by_the_list(samples)
    for q in (0, 50, 95, 99, 100):
        assert percentile(column, q) == percentile(samples, q)
