"""core/digest_set.py: a DigestSet answers as a set of bytes would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core import digest_set, sorted_run
from bridgelab.core.digest_set import DigestSet

# Few distinct 32-byte values, so that members come back; sometimes another length.
DIGESTS = st.one_of(
    st.binary(min_size=1, max_size=2).map(lambda head: head.ljust(32, b"\x07")),
    st.sampled_from([bytes(32), b"\xff" * 32, b"short", b""]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "ask"]), DIGESTS), max_size=120))
def test_a_digest_set_answers_as_a_set(operations):
    saved = digest_set.MERGE_AT, sorted_run.BLOCK
    # Merge often, in blocks of two: most members live in the sorted run's file, over blocks.
    digest_set.MERGE_AT, sorted_run.BLOCK = 3, 2
    try:
        compact, plain = DigestSet(), set()
        for kind, value in operations:
            if kind == "add":
                compact.add(value)
                plain.add(value)
            assert (value in compact) == (value in plain)
            assert len(compact) == len(plain)
        assert sorted(compact) == sorted(plain)
        assert compact == plain and compact == DigestSet(plain)
        assert 12 not in compact
    finally:
        digest_set.MERGE_AT, sorted_run.BLOCK = saved


def test_merged_members_are_kept_sorted_once_each():
    members = [bytes([i % 251, i // 251]) * 16 for i in range(10_000)]
    compact = DigestSet(reversed(members))
    compact.add(members[17])
    rows = list(compact._sorted)
    assert rows == sorted(set(rows)) and len(rows) >= 10_000 - digest_set.MERGE_AT
    assert len(compact) == 10_000 and all(member in compact for member in members[::97])
    assert b"\x00" * 31 + b"\x01" not in compact


def test_a_sorted_run_holds_one_record_per_block_in_memory():
    members = sorted(bytes([i % 251, i // 251]) * 16 for i in range(5_000))
    run = sorted_run.SortedRun(32).merged(members[::2]).merged(members[1::2])
    assert len(run) == 5_000 and list(run) == members
    assert len(run._firsts) == -(-5_000 // sorted_run.BLOCK)  # the index: a record a block
    assert all(member in run for member in members[::37])
    assert b"\xff" * 32 not in run and b"short" not in run
