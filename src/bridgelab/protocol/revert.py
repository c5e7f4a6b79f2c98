"""The vocabulary every contract shares: a transaction either passes its named checks or
reverts, naming the first check it failed, and leaves the contract's state unchanged.

Contracts read like a specification: one `require(condition, "check")` line per rule, in
the order the protocol states them, so a reviewer can hold each line against the protocol
and a flaw switch can disable exactly one of them. The check's name is what the history
records for a reverted transaction.
"""

from __future__ import annotations


class Revert(Exception):
    """A transaction that failed a named check; the state is left unchanged."""

    def __init__(self, check: str) -> None:
        super().__init__(check)
        self.check = check


def require(condition: bool, check: str) -> None:
    """Revert with `check` unless `condition` holds."""
    if not condition:
        raise Revert(check)
