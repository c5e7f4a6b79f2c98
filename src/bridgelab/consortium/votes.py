"""What consortium validators exchange and keep: votes, committed blocks, rounds, and each
validator's own state."""

from __future__ import annotations

from dataclasses import dataclass, field

import simpy

from bridgelab.consortium.block import Block, Commit
from bridgelab.crypto.symbolic import Ed25519Signing


# Not frozen: a frozen dataclass sets each field through `object.__setattr__` (building a
# vote took about 8,200 instructions frozen against 1,900 plain, under callgrind), and every
# validator builds one vote per block. A vote goes to
# the one leader, which reads it once and keeps only its signature; nothing changes it.
@dataclass(slots=True)
class Vote:
    """A validator's signature over a block of a round, sent to the round's leader."""

    height: int
    view: int
    block_hash: bytes
    validator: int
    signature: bytes


@dataclass(frozen=True, slots=True)
class Committed:
    """A committed block and its commit certificate, as pushed to subscribers."""

    block: Block
    commit: Commit


@dataclass(slots=True)
class Round:
    """One consensus round at a leader: the block it proposed and the votes counted for it."""

    height: int
    view: int
    block_hash: bytes
    vote_message: bytes  # what every vote of this round signs
    votes: dict[int, bytes]
    decided: simpy.Event


@dataclass(slots=True)
class Validator:
    index: int
    node: str
    signer: Ed25519Signing
    subscribers: list[str] = field(default_factory=list)
    # The (height, view, block hash) it last signed: an honest validator signs one block per
    # height and view.
    last_vote: tuple[int, int, bytes] | None = None
    # Under a Byzantine plan only: the newest committed block it received (height, hash), and
    # whether it has seen a commit conflicting with it (evidence of a fork: it stops voting).
    head: tuple[int, bytes] | None = None
    halted: bool = False
