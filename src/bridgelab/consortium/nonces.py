"""The escrow's released-nonce table, cheap to copy.

The consortium builds every block on a copy of the escrow's state and adopts the copy only
if the block commits. Copying a table that holds every release ever made would cost a pass
over the whole history per block; here a copy shares the table and keeps its own writes
apart until it is adopted (`settle`), so a copy costs only what its block writes.
"""

from __future__ import annotations


class NonceTable:
    """nonce -> id of the transaction that used it: membership and writes, as the escrow needs."""

    __slots__ = ("_own", "_shared")

    def __init__(self, shared: dict[int, str] | None = None) -> None:
        self._shared: dict[int, str] = {} if shared is None else shared
        self._own: dict[int, str] = {}

    def copy(self) -> NonceTable:
        if self._own:
            # Not adopted yet: the copy must not see writes a dropped block may never make.
            return NonceTable({**self._shared, **self._own})
        return NonceTable(self._shared)

    def settle(self) -> None:
        """This copy became the state: fold its writes into the shared table.

        The state it was copied from is dropped at the same moment, so nobody still reading
        the shared table expects it without these writes."""
        self._shared.update(self._own)
        self._own = {}

    def __contains__(self, nonce: object) -> bool:
        return nonce in self._own or nonce in self._shared

    def __setitem__(self, nonce: int, tx_id: str) -> None:
        self._own[nonce] = tx_id
