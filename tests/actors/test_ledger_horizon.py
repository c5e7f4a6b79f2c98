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
    and STALE only for a key the member did sign. Signing keeps the committee's rule: no
    second digest for a key (the ledger asserts it; see the test below)."""
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
                if whole.latest(key, member) not in (None, (digest, 0)):
                    continue  # the committee refuses it as equivocation
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


def test_a_member_cannot_record_a_second_digest_for_a_key():
    """The pruning and the whole ledger once answered differently for a member that signed
    two digests for one nonce (which had `latest` was a matter of list order). The committee
    never records one; the ledger asserts so, one message at a time and in a batch."""
    ledger = SignedLedger()
    ledger.add(("deposit", 0), 0, b"b" * 32, 0)
    ledger.add(("deposit", 0), 1, b"a" * 32, 0)
    ledger.add(("deposit", 0), 1, b"a" * 32, 1)  # the same message in a refreshed epoch
    with pytest.raises(AssertionError, match="second digest"):
        ledger.add(("deposit", 0), 1, b"b" * 32, 0)
    keys = (("deposit", 1), ("deposit", 0))
    ledger.add_all(keys, 2, (b"c" * 32, b"b" * 32), 0)
    with pytest.raises(AssertionError, match="second digest"):
        ledger.add_all(keys, 2, (b"c" * 32, b"a" * 32), 1)


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


# -- the committee's use of a pruning ledger, against what each member really signed ----------

DIRECTIONS = ("deposit", "withdrawal")
ANY_MEMBER = st.sampled_from([0, 1, 2, 5, 63, 64, 65])  # 64 and over never fit a row
ANY_DIGEST = st.sampled_from([b"a" * 32, b"b" * 32, b"c" * 32, b"short"])
ANY_NONCE = st.one_of(st.integers(-3, 80), st.sampled_from([True, 200, 10**9, 2**70]))
STEPS = st.one_of(
    # Fresh nonces in order, signed by some members, one at a time or in batches.
    st.tuples(st.just("run"), st.sampled_from(DIRECTIONS), st.integers(1, 30),
              st.lists(ANY_MEMBER, min_size=1, max_size=4, unique=True), st.booleans(),
              st.integers(1, 3)),
    st.tuples(st.just("single"), st.sampled_from(DIRECTIONS), ANY_NONCE, ANY_MEMBER,
              ANY_DIGEST),
    st.tuples(st.just("batch"), st.sampled_from(DIRECTIONS),
              st.lists(ANY_NONCE, min_size=1, max_size=4, unique=True),
              st.lists(ANY_MEMBER, min_size=1, max_size=4, unique=True),
              st.lists(ANY_DIGEST, min_size=4, max_size=4)),
    st.tuples(st.just("refresh"), ANY_MEMBER),  # the member's share moves to a new epoch
)


class _Committee:
    """Members deciding as `actors/committee.py` does, over one pruning ledger, with the
    truth of what each signed kept beside it."""

    def __init__(self, live_limit: int) -> None:
        self.ledger = SignedLedger(live_limit=live_limit)
        self.signed: dict[tuple[int, tuple[str, int]], set[bytes]] = {}
        self.epochs: dict[int, int] = {}

    def _sign(self, member: int, key: tuple[str, int], digest: bytes) -> None:
        digests = self.signed.setdefault((member, key), set())
        digests.add(digest)
        assert len(digests) == 1, f"member {member} signed two digests for {key}"

    def check(self, member: int, key: tuple[str, int], answer: object) -> None:
        """What the ledger told `member` about `key` is true."""
        signed = self.signed.get((member, key))
        if answer is STALE:
            assert signed, f"{key} stale for member {member}, which never signed it"
        elif answer is None:
            assert not signed, f"member {member} signed {key}, and the ledger forgot it"
        else:
            assert signed and answer[0] in signed

    def single(self, member: int, key: tuple[str, int], digest: bytes) -> None:
        epoch = self.epochs.get(member, 0)
        previous = self.ledger.latest(key, member)
        self.check(member, key, previous)
        if previous is STALE or (previous is not None and (
                previous[0] != digest or previous[1] == epoch)):
            return
        self.ledger.add(key, member, digest, epoch)
        self._sign(member, key, digest)

    def batch(self, members: list[int], keys: tuple, digests: tuple) -> None:
        for member in members:
            epoch = self.epochs.get(member, 0)
            if not self.ledger.signed_any(keys, member):
                for key in keys:  # the fresh path: nothing signed, nothing stale
                    assert (member, key) not in self.signed
            else:
                found = self.ledger.latest_all(keys, member)
                for key, previous in zip(keys, found, strict=True):
                    self.check(member, key, previous)
                if any(previous is STALE or (previous is not None and previous[0] != digest)
                       for previous, digest in zip(found, digests, strict=True)):
                    continue
                if all(previous is not None and previous[1] == epoch for previous in found):
                    continue
            self.ledger.add_all(keys, member, digests, epoch)
            for key, digest in zip(keys, digests, strict=True):
                self._sign(member, key, digest)

    def check_everything(self) -> None:
        for direction in DIRECTIONS:
            keys = tuple((direction, nonce) for nonce in range(-3, 90))
            for member in (0, 1, 2, 5, 63, 64, 65):
                for key, answer in zip(keys, self.ledger.latest_all(keys, member),
                                       strict=True):
                    self.check(member, key, answer)
        for member, key in list(self.signed):
            self.check(member, key, self.ledger.latest(key, member))


@settings(max_examples=250, deadline=None)
@given(st.lists(STEPS, max_size=50), st.integers(1, 6), st.integers(1, 4),
       st.integers(1, 4), st.integers(0, 2))
def test_no_member_equivocates_or_is_told_less_than_it_signed(
        steps, horizon, chunk, live_limit, slack):
    saved = (ledger_module.ARCHIVE_SLACK, ledger_archive.NONCE_HORIZON,
             ledger_archive.DROP_CHUNK)
    ledger_module.ARCHIVE_SLACK, ledger_archive.NONCE_HORIZON = slack, horizon
    ledger_archive.DROP_CHUNK = chunk
    try:
        committee = _Committee(live_limit)
        next_nonce = dict.fromkeys(DIRECTIONS, 0)
        for step in steps:
            if step[0] == "run":
                _, direction, count, members, batched, size = step
                start = next_nonce[direction]
                next_nonce[direction] += count
                nonces = list(range(start, start + count))
                if batched:
                    for first in range(0, count, size):
                        keys = tuple((direction, n) for n in nonces[first:first + size])
                        committee.batch(members, keys, (b"h" * 32,) * len(keys))
                else:
                    for nonce in nonces:
                        for member in members:
                            committee.single(member, (direction, nonce), b"h" * 32)
            elif step[0] == "single":
                _, direction, nonce, member, digest = step
                committee.single(member, (direction, nonce), digest)
            elif step[0] == "batch":
                _, direction, nonces, members, digests = step
                committee.batch(members, tuple((direction, n) for n in nonces),
                                tuple(digests[:len(nonces)]))
            else:
                committee.epochs[step[1]] = committee.epochs.get(step[1], 0) + 1
        committee.check_everything()
    finally:
        ledger_module.ARCHIVE_SLACK, ledger_archive.NONCE_HORIZON = saved[:2]
        ledger_archive.DROP_CHUNK = saved[2]


def test_a_nonce_a_dict_takes_for_an_int_finds_its_archived_row(small_horizon):
    # ("deposit", True) is the key ("deposit", 1) to a dict: so it must be to the archive.
    ledger = SignedLedger(live_limit=1)
    _sign_in_order(ledger, range(4), range(1))
    assert ledger._archive.take(("deposit", 1)) is not None  # it was archived as a row
    ledger._archive.put(("deposit", 1), [ledger_archive.SignedDigest(DIGEST, 0, 1)])
    assert ledger.latest(("deposit", True), 0) == (DIGEST, 0)
    assert ledger.latest(("deposit", 1.0), 0) == (DIGEST, 0)
