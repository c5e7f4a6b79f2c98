"""What each committee member has signed, per message key, stored once per message.

Every member keeps its own rule, one message per nonce ever, by reading and writing its own
bit here (the ledger asserts it: a member's entries for a key all hold one digest).
Storing the committee's records column-wise keeps memory at one entry per message rather
than one per member and message.

The most recent `live_limit` keys are kept as objects; older ones are archived compactly (a
nonce-indexed row of digest, epoch and signers per direction: about 48 bytes a message
instead of about 300) and brought back as they were when a key is asked for again. Every
answer is the same as if nothing were archived (tests/actors/test_ledger_archive.py).

Records are dropped once final for every member, so a long run in which every member signs
every nonce keeps flat memory. A
member's signed prefix in a direction is the first nonce it has not signed there: every
nonce below it is settled for that member, and a request for a nonce more than
`NONCE_HORIZON` below it is `stale`, refused whatever it asks (a re-request that old is a
lost certificate or an equivocation attempt). Rows below every member's horizon are then
read by nobody and dropped (tests/actors/test_ledger_horizon.py). A member that never signs
some nonce holds its prefix there: nothing above it is dropped, safe but no longer flat.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from bridgelab.actors.ledger_archive import LedgerArchive, SignedDigest

# Different digests or epochs recorded for one key: only attacks and refreshes add them.
MAX_ENTRIES_PER_KEY = 4_096
# Keys kept as objects; archiving starts when `ARCHIVE_SLACK` more have been added, so the
# batch look-ups kept below are dropped once per `ARCHIVE_SLACK` new keys, not at every one.
LIVE_KEYS = 4_096
ARCHIVE_SLACK = 1_024


# What `latest` answers for a key the member refuses as stale, whatever it signed for it.
STALE: tuple[bytes, int] = (b"", -1)


class SignedLedger:
    """(direction, nonce) -> the digests signed for it, by which members, in which epoch."""

    def __init__(self, live_limit: int = LIVE_KEYS) -> None:
        assert live_limit >= 1
        self.live_limit = live_limit
        self._by_key: dict[tuple[str, int], list[SignedDigest]] = {}
        self._archive = LedgerArchive()
        # The members of a batch read and record the same keys one after another, so the
        # ledger keeps the last keys tuple it was given (compared by identity: the committee
        # passes one tuple per batch) with each key's entry list, and the entries the last
        # record over them went to. Entry lists are only ever appended to and an entry's
        # digest and epoch never change, so both stay what a fresh look-up would find.
        self._batch_keys: tuple[tuple[str, int], ...] | None = None
        self._batch_lists: list[list[SignedDigest] | None] = []
        # Every member with a bit in any entry of those lists.
        self._batch_signers = 0
        self._batch_record: tuple[tuple[bytes, ...], int, list[SignedDigest]] | None = None

    def __len__(self) -> int:
        return len(self._by_key) + len(self._archive)

    def _get(self, key: tuple[str, int]) -> list[SignedDigest] | None:
        """`key`'s entries (live, or brought back from the archive), None if never signed."""
        entries = self._by_key.get(key)
        if entries is None and self._archive:
            entries = self._archive.take(key)
            if entries is not None:
                self._by_key[key] = entries
        return entries

    def _entry_lists(
        self, keys: Sequence[tuple[str, int]]
    ) -> list[list[SignedDigest] | None]:
        """Each key's entries (None for a key never signed), kept while the same keys tuple
        comes back."""
        if keys is not self._batch_keys:
            get = self._get if self._archive else self._by_key.get
            self._batch_lists = lists = [get(key) for key in keys]
            signers = 0
            for entries in lists:
                for entry in entries or ():
                    signers |= entry.members
            if self._archive.stale_possible:
                # A member that finds any key stale must not take the fresh path.
                signers |= self._archive.stale_members(keys)
            self._batch_signers = signers
            self._batch_keys = keys if type(keys) is tuple else None
            self._batch_record = None
        return self._batch_lists

    def signed_any(self, keys: Sequence[tuple[str, int]], member: int) -> bool:
        """Whether `member` signed anything for any of `keys` (a batch's members ask in turn,
        and the answer is kept up to date as they sign)."""
        if keys is not self._batch_keys:
            self._entry_lists(keys)
        return bool(self._batch_signers >> member & 1)

    def latest(self, key: tuple[str, int], member: int) -> tuple[bytes, int] | None:
        """The (digest, epoch) `member` most recently signed for `key`, if any; `STALE` when
        the member refuses the key as stale."""
        if self._archive.stale_possible and self._archive.stale(key, member):
            return STALE
        return _latest_in(self._get(key), 1 << member)

    def latest_all(
        self, keys: Sequence[tuple[str, int]], member: int
    ) -> list[tuple[bytes, int] | None]:
        """`latest` for each of `keys` (a batch asks about all its messages at once)."""
        bit = 1 << member
        found = [_latest_in(entries, bit) for entries in self._entry_lists(keys)]
        if self._archive.stale_possible:
            found = [STALE if self._archive.stale(key, member) else latest
                     for key, latest in zip(keys, found, strict=True)]
        return found

    def add(self, key: tuple[str, int], member: int, digest: bytes, epoch: int) -> None:
        """Record that `member` signed `digest` for `key` in `epoch` (one message at a time:
        the batch look-ups kept are dropped rather than updated)."""
        self._batch_keys = None
        self._sign(key, self._get(key), digest, epoch, 1 << member)
        self._archive_oldest()

    def add_all(
        self, keys: Sequence[tuple[str, int]], member: int, digests: Sequence[bytes], epoch: int
    ) -> None:
        """Record that `member` signed `digests[i]` for `keys[i]` in `epoch`, for every i."""
        bit = 1 << member
        lists = self._batch_lists if keys is self._batch_keys else self._entry_lists(keys)
        record = self._batch_record
        if (record is not None and record[0] is digests and record[1] == epoch
                and not self._batch_signers & bit):
            # Another member of the batch just recorded these digests, and this one has
            # signed none of the keys: set its bit in the entries they went to.
            for entry in record[2]:
                entry.members |= bit
            self._batch_signers |= bit
            return
        recorded: list[SignedDigest] = []
        created = False
        for index, (key, digest) in enumerate(zip(keys, digests, strict=True)):
            entries = lists[index]
            if entries is None:
                # Unsigned when the lists were read, unless an earlier position of this call
                # holds the same key.
                entries = self._get(key)
            created = created or entries is None
            recorded.append(self._sign(key, entries, digest, epoch, bit))
        if created:
            self._batch_keys = None  # the lists read for these keys lack the new ones
            self._archive_oldest()
            return
        self._batch_signers |= bit
        if keys is self._batch_keys and type(digests) is tuple:
            self._batch_record = (digests, epoch, recorded)

    def _sign(
        self,
        key: tuple[str, int],
        entries: list[SignedDigest] | None,
        digest: bytes,
        epoch: int,
        bit: int,
    ) -> SignedDigest:
        """Set `bit` in `key`'s entry for (`digest`, `epoch`), given the key's `entries`
        (None when it has none yet); returns that entry."""
        if entries is None:
            # The first member to sign this message: the common case, made cheap.
            entry = SignedDigest(digest, epoch, bit)
            self._by_key[key] = [entry]
            return entry
        found: SignedDigest | None = None
        for entry in entries:
            if entry.digest != digest:
                # The committee refuses a second digest as equivocation before it records
                # one; `latest` would have no one answer for a member that signed two.
                assert not entry.members & bit, f"a member signed a second digest for {key}"
            elif entry.epoch == epoch:
                found = entry
        if found is None:
            assert len(entries) < MAX_ENTRIES_PER_KEY, f"too many signed digests for {key}"
            found = SignedDigest(digest, epoch, bit)
            entries.append(found)
        else:
            found.members |= bit
        return found

    def _archive_oldest(self) -> None:
        """Archive the oldest keys once `ARCHIVE_SLACK` more than `live_limit` are live. Only
        between calls (never while a call holds entry lists), and the batch look-ups kept
        are dropped, since they may hold lists that leave."""
        live = self._by_key
        excess = len(live) - self.live_limit
        if excess <= ARCHIVE_SLACK:
            return
        self._batch_keys = None
        self._batch_record = None
        for key in list(itertools.islice(live, excess)):
            self._archive.put(key, live.pop(key))
        self._archive.settle()


def _latest_in(entries: list[SignedDigest] | None, bit: int) -> tuple[bytes, int] | None:
    """The (digest, epoch) of the newest epoch's entry with `bit` set, if any."""
    found: SignedDigest | None = None
    for entry in entries or ():
        if entry.members & bit and (found is None or entry.epoch >= found.epoch):
            found = entry
    return None if found is None else (found.digest, found.epoch)
