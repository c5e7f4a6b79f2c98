"""checker/agreement.py keeps a height's only commit compactly, and still finds every rival."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker.agreement import MAX_HEIGHTS, AgreementFold, CommitRecord


def _fields(height: int, label: str, view: int = 0) -> dict[str, object]:
    return {"height": height, "view": view, "hash": label}


def test_a_rival_long_after_the_first_commit_is_still_found():
    fold = AgreementFold("symbolic")
    for height in range(MAX_HEIGHTS + 10):
        assert fold.on_block(height, _fields(height, f"{height:016x}")) is None
    assert not fold.commits  # every first commit is kept compactly
    finding = fold.on_block(10**6, _fields(2, "ffffffffffffffff"))
    assert finding is not None
    assert finding.evidence["blocks"] == ["0000000000000002", "ffffffffffffffff"]
    assert finding.evidence["events"] == [2, 10**6]
    assert finding.evidence["double_signers"] is None
    # The same block recorded again is no rival.
    assert fold.on_block(10**6 + 1, _fields(7, f"{7:016x}")) is None


LABELS = st.sampled_from(["00000000000000aa", "00000000000000bb", "0000000000000000",
                          "ffffffffffffffff", "not-hex-label!!!", "ab", "ABCDEF0123456789"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(-2, 12), LABELS, st.integers(0, 3)), max_size=60))
def test_compact_first_commits_find_what_full_records_find(commits):
    compact = AgreementFold("symbolic")
    full = AgreementFold("symbolic")
    full._keep_compactly = lambda record: False  # type: ignore[method-assign]
    for seq, (height, label, view) in enumerate(commits):
        found = compact.on_block(seq, _fields(height, label, view))
        expected = full.on_block(seq, _fields(height, label, view))
        assert (found is None) == (expected is None)
        if found is not None and expected is not None:
            assert found.detail == expected.detail and found.evidence == expected.evidence
    assert compact.checked == full.checked
    record = CommitRecord.of(7, _fields(3, "ab" * 10, view=2))
    assert (record.seq, record.height, record.view, record.label) == (7, 3, 2, "ab" * 8)
    assert record.full_hash is None and record.signers is None
