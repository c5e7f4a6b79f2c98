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

    def copy(self) -> TokenBucket:
        return TokenBucket(self.capacity, self.rate, self.level, self.updated_at)
