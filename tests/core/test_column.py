"""core/column.py: a Column answers as an array does, with its older chunks in a file."""

from __future__ import annotations

from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core.column import HOT_CHUNKS, Column

TYPES = {"q": st.integers(-(2**63), 2**63 - 1), "i": st.integers(-(2**31), 2**31 - 1),
         "d": st.floats(allow_nan=False), "b": st.integers(-128, 127)}


@st.composite
def _runs(draw):
    typecode = draw(st.sampled_from(sorted(TYPES)))
    items = TYPES[typecode]
    operations = draw(st.lists(st.one_of(
        st.tuples(st.just("append"), items),
        st.tuples(st.just("extend"), st.lists(items, max_size=9)),
        st.tuples(st.just("set"), st.tuples(st.integers(0, 200), items)),
        st.tuples(st.just("get"), st.integers(-3, 210)),
        st.tuples(st.just("clear"), st.none()),
    ), max_size=80))
    return typecode, draw(st.integers(1, 5)), operations


@settings(max_examples=400, deadline=None)
@given(_runs())
def test_a_column_answers_as_an_array(run):
    typecode, chunk_size, operations = run
    column, plain = Column(typecode, chunk_size), array(typecode)
    for operation, argument in operations:
        if operation == "append":
            column.append(argument)
            plain.append(argument)
        elif operation == "extend":
            column.extend(argument)
            plain.extend(argument)
        elif operation == "set":
            index, value = argument
            if index < len(plain):
                column[index] = value
                plain[index] = value
            else:
                with pytest.raises(IndexError):
                    column[index] = value
        elif operation == "get":
            if 0 <= argument < len(plain):
                assert column[argument] == plain[argument]
            else:  # past the end, or negative (which a Column does not take)
                with pytest.raises(IndexError):
                    column[argument]
        else:
            column.clear()
            del plain[:]
        assert len(column) == len(plain)
    assert list(column) == list(plain)
    assert [column[i] for i in range(len(plain))] == list(plain)
    assert [item for chunk in column.chunks() for item in chunk] == list(plain)
    assert all(0 < len(chunk) <= chunk_size for chunk in column.chunks())


def test_memory_holds_the_newest_chunks_only():
    column = Column("q", 100)
    for value in range(10_000):
        column.append(value * 3)
    # At most HOT_CHUNKS + 1 chunks in memory: the rest went to the file.
    assert len(column._hot) <= 100 * (HOT_CHUNKS + 1) and column._file is not None
    assert column[0] == 0 and column[5_000] == 15_000 and column[9_999] == 29_997
    column[17] = -1  # written through to the file: read back after another chunk was
    assert column[8_000] == 24_000 and column[17] == -1 and sum(column) == sum(
        value * 3 for value in range(10_000)) - 51 - 1
    column.clear()
    assert len(column) == 0 and column._file is None
