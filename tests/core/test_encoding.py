"""The canonical history line: byte for byte what the standard JSON encoder writes, whichever
encoder wrote it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core import encoding as encoding_module
from bridgelab.core.encoding import canonical_json, canonical_line

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.text(max_size=12)
    | st.floats(allow_nan=True, allow_infinity=True)
    # Floats near where the standard encoder switches to exponents, and hex-like strings.
    | st.floats(min_value=-1e-3, max_value=1e-3) | st.sampled_from([1e16, 1e-7, 5e-05, 1e-4])
    | st.binary(max_size=8).map(bytes.hex)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=1000, deadline=None)
@given(fields=st.dictionaries(st.text(max_size=8), json_values, max_size=6),
       time=st.floats(0, 1e7, allow_nan=False))
def test_a_history_line_is_what_the_standard_encoder_writes(fields, time):
    record = {"seq": 3, "t": time, "actor": "member-2", "kind": "endorse", **fields}
    standard = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert canonical_line(record) == (standard + "\n").encode("ascii")
    assert canonical_json(record) == standard


# A certificate's worth of hex: a line this long takes the checks for long lines.
LONG_HEX = ["ff" * 65] * 12


@settings(max_examples=1000, deadline=None)
@given(fields=st.dictionaries(st.text(max_size=8), json_values, max_size=6),
       time=st.floats(0, 1e7, allow_nan=False))
def test_a_long_history_line_is_what_the_standard_encoder_writes(fields, time):
    record = {"seq": 3, "t": time, "actor": "bridge", "kind": "mint", **fields,
              "signatures": LONG_HEX}
    standard = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert len(standard) >= encoding_module._LONG_LINE
    assert canonical_line(record) == (standard + "\n").encode("ascii")


def test_a_history_line_follows_the_standard_rules_where_the_fast_encoder_differs():
    unusual = [{"big": 2**70}, {"small": 5e-05}, {"tiny": -1e-7}, {"nan": math.nan},
               {"inf": -math.inf}, {"text": "caf\u00e9"}, {"delete": "\x7f"},
               {"keys": {1: "a", 2: "b"}}]
    for record in unusual + [{**record, "signatures": LONG_HEX} for record in unusual]:
        standard = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        assert canonical_line(record) == (standard + "\n").encode("ascii"), record


def test_an_ordinary_record_takes_the_fast_encoder(monkeypatch):
    """The checks let a typical record through (else the fast path would never run, and the
    comparisons above would pass on the standard encoder alone)."""
    def standard_only(record):
        raise AssertionError(f"fell back to the standard encoder for {record}")

    monkeypatch.setattr(encoding_module, "_standard_line", standard_only)
    short = {"seq": 7, "t": 1234.5, "actor": "member-3", "kind": "endorse.batch",
             "root": bytes(range(32)).hex(), "nonces": [1, 2, 3], "epoch": 0,
             "certificate": {"scheme": "multisig", "signatures": ["ab" * 65] * 3}}
    long = {**short, "kind": "mint", "tx": "relayer-0/tx1", "amount": 0.5,
            "certificate": {"scheme": "multisig", "signatures": LONG_HEX}}
    for record in (short, long):
        standard = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        assert canonical_line(record) == (standard + "\n").encode("ascii")
    assert len(canonical_line(long)) >= encoding_module._LONG_LINE


def test_a_value_the_standard_encoder_refuses_is_refused():
    @dataclass
    class Point:
        x: int

    for value in (Point(1), {1, 2}, b"bytes"):
        with pytest.raises(TypeError):
            canonical_line({"value": value})
