"""Byzantine consortium validators: what a targeted validator does instead of the honest rules.

An honest validator votes at most once per (height, view). A Byzantine one, as its behaviour
says, signs two blocks at one height and view when it leads (`equivocate`, `split-proposal`),
votes for every proposal it sees (`conflicting-votes`), never votes nor proposes
(`withhold-votes`), or runs as two instances with one key, one on each side (`twins`). When a
Byzantine leader splits a round, the honest validators of side A receive block A (which
carries the adversary's lock) and those of side B receive block B (which does not); each
follows what it received, so two quorums can form only if enough validators signed both.
After a fork the chain goes on with block B; an honest validator holding block A refuses
proposals that do not extend it, and stops voting once it receives a valid commit that
conflicts with what it holds (`validator.halted`): it has proof of a fork.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Behaviour = Literal["equivocate", "conflicting-votes", "split-proposal", "withhold-votes", "twins"]
# Behaviours whose leader proposes two blocks at one height and view (one per side).
SPLITTING: frozenset[str] = frozenset({"equivocate", "split-proposal", "twins"})
# What the fork's records call the branch the chain did not go on with (side A) and the one
# it continued (side B); honest runs record neither.
ORPHANED = "a"
CANONICAL = "b"


@dataclass(slots=True)
class ByzantinePlan:
    """Which validators misbehave, how, and how the honest ones are split into two sides."""

    behaviour: Behaviour
    byzantine: tuple[int, ...]
    side_a: tuple[int, ...]  # honest validators that receive block A; the others get B
    active: bool = True
    # Rounds a Byzantine leader may still split (bounded: each split may fork the chain).
    splits_left: int = 1
    splits_done: int = 0
    forks: int = 0
    # Split rounds in which an honest validator signed block A (the adversary's lock).
    splits_heard: int = 0
    # Consensus rounds run while the plan was active: a withholder's chances to withhold.
    rounds_seen: int = 0
    # Hashes of conflicting blocks pushed with too few votes to commit (`commit.short`).
    short_commits: list[bytes] = field(default_factory=list)
    # The adversary's lock, proposed on side A only (see nemesis/byzantine.py).
    inject: object | None = None
    _members: frozenset[int] = field(default_factory=frozenset, repr=False)

    def __post_init__(self) -> None:
        self._members = frozenset(self.byzantine)

    def is_byzantine(self, validator: int) -> bool:
        return self.active and validator in self._members

    def splits(self, leader: int) -> bool:
        """Whether this round's leader proposes two blocks."""
        return (
            self.behaviour in SPLITTING and self.splits_left > 0 and self.is_byzantine(leader)
        )

    def proposes(self, leader: int) -> bool:
        """A withholding leader proposes nothing (its round times out)."""
        return not (self.behaviour == "withhold-votes" and self.is_byzantine(leader))

    def side_of(self, validator: int) -> str:
        return ORPHANED if validator in self.side_a else CANONICAL


def may_vote(
    plan: ByzantinePlan | None,
    validator: int,
    last_vote: tuple[int, int, bytes] | None,
    height: int,
    view: int,
    block_hash: bytes,
) -> bool:
    """Whether `validator` signs a proposal for (height, view, block_hash).

    Honest: at most one block per height and view (the same block again is fine: a duplicated
    message). Byzantine: a withholder never signs; the others sign whatever reaches them — a
    twin's two instances each sign once, but one on each side, which comes to the same."""
    if plan is not None and plan.is_byzantine(validator):
        return plan.behaviour != "withhold-votes"
    return last_vote is None or last_vote[:2] != (height, view) or last_vote[2] == block_hash


def conflicting_quorum(validators: int, quorum: int) -> int:
    """The fewest Byzantine validators with which two conflicting blocks can both gather
    `quorum` votes: two quorums share at least 2q - n validators, each of whom signed both."""
    return max(0, 2 * quorum - validators)
