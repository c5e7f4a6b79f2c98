"""What each committee member has signed, per message key, stored once per message.

Every member keeps its own rule, one message per nonce ever, by reading and writing its own
bit here. Storing the committee's records column-wise keeps memory at one entry per message
rather than one per member and message, which is what lets long runs stay flat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Different digests or epochs recorded for one key: only attacks and refreshes add them.
MAX_ENTRIES_PER_KEY = 4_096


@dataclass(slots=True)
class SignedDigest:
    digest: bytes
    epoch: int
    members: int  # bit i set: member i signed this digest in this epoch


class SignedLedger:
    """(direction, nonce) -> the digests signed for it, by which members, in which epoch."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, int], list[SignedDigest]] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def latest(self, key: tuple[str, int], member: int) -> tuple[bytes, int] | None:
        """The (digest, epoch) `member` most recently signed for `key`, if any."""
        return self.latest_all((key,), member)[0]

    def latest_all(
        self, keys: Sequence[tuple[str, int]], member: int
    ) -> list[tuple[bytes, int] | None]:
        """`latest` for each of `keys` (a batch asks about all its messages at once)."""
        by_key = self._by_key
        bit = 1 << member
        answers: list[tuple[bytes, int] | None] = []
        for key in keys:
            found: SignedDigest | None = None
            for entry in by_key.get(key, ()):
                if entry.members & bit and (found is None or entry.epoch >= found.epoch):
                    found = entry
            answers.append(None if found is None else (found.digest, found.epoch))
        return answers

    def add(self, key: tuple[str, int], member: int, digest: bytes, epoch: int) -> None:
        self.add_all((key,), member, (digest,), epoch)

    def add_all(
        self, keys: Sequence[tuple[str, int]], member: int, digests: Sequence[bytes], epoch: int
    ) -> None:
        """Record that `member` signed `digests[i]` for `keys[i]` in `epoch`, for every i."""
        by_key = self._by_key
        bit = 1 << member
        for key, digest in zip(keys, digests, strict=True):
            entries = by_key.get(key)
            if entries is None:
                # The first member to sign this message: the common case, made cheap.
                by_key[key] = [SignedDigest(digest, epoch, bit)]
                continue
            for entry in entries:
                if entry.digest == digest and entry.epoch == epoch:
                    entry.members |= bit
                    break
            else:
                assert len(entries) < MAX_ENTRIES_PER_KEY, f"too many signed digests for {key}"
                entries.append(SignedDigest(digest, epoch, bit))
