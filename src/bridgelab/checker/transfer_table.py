"""The monitor's locks and burns, nonce -> Transfer, in columns instead of one object each.

The checker keeps every lock and burn to the end of the run: a mint or release must match
its transfer whenever it comes (a replay included), and liveness lists what is undelivered.
As a dict of records each costs about 300 bytes; here a transfer whose nonce is the next one
up costs about 40 bytes in flat arrays (asset and recipient interned: a run has few of
each). It answers exactly as the dict it replaces, iteration order included: the columns
hold transfers only while their nonces arrive in increasing order (then nonce order is
insertion order), and at the first that does not, the table moves to a plain dict.
The columns are `core/column.py` `Column`s: older whole chunks move to a temporary file, so
memory holds the newest transfers only. `tests/checker/test_transfer_table.py` compares the
table with the dict under Hypothesis.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bridgelab.core.column import Column
from bridgelab.core.dense import int_equal


@dataclass(frozen=True, slots=True)
class Transfer:
    """What the checker keeps of a lock or a burn: what its mint or release must match (and,
    for a burn, its settlement block). A fraction of the event's fields, kept per transfer."""

    asset: str
    amount: int
    recipient: str
    number: int = -1  # a burn's settlement block; -1 for a lock
    time: float = 0.0  # when it was locked or burned
    adversary: bool = False  # the adversary's own transfer: liveness does not judge it

    @classmethod
    def of(
        cls, fields: dict[str, Any], *, number: int = -1, time: float = 0.0,
        adversary: bool = False,
    ) -> Transfer:
        return cls(fields["asset"], fields["amount"], fields["recipient"], number, time,
                   adversary)


# A nonce at most this far past the columns' end extends them; one further moves to the dict.
MAX_GAP = 4_096
GROWTH = 256  # slots added at a time
_ABSENT = -1  # in the recipient column: no transfer at this nonce


class TransferTable:
    """A dict[int, Transfer] (get, set, pop, membership, iteration in insertion order)."""

    __slots__ = ("_adversary", "_amount", "_asset", "_count", "_dict", "_name_list", "_names",
                 "_number", "_recipient", "_time", "_top", "_wide")

    def __init__(self, chunk: int | None = None) -> None:
        # `chunk`: rows each column moves to its file at a time (the columns' default unless
        # given).
        self._asset = Column("i", chunk)
        self._recipient = Column("i", chunk)  # _ABSENT where no transfer is held
        self._amount = Column("q", chunk)
        self._number = Column("q", chunk)
        self._time = Column("d", chunk)
        self._adversary = Column("b", chunk)
        # Amounts or numbers outside 64 bits, by nonce (the columns hold 0 there).
        self._wide: dict[int, Transfer] = {}
        self._names: dict[str, int] = {}  # asset or recipient -> index in _name_list
        self._name_list: list[str] = []
        self._count = 0
        self._top = -1  # the highest nonce held in the columns
        self._dict: dict[int, Transfer] | None = None  # once out of order: the plain dict

    # -- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._count if self._dict is None else len(self._dict)

    def _held(self, nonce: object) -> bool:
        return (type(nonce) is int and 0 <= nonce < len(self._recipient)
                and self._recipient[nonce] != _ABSENT)  # type: ignore[index]

    def get(self, nonce: object, default: Transfer | None = None) -> Transfer | None:
        if self._dict is not None:
            return self._dict.get(nonce, default)  # type: ignore[call-overload]
        if type(nonce) is not int:
            nonce = int_equal(nonce)  # the int a dict would take it for
        if not self._held(nonce):
            return default
        return self._row(nonce)  # type: ignore[arg-type]

    def __contains__(self, nonce: object) -> bool:
        return self.get(nonce) is not None

    def __getitem__(self, nonce: int) -> Transfer:
        found = self.get(nonce)
        if found is None:
            raise KeyError(nonce)
        return found

    def __iter__(self) -> Iterator[int]:
        if self._dict is not None:
            yield from list(self._dict)
            return
        recipient = self._recipient
        for nonce in range(self._top + 1):
            if recipient[nonce] != _ABSENT:
                yield nonce

    def keys(self) -> Iterator[int]:
        return iter(self)

    def items(self) -> Iterator[tuple[int, Transfer]]:
        if self._dict is not None:
            yield from list(self._dict.items())
            return
        for nonce in self:
            yield nonce, self._row(nonce)

    def values(self) -> Iterator[Transfer]:
        for _nonce, transfer in self.items():
            yield transfer

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TransferTable):
            return NotImplemented
        return dict(self.items()) == dict(other.items())  # as dicts: order aside

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dict

    def __repr__(self) -> str:
        return f"TransferTable({len(self)} transfers)"

    def counted(self, *, honest_only: bool, number_at_most: int | None = None) -> int:
        """How many transfers are not the adversary's (or any, unless `honest_only`) with a
        block number at most `number_at_most` (any, if None); without a Transfer each."""
        if self._dict is not None or self._wide:
            return sum(1 for transfer in self.values()
                       if not (honest_only and transfer.adversary)
                       and (number_at_most is None or transfer.number <= number_at_most))
        recipient, adversary, number = self._recipient, self._adversary, self._number
        return sum(1 for nonce in range(self._top + 1)
                   if recipient[nonce] != _ABSENT and not (honest_only and adversary[nonce])
                   and (number_at_most is None or number[nonce] <= number_at_most))

    def _row(self, nonce: int) -> Transfer:
        wide = self._wide.get(nonce)
        if wide is not None:
            return wide
        names = self._name_list
        return Transfer(
            names[self._asset[nonce]], self._amount[nonce], names[self._recipient[nonce]],
            self._number[nonce], self._time[nonce], bool(self._adversary[nonce]),
        )

    # -- writing ------------------------------------------------------------------------

    def __setitem__(self, nonce: int, transfer: Transfer) -> None:
        if self._dict is None and not self._fits(nonce):
            self._dict = dict(self.items())  # the columns' order is the insertion order
            self._clear_columns()
        if self._dict is not None:
            self._dict[nonce] = transfer
            return
        self._put(nonce, transfer)

    def _fits(self, nonce: object) -> bool:
        """Whether the columns can hold `nonce` and still iterate in insertion order: it is
        held already, or it is above every nonce held, and not far past the columns' end."""
        if type(nonce) is not int or nonce < 0:
            return False
        if self._held(nonce):
            return True
        return nonce > self._top and nonce < len(self._recipient) + MAX_GAP

    def _put(self, nonce: int, transfer: Transfer) -> None:
        size = len(self._recipient)
        if nonce >= size:
            grow = nonce + GROWTH - size  # in steps: one extension per GROWTH transfers
            self._asset.extend([0] * grow)
            self._recipient.extend([_ABSENT] * grow)
            self._amount.extend([0] * grow)
            self._number.extend([0] * grow)
            self._time.extend([0.0] * grow)
            self._adversary.extend([0] * grow)
        if self._recipient[nonce] == _ABSENT:
            self._count += 1
        self._top = max(self._top, nonce)
        self._wide.pop(nonce, None)
        asset, recipient = transfer.asset, transfer.recipient
        if (type(asset) is str and type(recipient) is str and _fits_64(transfer.amount)
                and _fits_64(transfer.number) and type(transfer.time) is float
                and type(transfer.adversary) is bool):
            self._asset[nonce] = self._name(asset)
            self._recipient[nonce] = self._name(recipient)
            self._amount[nonce] = transfer.amount
            self._number[nonce] = transfer.number
            self._time[nonce] = transfer.time
            self._adversary[nonce] = transfer.adversary
        else:  # what a saved history may hold (another type, a wider int), kept as it is
            self._recipient[nonce] = 0
            self._wide[nonce] = transfer

    def _name(self, name: str) -> int:
        index = self._names.get(name)
        if index is None:
            index = self._names[name] = len(self._name_list)
            self._name_list.append(name)
        return index

    def pop(self, nonce: object, default: Transfer | None = None) -> Transfer | None:
        if self._dict is not None:
            return self._dict.pop(nonce, default)  # type: ignore[call-overload]
        if type(nonce) is not int:
            nonce = int_equal(nonce)  # the int a dict would take it for
        if not self._held(nonce):
            return default
        transfer = self._row(nonce)  # type: ignore[arg-type]
        self._recipient[nonce] = _ABSENT  # type: ignore[index]
        self._wide.pop(nonce, None)  # type: ignore[arg-type]
        self._count -= 1
        while self._top >= 0 and self._recipient[self._top] == _ABSENT:
            self._top -= 1
        return transfer

    def _clear_columns(self) -> None:
        for column in (self._asset, self._recipient, self._amount, self._number, self._time,
                       self._adversary):
            column.clear()
        self._wide.clear()
        self._names.clear()
        del self._name_list[:]
        self._count = 0
        self._top = -1


def _fits_64(value: object) -> bool:
    return type(value) is int and -(2**63) <= value < 2**63
