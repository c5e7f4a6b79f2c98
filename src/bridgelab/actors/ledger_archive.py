"""The signed ledger's older keys, stored compactly, and each member's signed prefix.

Most keys hold one entry: they are kept as nonce-indexed rows per direction (digest, epoch
and signers: about 48 bytes a message instead of about 300); any other key is kept whole.
A member's signed prefix in a direction is the first nonce it has not signed there; rows
below every member's prefix less `NONCE_HORIZON` are dropped (see actors/ledger.py).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from bridgelab.core.column import Column
from bridgelab.core.dense import int_equal

# How far below its signed prefix a member still answers a request as it did when it signed;
# far beyond any shipped scenario's transfers, so no shipped history meets a stale nonce.
NONCE_HORIZON = 16_384
# Rows are dropped this many at a time.
DROP_CHUNK = 4_096


@dataclass(slots=True)
class SignedDigest:
    digest: bytes
    epoch: int
    members: int  # bit i set: member i signed this digest in this epoch


# Marks a nonce the archive's rows do not hold.
_NO_EPOCH = -(2**63)
DIGEST_BYTES = 32
_DIGEST_WORDS = DIGEST_BYTES // 8
# A row is allocated for every nonce below the highest archived one; a nonce further than
# this beyond the rows (one an attack made up) is archived as it is, not as a row.
MAX_ROW_GAP = 65_536


class _Rows:
    """One direction's archived keys with one entry each, as rows indexed by nonce in
    `core/column.py` columns (their older chunks in a file); rows below `base` were dropped
    and are read by nobody again."""

    __slots__ = ("base", "count", "digests", "epochs", "members")

    def __init__(self) -> None:
        self.base = 0
        self.digests = Column("Q")  # _DIGEST_WORDS big-endian words per row
        self.epochs = Column("q")
        self.members = Column("Q")
        self.count = 0

    def fits(self, nonce: int, entry: SignedDigest) -> bool:
        return (self.base <= nonce < max(self.base, len(self.epochs)) + MAX_ROW_GAP
                and len(entry.digest) == DIGEST_BYTES
                and 0 <= entry.members < 2**64 and entry.epoch != _NO_EPOCH)

    def put(self, nonce: int, entry: SignedDigest) -> None:
        if nonce >= len(self.epochs):
            grow = nonce + 1 - len(self.epochs)
            self.epochs.extend([_NO_EPOCH] * grow)
            self.members.extend([0] * grow)
            self.digests.extend([0] * (grow * _DIGEST_WORDS))
        assert self.epochs[nonce] == _NO_EPOCH, "a key is archived once until taken back"
        self.epochs[nonce] = entry.epoch
        self.members[nonce] = entry.members
        digest = entry.digest
        for word in range(_DIGEST_WORDS):
            self.digests[nonce * _DIGEST_WORDS + word] = int.from_bytes(
                digest[word * 8:word * 8 + 8], "big")
        self.count += 1

    def _held(self, nonce: int) -> bool:
        return self.base <= nonce < len(self.epochs) and self.epochs[nonce] != _NO_EPOCH

    def take(self, nonce: int) -> SignedDigest | None:
        if not self._held(nonce):
            return None
        first = nonce * _DIGEST_WORDS
        digest = b"".join(int(self.digests[first + word]).to_bytes(8, "big")
                          for word in range(_DIGEST_WORDS))
        entry = SignedDigest(digest, int(self.epochs[nonce]), int(self.members[nonce]))
        self.epochs[nonce] = _NO_EPOCH
        self.count -= 1
        return entry

    def signers(self, nonce: int) -> int | None:
        """The members of `nonce`'s row; None when no row holds it."""
        return int(self.members[nonce]) if self._held(nonce) else None

    def drop_below(self, nonce: int) -> None:
        """Forget every row below `nonce` (their columns' chunks stay in the file, unread)."""
        end = min(nonce, len(self.epochs))
        if end <= self.base:
            return
        epochs = self.epochs
        self.count -= sum(1 for row in range(self.base, end) if epochs[row] != _NO_EPOCH)
        self.base = nonce


# A member index a signed prefix is kept for (a row's signers are 64 bits).
PREFIX_MEMBERS = 64
_PREFIX_MASK = 2**PREFIX_MEMBERS - 1


class LedgerArchive:
    """The ledger's older keys: compact rows for the common one-entry key, and the entry
    lists themselves for any other (several digests or epochs, an odd nonce or digest).

    Per direction, it also keeps each member's signed prefix (see the module's docstring),
    moved on as keys are archived, and drops the rows below every member's horizon."""

    __slots__ = ("_others", "_prefixes", "_rows", "_signers", "stale_possible")

    def __init__(self) -> None:
        self._rows: dict[str, _Rows] = {}
        self._others: dict[tuple[str, int], list[SignedDigest]] = {}
        # direction -> each member's signed prefix, by member index.
        self._prefixes: dict[str, array[int]] = {}
        # direction -> every member (below PREFIX_MEMBERS) that has a key archived there.
        self._signers: dict[str, int] = {}
        # Whether any member's prefix is past the horizon: until then nothing is stale.
        self.stale_possible = False

    def __len__(self) -> int:
        return sum(rows.count for rows in self._rows.values()) + len(self._others)

    def __bool__(self) -> bool:
        return bool(self._rows) or bool(self._others)

    def put(self, key: tuple[str, int], entries: list[SignedDigest]) -> None:
        direction, nonce = key
        signers = 0
        for entry in entries:
            signers |= entry.members
        self._signers[direction] = self._signers.get(direction, 0) | signers & _PREFIX_MASK
        if len(entries) == 1 and type(nonce) is int:
            rows = self._rows.get(direction)
            if rows is None:
                rows = self._rows[direction] = _Rows()
            if rows.fits(nonce, entries[0]):
                rows.put(nonce, entries[0])
                return
        assert key not in self._others, "a key is archived once until taken back"
        self._others[key] = entries

    def take(self, key: tuple[str, int]) -> list[SignedDigest] | None:
        """`key`'s entries, removed from the archive (None if it holds none)."""
        entries = self._others.pop(key, None)
        if entries is not None:
            return entries
        direction, nonce = key
        rows = self._rows.get(direction)
        if type(nonce) is not int:
            nonce = int_equal(nonce)  # the key a dict takes it for: True is nonce 1
        if rows is None or type(nonce) is not int:
            return None
        entry = rows.take(nonce)
        return None if entry is None else [entry]

    # -- signed prefixes and the horizon ----------------------------------------------------

    def stale(self, key: tuple[str, int], member: int) -> bool:
        """Whether `member` refuses `key` as stale: a nonce more than `NONCE_HORIZON` below
        its signed prefix in the key's direction (so one it has signed: never a negative one)."""
        direction, nonce = key
        prefixes = self._prefixes.get(direction)
        if prefixes is None:
            return False
        if type(nonce) is not int:
            nonce = int_equal(nonce)
        return (type(nonce) is int and 0 <= member < PREFIX_MEMBERS
                and 0 <= nonce < prefixes[member] - NONCE_HORIZON)

    def stale_members(self, keys: Sequence[tuple[str, int]]) -> int:
        """The members (as bits) for which any of `keys` is stale."""
        found = 0
        for key in keys:
            for bit in _bits(self._signers.get(key[0], 0)):
                if self.stale(key, bit.bit_length() - 1):
                    found |= bit
        return found

    def settle(self) -> None:
        """Move every member's signed prefix past the archived keys it signed, then drop
        the rows no member can ask about any more."""
        for direction, signers in self._signers.items():
            if not signers:
                continue
            prefixes = self._prefixes.get(direction)
            if prefixes is None:
                prefixes = self._prefixes[direction] = array("q", [0] * PREFIX_MEMBERS)
            self._advance(direction, prefixes, signers)
            horizon = min(prefixes[bit.bit_length() - 1] for bit in _bits(signers))
            horizon -= NONCE_HORIZON
            self.stale_possible = self.stale_possible or horizon > 0
            rows = self._rows.get(direction)
            if rows is not None and horizon - rows.base >= DROP_CHUNK:
                rows.drop_below(horizon)

    def _advance(self, direction: str, prefixes: array[int], signers: int) -> None:
        # Usually every member signs every message: one pass over the nonces all of them
        # signed moves every prefix inside that run, then each member goes on alone.
        start = min(prefixes[bit.bit_length() - 1] for bit in _bits(signers))
        end = start
        for _ in range(MAX_ADVANCE):
            signed = self._signers_of(direction, end)
            if signed is None or signed & signers != signers:
                break
            end += 1
        for bit in _bits(signers):
            member = bit.bit_length() - 1
            nonce = prefixes[member]
            if start <= nonce <= end:
                nonce = end
            for _ in range(MAX_ADVANCE):
                signed = self._signers_of(direction, nonce)
                if signed is None or not signed & bit:
                    break
                nonce += 1
            prefixes[member] = nonce

    def _signers_of(self, direction: str, nonce: int) -> int | None:
        """The members archived as signers of (`direction`, `nonce`); None if not archived
        (never signed, or live)."""
        rows = self._rows.get(direction)
        signed = None if rows is None else rows.signers(nonce)
        if signed is None:
            entries = self._others.get((direction, nonce))
            if entries is not None:
                signed = 0
                for entry in entries:
                    signed |= entry.members
        return signed


# A bound on one prefix's move in one `settle` (far more keys than are archived at once).
MAX_ADVANCE = 1 << 40


def _bits(mask: int) -> list[int]:
    """The set bits of `mask`, lowest first, each as a power of two."""
    bits = []
    while mask:
        bit = mask & -mask
        bits.append(bit)
        mask ^= bit
    return bits
