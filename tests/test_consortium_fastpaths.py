"""The consortium's written-out encodings, each compared with the generic encoder."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.consortium.block import CHAIN_ID, Header, header_bytes, vote_bytes
from bridgelab.crypto.hashing import encode, sha256

words = st.integers(min_value=0, max_value=2**256 - 1)
digests = st.one_of(st.binary(min_size=32, max_size=32), st.binary(max_size=300))
# Times whose whole microseconds fit a word, as a block's time does.
times = st.floats(min_value=0.0, max_value=1e12, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    height=words, view=words, parent_hash=digests, time=times, proposer=words,
    events_root=digests, event_count=words,
)
def test_a_headers_bytes_are_the_generic_encoding(
    height, view, parent_hash, time, proposer, events_root, event_count
):
    header = Header(height, view, parent_hash, time, proposer, events_root, event_count)
    expected = encode(
        "consortium/header", CHAIN_ID, height, view, parent_hash, round(time * 1_000_000),
        proposer, events_root, event_count,
    )
    assert header_bytes(header) == expected
    assert header.hash == sha256(expected)


@settings(max_examples=300, deadline=None)
@given(height=words, view=words, block_hash=digests)
def test_a_votes_bytes_are_the_generic_encoding(height, view, block_hash):
    expected = encode("consortium/vote", CHAIN_ID, height, view, block_hash)
    assert vote_bytes(height, view, block_hash) == expected


def test_a_negative_field_is_refused_as_the_generic_encoder_refuses_it():
    with pytest.raises(ValueError):
        encode("consortium/vote", CHAIN_ID, -1, 0, bytes(32))
    with pytest.raises(OverflowError):
        vote_bytes(-1, 0, bytes(32))
    with pytest.raises(OverflowError):
        Header(1, -1, bytes(32), 0.0, 0, bytes(32), 0)
