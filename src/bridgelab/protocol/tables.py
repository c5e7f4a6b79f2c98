"""Running totals keyed by asset (or by account and asset), as contracts and checkers keep them."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")


def add_to(table: dict[K, int], key: K, amount: int) -> None:
    """Add `amount` (negative to subtract) to `table[key]`, starting from zero."""
    table[key] = table.get(key, 0) + amount
