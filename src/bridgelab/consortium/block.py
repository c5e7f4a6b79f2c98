"""Consortium blocks, their headers, and the commit certificate a light client checks.

A header commits to its events by a Merkle root, and > 2/3 validator votes commit the header.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgelab.crypto import ed25519
from bridgelab.crypto.hashing import encode, sha256

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

    @property
    def hash(self) -> bytes:
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


def vote_bytes(height: int, view: int, block_hash: bytes) -> bytes:
    return encode("consortium/vote", CHAIN_ID, height, view, block_hash)


@dataclass(frozen=True, slots=True)
class Commit:
    """The votes that committed a header: (validator index, Ed25519 signature)."""

    height: int
    view: int
    block_hash: bytes
    votes: tuple[tuple[int, bytes], ...]


def quorum(validator_count: int) -> int:
    """Strictly more than two thirds of the validators."""
    return (2 * validator_count) // 3 + 1


def verify_commit(header: Header, commit: Commit, validator_keys: tuple[bytes, ...]) -> bool:
    """The light-client check: > 2/3 distinct known validators signed this very header."""
    if commit.block_hash != header.hash or commit.height != header.height:
        return False
    if commit.view != header.view:
        return False
    message = vote_bytes(header.height, header.view, commit.block_hash)
    signed: set[int] = set()
    for validator, signature in commit.votes:
        if not 0 <= validator < len(validator_keys) or validator in signed:
            return False
        if not ed25519.verify(validator_keys[validator], message, signature):
            return False
        signed.add(validator)
    return len(signed) >= quorum(len(validator_keys))


@dataclass(frozen=True, slots=True)
class Block:
    header: Header
    events: tuple[bytes, ...]
    decoded: tuple[object, ...]
