"""The escrow's released-nonce table, cheap to copy and flat in memory.

The consortium builds every block on a copy of the escrow's state and adopts the copy only
if the block commits. Copying a table that holds every release ever made would cost a pass
over the whole history per block; here a copy shares the table and keeps its own writes
apart until it is adopted (`settle`), so a copy costs only what its block writes.
"""

from __future__ import annotations

from bridgelab.core.intervals import IntervalSet


class NonceTable:
    """The nonces releases used: membership and writes, as the escrow needs. The tx that
    used a nonce is never asked again, so only the nonce is kept: int nonces as intervals
    (`core/intervals.py`, flat while they are dense), anything else in a set beside them."""

    __slots__ = ("_others", "_own", "_shared")

    def __init__(
        self, shared: IntervalSet | None = None, others: set[object] | None = None
    ) -> None:
        self._shared = IntervalSet() if shared is None else shared
        self._others: set[object] = set() if others is None else others
        self._own: set[object] = set()

    def copy(self) -> NonceTable:
        if self._own:
            # Not adopted yet: the copy must not see writes a dropped block may never make.
            twin = NonceTable(self._shared.copy(), set(self._others))
            twin._fold(self._own)
            return twin
        return NonceTable(self._shared, self._others)

    def settle(self) -> None:
        """This copy became the state: fold its writes into the shared table.

        The state it was copied from is dropped at the same moment, so nobody still reading
        the shared table expects it without these writes."""
        self._fold(self._own)
        self._own = set()

    def _fold(self, writes: set[object]) -> None:
        for nonce in writes:
            if type(nonce) is int:
                self._shared.add(nonce)
            else:
                self._others.add(nonce)

    def __contains__(self, nonce: object) -> bool:
        return nonce in self._own or nonce in self._shared or nonce in self._others

    def add(self, nonce: object) -> None:
        self._own.add(nonce)
