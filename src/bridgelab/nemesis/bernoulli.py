"""Independent key compromise: each committee seat falls to the adversary with probability p.

The textbook model behind "how likely is a k-of-n bridge to be broken": seats are compromised
independently, so the number the adversary holds is Binomial(n, p) and the bridge is broken
exactly when it reaches the threshold (required members included). The draws come from the
attack's own seeded stream, one per seat in seat order, so a seed always compromises the same
seats. The adversary then forges a deposit with whatever it holds.
"""

from __future__ import annotations

from typing import Any

from bridgelab.nemesis.base import Attack


class BernoulliCompromise(Attack):
    kind = "key.bernoulli"

    def describe(self) -> dict[str, Any]:
        members = self.world.scenario.committee.members
        p = self.params.p
        self._seats = [seat for seat in range(members) if self.rng.random() < p]
        return {"p": p, "seats": self._seats, "compromised": len(self._seats)}

    def begin(self, round_: int):
        if not self._seats:
            self.world.record(self.actor, "attack.failed", reason="no_seats_compromised")
            return
        self.adversary.take_seats(self._seats, self.actor)
        if self.params.dwell > 0:
            yield self.world.env.timeout(self.params.dwell)
        yield from self.forge()

    def heal(self, round_: int) -> None:
        if self._seats:
            self.adversary.lose_seats(self._seats, self.actor)
