"""When each transfer was submitted, by its nonce: what a latency is measured from.

A user's submission (`user.lock`, `user.burn`) names a tx id; the contract's event (`lock`,
`burn`) later gives that tx its nonce, and the mint or release names only the nonce. Kept
as tx -> time and nonce -> tx for the whole run, that is about 350 bytes a transfer (two
dict entries and the tx id string, twice). Here the tx's time moves to its nonce when the
contract's event comes (8 bytes a nonce, `core/dense.py`), and the tx is forgotten once
`RECENT_TXS` newer ones were resolved: a second contract event for one tx (a burn executed
again after a reorg, a lock on both sides of a fork) comes blocks later, not thousands.
`tests/checker/test_start_times.py` compares it with the two maps it replaces.
"""

from __future__ import annotations

import struct
from collections import OrderedDict

from bridgelab.core.dense import DenseIntMap

RECENT_TXS = 4_096
_DOUBLE = struct.Struct("<d")
_INT64 = struct.Struct("<q")


class StartTimes:
    """tx -> submission time until the tx is resolved to a nonce, then nonce -> time."""

    __slots__ = ("_other_times", "_pending", "_resolved", "_started")

    def __init__(self) -> None:
        self._pending: dict[object, object] = {}  # submitted, not resolved yet
        self._resolved: OrderedDict[object, object] = OrderedDict()  # the most recent
        self._started = DenseIntMap()  # nonce -> the time's 64 bits
        self._other_times: dict[object, object] = {}  # nonce -> a time that is not a float

    def submitted(self, tx: object, time: object) -> None:
        self._resolved.pop(tx, None)
        self._pending[tx] = time

    def resolve(self, nonce: object, tx: object) -> None:
        """The contract's event gave `tx` the nonce `nonce`."""
        if tx in self._pending:
            time = self._pending.pop(tx)
        elif tx in self._resolved:
            time = self._resolved[tx]
        else:
            self._started.pop(nonce)
            self._other_times.pop(nonce, None)
            return
        self._resolved[tx] = time
        self._resolved.move_to_end(tx)
        if len(self._resolved) > RECENT_TXS:
            self._resolved.popitem(last=False)
        if type(time) is float and type(nonce) is int:
            self._other_times.pop(nonce, None)
            self._started[nonce] = _INT64.unpack(_DOUBLE.pack(time))[0]
        else:
            self._started.pop(nonce)
            self._other_times[nonce] = time

    def started(self, nonce: object) -> object | None:
        bits = self._started.get(nonce)
        if bits is None:
            return self._other_times.get(nonce)
        return _DOUBLE.unpack(_INT64.pack(bits))[0]
