"""Consortium blocks, their headers, and the commit certificate a light client checks.

A header commits to its events by a Merkle root, and > 2/3 validator votes commit the header.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bridgelab.core import memo
from bridgelab.crypto.hashing import encode, sha256
from bridgelab.crypto.symbolic import ed25519_verify_for

CHAIN_ID = "consortium-1"


@dataclass(frozen=True, slots=True)
class Header:
    height: int
    view: int
    parent_hash: bytes
    time: float
    proposer: int
    events_root: bytes
    event_count: int
    # Computed once: every light client and validator asks for it, often many times.
    hash: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hash", self._compute_hash())

    def __hash__(self) -> int:
        # Equal headers have equal digests, which cover every field: a memo key holding a
        # header hashes one bytes object rather than seven fields.
        return hash(self.hash)

    def _compute_hash(self) -> bytes:
        return sha256(
            encode(
                "consortium/header",
                CHAIN_ID,
                self.height,
                self.view,
                self.parent_hash,
                round(self.time * 1_000_000),
                self.proposer,
                self.events_root,
                self.event_count,
            )
        )


@memo.pure("consortium/vote-bytes", size=64)
def vote_bytes(height: int, view: int, block_hash: bytes) -> bytes:
    """What a validator signs for a block; pure, and asked for by every validator of a round."""
    return encode("consortium/vote", CHAIN_ID, height, view, block_hash)


@dataclass(frozen=True, slots=True)
class Commit:
    """The votes that committed a header: (validator index, Ed25519 signature)."""

    height: int
    view: int
    block_hash: bytes
    votes: tuple[tuple[int, bytes], ...]

    def __hash__(self) -> int:
        # Equal commits name the same block; hashing the votes too would walk every pair each
        # time a memo key holding this commit is looked up (commits for one block that differ
        # only in their votes are rare, and equality still tells them apart).
        return hash(self.block_hash)


def quorum(validator_count: int) -> int:
    """Strictly more than two thirds of the validators."""
    return (2 * validator_count) // 3 + 1


# Recent commit checks: every validator and light client checks the same few recent headers.
COMMIT_MEMO_ENTRIES = memo.BATCH_ENTRIES


@memo.pure("consortium/verify-commit", size=COMMIT_MEMO_ENTRIES)
def verify_commit(
    header: Header, commit: Commit, validator_keys: tuple[bytes, ...], signatures: str = "real"
) -> bool:
    """The light-client check: > 2/3 distinct known validators signed this very header.

    `signatures` is the run's kind, "real" Ed25519 or "symbolic" (crypto/symbolic.py).
    """
    if commit.block_hash != header.hash or commit.height != header.height:
        return False
    if commit.view != header.view:
        return False
    message = vote_bytes(header.height, header.view, commit.block_hash)
    verify = ed25519_verify_for(signatures)
    signed: set[int] = set()
    for validator, signature in commit.votes:
        if not 0 <= validator < len(validator_keys) or validator in signed:
            return False
        if not verify(validator_keys[validator], message, signature):
            return False
        signed.add(validator)
    return len(signed) >= quorum(len(validator_keys))


@dataclass(frozen=True, slots=True)
class Block:
    header: Header
    events: tuple[bytes, ...]
    decoded: tuple[object, ...]
