"""Which of a scenario's attacks its history shows tested, read from the attacks' own records.

A round starts with `fault.start`. A round that ends in an `attack.failed` record marked
`tested: false` found nothing to attack (no honest certificate to copy, say): an attack whose
every round ended so tested nothing, however safe the run looks. Rounds are counted per
attack name and kind (the record names its kind): two attacks of one name are told apart.
A record that names no kind counts against every attack of its name.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AttackRounds:
    """Rounds started and rounds that found nothing to attack, per attack name and kind."""

    rounds: dict[tuple[str, str], int] = field(default_factory=dict)
    idle: dict[tuple[str, str | None], int] = field(default_factory=dict)

    def start(self, actor: str, kind: str) -> None:
        self.rounds[(actor, kind)] = self.rounds.get((actor, kind), 0) + 1

    def started(self, actor: str, kind: str) -> bool:
        return (actor, kind) in self.rounds

    def found_nothing(self, actor: str, kind: str | None) -> None:
        self.idle[(actor, kind)] = self.idle.get((actor, kind), 0) + 1

    def tested(self, actor: str, kind: str) -> bool:
        """Started, and at least one round did not end finding nothing to attack."""
        idle = self.idle.get((actor, kind), 0) + self.idle.get((actor, None), 0)
        return self.rounds.get((actor, kind), 0) > idle
