"""settlement/block_list.py: archived blocks come back equal to the pruned blocks they were."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core import column
from bridgelab.settlement.block_list import BlockList
from bridgelab.settlement.blocks import SettlementBlock, SettlementHeader

DIGESTS = st.one_of(st.binary(min_size=32, max_size=32), st.sampled_from([b"", b"\x01" * 33]))
INTS = st.one_of(st.integers(0, 10**6), st.sampled_from([2**63 - 1, 2**63, 2**64 + 5]))


@st.composite
def _blocks(draw, count: int) -> list[SettlementBlock]:
    blocks = []
    for number in range(count):
        header = SettlementHeader(number, draw(INTS), draw(DIGESTS), draw(INTS), draw(DIGESTS),
                                  draw(INTS), draw(INTS), draw(INTS))
        time = draw(st.one_of(st.floats(0, 1e9, allow_nan=False), st.just(7)))
        txs = tuple(draw(st.lists(st.sampled_from(["batch-tx", "bundle"]), max_size=2)))
        blocks.append(SettlementBlock(header, (b"event",), (), time, txs))
    return blocks


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 30).flatmap(lambda n: st.tuples(
    _blocks(n), st.integers(0, n), st.integers(0, 3), st.sampled_from([None, 1, 2]))))
def test_a_block_list_answers_as_a_list_of_pruned_blocks(case):
    blocks, archive, popped, chunk = case
    if chunk is not None:
        column.CHUNK, saved = chunk, column.CHUNK
    try:
        listed, plain = BlockList(), []
        for block in blocks:
            listed.append(block)
            plain.append(block)
        for number in range(archive):  # as the chain prunes: the body goes, batches stay
            kept = tuple(tx for tx in plain[number].txs if tx == "batch-tx")
            listed.archive(kept)
            old = plain[number]
            plain[number] = SettlementBlock(old.header, (), (), old.time, kept)
        popped = min(popped, len(plain) - archive)
        if popped:
            assert listed.pop_newest(popped) == plain[-popped:]
            del plain[-popped:]
        assert len(listed) == len(plain) and listed.archived == archive
        assert list(listed) == plain and list(reversed(listed)) == plain[::-1]
        for number in range(-len(plain), len(plain)):
            assert listed[number] == plain[number]
            assert listed[number].header.hash == plain[number].header.hash
        for number in (len(plain), -len(plain) - 1):
            with pytest.raises(IndexError):
                listed[number]
        # A block kept with its transactions is the very object: the L2 batcher holds its
        # header and asks by identity whether it is still on the chain.
        for number in range(archive):
            if plain[number].txs:
                assert listed[number].header is plain[number].header
    finally:
        if chunk is not None:
            column.CHUNK = saved
