"""The signed ledger archives its older keys (actors/ledger.py): every answer stays the same.

A ledger that archives after two live keys is driven by the same operations as one that
never archives, and every answer is compared, whatever order keys come back in.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.actors import ledger as ledger_module
from bridgelab.actors.ledger import SignedLedger
from bridgelab.actors.ledger_archive import LedgerArchive, SignedDigest
from tests.actors.ledger_rule import keeps_one_digest

DIRECTIONS = ("deposit", "withdrawal")
# Mostly small dense nonces, sometimes one far away or negative (an attack's own).
NONCES = st.one_of(st.integers(0, 40), st.sampled_from([-3, 10**9]))
KEYS = st.tuples(st.sampled_from(DIRECTIONS), NONCES)
DIGESTS = st.one_of(st.sampled_from([b"a" * 32, b"b" * 32, b"c" * 32]), st.just(b"short"))
MEMBERS = st.sampled_from([0, 1, 5, 20, 63, 64, 70])  # 64 and over do not fit a row's bits
EPOCHS = st.integers(0, 2)

OPERATIONS = st.one_of(
    st.tuples(st.just("add"), KEYS, MEMBERS, DIGESTS, EPOCHS),
    st.tuples(st.just("add_all"), st.lists(KEYS, min_size=1, max_size=5), MEMBERS,
              st.lists(DIGESTS, min_size=5, max_size=5), EPOCHS),
    st.tuples(st.just("latest"), KEYS, MEMBERS),
    st.tuples(st.just("latest_all"), st.lists(KEYS, min_size=1, max_size=5), MEMBERS),
    st.tuples(st.just("signed_any"), st.lists(KEYS, min_size=1, max_size=5), MEMBERS),
    st.tuples(st.just("repeat_batch"), MEMBERS),  # the same keys tuple again, next member
)


def _apply(ledger: SignedLedger, operation: tuple, last: list, signed: dict) -> object:
    """One operation on `ledger`; a signing that breaks the committee's rule (a second digest
    for a key) is left out, as the committee refuses it (`signed`: what each member signed)."""
    kind = operation[0]
    if kind == "repeat_batch":
        if not last:
            return None
        keys, digests, epoch = last[0]
        if keeps_one_digest(signed, operation[1], keys, digests):
            ledger.add_all(keys, operation[1], digests, epoch)
        return ledger.signed_any(keys, operation[1])
    if kind == "add":
        _, key, member, digest, epoch = operation
        if not keeps_one_digest(signed, member, (key,), (digest,)):
            return "refused"
        return ledger.add(key, member, digest, epoch)
    if kind == "add_all":
        _, keys, member, digests, epoch = operation
        keys, digests = tuple(keys), tuple(digests[: len(keys)])
        last[:] = [(keys, digests, epoch)]
        if not keeps_one_digest(signed, member, keys, digests):
            return "refused"
        return ledger.add_all(keys, member, digests, epoch)
    if kind == "latest":
        return ledger.latest(operation[1], operation[2])
    if kind == "latest_all":
        return ledger.latest_all(tuple(operation[1]), operation[2])
    return ledger.signed_any(tuple(operation[1]), operation[2])


@settings(max_examples=300, deadline=None)
@given(st.lists(OPERATIONS, max_size=80))
def test_an_archiving_ledger_answers_as_one_that_keeps_everything_live(operations):
    saved = ledger_module.ARCHIVE_SLACK
    ledger_module.ARCHIVE_SLACK = 1
    try:
        archiving, whole = SignedLedger(live_limit=2), SignedLedger(live_limit=10**9)
        last_a: list = []
        last_w: list = []
        signed_a: dict = {}
        signed_w: dict = {}
        for operation in operations:
            assert (_apply(archiving, operation, last_a, signed_a)
                    == _apply(whole, operation, last_w, signed_w))
            assert len(archiving) == len(whole)
        keys = sorted({(d, n) for d in DIRECTIONS for n in range(-3, 41)} | {
            (d, 10**9) for d in DIRECTIONS})
        for member in (0, 1, 5, 20, 63, 64, 70):
            assert [archiving.latest(key, member) for key in keys] == [
                whole.latest(key, member) for key in keys]
    finally:
        ledger_module.ARCHIVE_SLACK = saved


def test_a_long_run_of_fresh_keys_keeps_only_the_live_limit_as_objects():
    ledger = SignedLedger(live_limit=100)
    digest = b"d" * 32
    for nonce in range(5_000):
        keys = (("deposit", nonce),)
        for member in range(3):
            ledger.add_all(keys, member, (digest,), 0)
    assert len(ledger) == 5_000
    assert len(ledger._by_key) <= 100 + ledger_module.ARCHIVE_SLACK
    assert ledger.latest(("deposit", 7), 2) == (digest, 0)
    assert ledger.latest(("deposit", 7), 3) is None


def test_the_archive_keeps_odd_keys_whole_and_rows_for_the_rest():
    archive = LedgerArchive()
    plain = [SignedDigest(b"x" * 32, 1, 0b101)]
    two = [SignedDigest(b"x" * 32, 0, 1), SignedDigest(b"x" * 32, 1, 1)]
    wide = [SignedDigest(b"y" * 32, 0, 1 << 80)]  # a committee of more than 64 members
    for key, entries in ((("deposit", 3), plain), (("deposit", 4), two),
                         (("withdrawal", 5), wide), (("deposit", -1), plain)):
        archive.put(key, entries)
    assert len(archive) == 4
    assert archive.take(("deposit", 4)) is two  # kept as it was
    again = archive.take(("deposit", 3))
    assert again is not None and again is not plain and again[0] == plain[0]
    assert archive.take(("deposit", 3)) is None  # taken back: no longer archived
    assert archive.take(("withdrawal", 5))[0].members == 1 << 80
    assert archive.take(("deposit", 99)) is None and len(archive) == 1
