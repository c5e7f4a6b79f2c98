"""Which of a scenario's attacks its history shows tested, read from the attacks' own records.

A round starts with `fault.start`. A round that ends in an `attack.failed` record marked
`tested: false` found nothing to attack (no honest certificate to copy, say): an attack whose
every round ended so tested nothing, however safe the run looks. Rounds are counted per
attack name and kind (the record names its kind): two attacks of one name are told apart.
A record that names no kind counts against every attack of its name.

An attack that forges with committee keys (`FORGES_WITH_KEYS`) is tested only by evidence
that a forgery reached the bridge: an `attack.submit` of its own. Keys taken and never used,
a round still waiting when the run ended, too few shares to sign: none is the bridge holding.
An attack that only hands its keys to others (`key.compromise` with `forge = false`) is
tested by any attack's submission. A Bernoulli draw of no seat at all is a trial of the
adversary's luck, as the binomial model counts it, and tests it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Refused endorsements remembered (they are rare: a forgery or a replay each). Past this, a
# forgery refused for too few endorsements reads untested: inconclusive, never safe.
MAX_REFUSED_ENDORSEMENTS = 100_000

# Attacks whose test is a forged certificate the adversary submits with the keys it holds.
FORGES_WITH_KEYS = frozenset({
    "key.compromise", "key.mobile", "key.bernoulli", "adversary.forge",
    "collusion.fabricated_lock", "collusion.equivocate", "ecdsa.nonce_reuse",
})


@dataclass
class AttackRounds:
    """Rounds started and rounds that found nothing to attack, per attack name and kind;
    forgeries submitted and empty draws, per attack name."""

    rounds: dict[tuple[str, str], int] = field(default_factory=dict)
    idle: dict[tuple[str, str | None], int] = field(default_factory=dict)
    submitted: dict[str, int] = field(default_factory=dict)
    empty_draws: dict[str, int] = field(default_factory=dict)
    # Attack names that only hand their keys to other attacks (`forge = false`).
    grants: frozenset[str] = frozenset()
    # Messages some committee member refused to endorse, as (direction, nonce).
    refusals: set[tuple[object, object]] = field(default_factory=set)

    def start(self, actor: str, kind: str) -> None:
        self.rounds[(actor, kind)] = self.rounds.get((actor, kind), 0) + 1

    def started(self, actor: str, kind: str) -> bool:
        return (actor, kind) in self.rounds

    def found_nothing(self, actor: str, kind: str | None) -> None:
        self.idle[(actor, kind)] = self.idle.get((actor, kind), 0) + 1

    def refused(self, direction: object, nonce: object) -> None:
        if len(self.refusals) < MAX_REFUSED_ENDORSEMENTS:
            self.refusals.add((direction, nonce))

    def short_of_endorsements(self, actor: str, fields: dict[str, object]) -> None:
        """A forgery given up for too few endorsements tested the bridge only if a member
        refused it; with no refusal the members were silent (crashed, cut off)."""
        nonce, kind = fields.get("nonce"), fields.get("attack")
        if not any((side, nonce) in self.refusals for side in ("deposit", "withdrawal")):
            self.found_nothing(actor, kind if isinstance(kind, str) else None)

    def submit(self, actor: str) -> None:
        self.submitted[actor] = self.submitted.get(actor, 0) + 1

    def drew_nothing(self, actor: str) -> None:
        self.empty_draws[actor] = self.empty_draws.get(actor, 0) + 1

    def tested(self, actor: str, kind: str) -> bool:
        """Started, and at least one round did not end finding nothing to attack; for an
        attack that forges with keys, a forgery of its own submitted (`FORGES_WITH_KEYS`)."""
        idle = self.idle.get((actor, kind), 0) + self.idle.get((actor, None), 0)
        if self.rounds.get((actor, kind), 0) <= idle:
            return False
        if kind not in FORGES_WITH_KEYS:
            return True
        if actor in self.grants:
            return any(self.submitted.values())
        return actor in self.submitted or (kind == "key.bernoulli" and actor in self.empty_draws)

    def never_forged(self, actor: str, kind: str) -> bool:
        """Started and found something, but (an attack that forges with keys) sent the
        bridge no forgery: for the reason the checker gives."""
        return kind in FORGES_WITH_KEYS and not self.tested(actor, kind) and (
            self.rounds.get((actor, kind), 0)
            > self.idle.get((actor, kind), 0) + self.idle.get((actor, None), 0))
