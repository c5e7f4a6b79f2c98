"""Records are dropped once final (actors/ledger.py): a member refuses a nonce far below its
signed prefix as stale, and answers every other key as a ledger that keeps everything would.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.actors import ledger as ledger_module
from bridgelab.actors import ledger_archive
from bridgelab.actors.ledger import STALE, SignedLedger
from bridgelab.bench.workload import standard_scenario
from bridgelab.runner import run

DIGEST = b"d" * 32


@pytest.fixture
def small_horizon(monkeypatch):
    monkeypatch.setattr(ledger_module, "ARCHIVE_SLACK", 1)
    monkeypatch.setattr(ledger_archive, "NONCE_HORIZON", 8)
    monkeypatch.setattr(ledger_archive, "DROP_CHUNK", 4)


def _sign_in_order(ledger: SignedLedger, nonces: range, members: range) -> None:
    for nonce in nonces:
        keys = (("deposit", nonce),)
        for member in members:
            ledger.add_all(keys, member, (DIGEST,), 0)


def test_rows_below_every_members_horizon_are_dropped(small_horizon):
    ledger = SignedLedger(live_limit=4)
    _sign_in_order(ledger, range(200), range(3))
    # 200 keys signed: only the live ones, the horizon and one chunk are still held.
    assert len(ledger) <= 4 + 1 + 8 + 4
    assert ledger.latest(("deposit", 3), 0) is STALE
    assert ledger.latest_all((("deposit", 3), ("deposit", 199)), 1) == [STALE, (DIGEST, 0)]
    assert ledger.signed_any((("deposit", 3),), 2)  # stale: never the fresh path
    # A member that signed nothing is never stale, and its ledger is still true: it signed
    # nothing.
    assert ledger.latest(("deposit", 3), 7) is None
    assert not ledger.signed_any((("deposit", 3),), 7)
    # Near the prefix the rule is as it was: a second digest is seen as one.
    assert ledger.latest(("deposit", 190), 0) == (DIGEST, 0)


def test_a_member_that_missed_a_nonce_keeps_every_row_from_there(small_horizon):
    ledger = SignedLedger(live_limit=4)
    for nonce in range(200):
        keys = (("deposit", nonce),)
        for member in range(3):
            if not (member == 2 and nonce == 50):
                ledger.add_all(keys, member, (DIGEST,), 0)
    # Member 2 never signed nonce 50: its prefix stays there, so nothing from 50 on is
    # dropped, for any member, and member 2 is never stale above it.
    assert ledger.latest(("deposit", 50), 2) is None
    assert ledger.latest(("deposit", 51), 2) == (DIGEST, 0)
    assert ledger.latest(("deposit", 40), 2) is STALE
    assert ledger.latest(("deposit", 60), 0) is STALE  # members 0 and 1 went on
    assert len(ledger) >= 200 - 50 - 4


OPERATIONS = st.tuples(st.just("sign"), st.integers(0, 60), st.integers(1, 30),
                       st.integers(0, 3), st.sampled_from([b"a" * 32, b"b" * 32]))


@settings(max_examples=200, deadline=None)
@given(st.lists(OPERATIONS, max_size=20))
def test_a_pruning_ledger_is_stale_only_where_the_member_signed(operations):
    """Against a ledger that keeps everything: the same answer for every key, except STALE,
    and STALE only for a key the member did sign."""
    saved = (ledger_module.ARCHIVE_SLACK, ledger_archive.NONCE_HORIZON,
             ledger_archive.DROP_CHUNK)
    ledger_module.ARCHIVE_SLACK, ledger_archive.NONCE_HORIZON, ledger_archive.DROP_CHUNK = 1, 3, 2
    try:
        pruning, whole = SignedLedger(live_limit=2), SignedLedger(live_limit=10**9)
        for operation in operations:
            _, start, count, member, digest = operation
            for nonce in range(start, start + count):
                key = ("deposit", nonce)
                if pruning.latest(key, member) is STALE:
                    assert whole.latest(key, member) is not None
                    continue
                pruning.add(key, member, digest, 0)
                whole.add(key, member, digest, 0)
            for member in range(4):
                for nonce in range(100):
                    key = ("deposit", nonce)
                    found = pruning.latest(key, member)
                    if found is STALE:
                        assert whole.latest(key, member) is not None
                    else:
                        assert found == whole.latest(key, member)
    finally:
        (ledger_module.ARCHIVE_SLACK, ledger_archive.NONCE_HORIZON,
         ledger_archive.DROP_CHUNK) = saved


def test_pruning_leaves_an_honest_long_run_as_it_was(monkeypatch):
    scenario = standard_scenario("multisig", "arkworks", 400, signatures="symbolic",
                                 batched=True)
    kept = run(scenario, 1).history_sha256
    monkeypatch.setattr(ledger_module, "LIVE_KEYS", 16)
    monkeypatch.setattr(ledger_module, "ARCHIVE_SLACK", 4)
    monkeypatch.setattr(ledger_archive, "NONCE_HORIZON", 24)
    monkeypatch.setattr(ledger_archive, "DROP_CHUNK", 8)
    seen: list[SignedLedger] = []
    original = SignedLedger.__init__

    def init(self, live_limit=None):
        original(self, ledger_module.LIVE_KEYS)
        seen.append(self)

    monkeypatch.setattr(SignedLedger, "__init__", init)
    assert run(scenario, 1).history_sha256 == kept
    archive = seen[0]._archive
    assert archive.stale_possible and all(rows.base > 0 for rows in archive._rows.values())
