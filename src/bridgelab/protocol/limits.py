"""Outflow limits as plain data: a token bucket that refills at a constant rate.

In any window of length w the bucket admits at most capacity + rate * w.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    capacity: int
    rate: float
    level: float
    updated_at: float

    @classmethod
    def full(cls, capacity: int, rate: float, now: float = 0.0) -> TokenBucket:
        return cls(capacity, rate, float(capacity), now)

    def refill(self, now: float) -> None:
        if now > self.updated_at:
            self.level = min(float(self.capacity), self.level + self.rate * (now - self.updated_at))
            self.updated_at = now

    def try_take(self, now: float, amount: int) -> bool:
        """Take `amount` if the bucket holds it now; otherwise leave it untouched."""
        self.refill(now)
        if amount > self.level:
            return False
        self.level -= amount
        return True

    def give_back(self, now: float, amount: int) -> None:
        """Return `amount` a take removed, as if that take had never happened (a reorg orphaned
        its transaction). Exact when every later take was given back first, as a reorg undoes
        the newest first: the level is refilled to `now`, then raised by `amount`, and never
        above capacity, since the refill the take had room for would have stopped there."""
        assert amount >= 0, "a take gives back what it took"
        self.refill(now)
        self.level = min(float(self.capacity), self.level + amount)

    def copy(self) -> TokenBucket:
        return TokenBucket(self.capacity, self.rate, self.level, self.updated_at)
