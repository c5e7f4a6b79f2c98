"""An int -> int map for keys that are mostly small and dense, such as nonces.

A run keeps some facts per nonce for its whole length (which deposit a lock was, which burns
are the users' own), because a replay or a second mint of an old nonce must be met as the
first was. As a dict each costs about 100 bytes; here a nonce in the dense range costs 8
bytes, and any other key (an attack's made-up nonce, a negative one) goes to a plain dict.
Its array is a `core/column.py` `Column`: older whole chunks of it move to a temporary file,
so a long run's facts cost memory only for its newest nonces. The answers are a dict's:
`tests/core/test_dense.py` compares them under Hypothesis.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, ValuesView

from bridgelab.core.column import Column

# Marks a key the array does not hold (so it cannot be stored as a value in the array).
_ABSENT = -(2**63)
_INT64_MAX = 2**63 - 1
# A key at most this far past the array's end extends it; one further goes to the dict.
MAX_GAP = 65_536
GROWTH = 256


class DenseIntMap:
    """Membership, look-up, assignment, removal and iteration of a dict[int, int]. Keys are
    ints; looking up any other key answers as a dict with int keys would (True finds 1, 2.0
    finds 2, "2" finds nothing). Iteration gives the same keys, values and pairs as the dict,
    in another order: array keys ascending, then the others as they were added."""

    __slots__ = ("_count", "_others", "_values")

    def __init__(self, chunk: int | None = None) -> None:
        # `chunk`: items the column moves to its file at a time (its default unless given).
        self._values = Column("q", chunk)
        self._others: dict[object, int] = {}
        self._count = 0  # keys held by the array

    def __len__(self) -> int:
        return self._count + len(self._others)

    def _dense(self, key: object) -> bool:
        return type(key) is int and 0 <= key < len(self._values)

    def get(self, key: object, default: int | None = None) -> int | None:
        if type(key) is not int:
            key = int_equal(key)
        values = self._values
        if type(key) is int and 0 <= key < len(values):  # `_dense`, inline: asked per event
            value = values[key]
            if value != _ABSENT:
                return value
        return self._others.get(key, default)

    def __contains__(self, key: object) -> bool:
        values = self._values
        if type(key) is int and 0 <= key < len(values) and values[key] != _ABSENT:
            return True
        return self.get(key) is not None

    def __getitem__(self, key: object) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: object, value: int) -> None:
        assert type(value) is int, "a dense map holds int values"
        if type(key) is not int:
            key = int_equal(key)  # True is the key 1, as in a dict; other keys go to the dict
        values = self._values
        fits = (type(key) is int and 0 <= key < len(values) + MAX_GAP  # type: ignore[operator]
                and _ABSENT < value <= _INT64_MAX and key not in self._others)
        if not fits:
            if self._dense(key) and values[key] != _ABSENT:
                values[key] = _ABSENT  # the dict holds it from now on
                self._count -= 1
            self._others[key] = value
            return
        if key >= len(values):  # type: ignore[operator]
            # In steps of GROWTH slots, not one at a time: one extension per GROWTH keys.
            values.extend([_ABSENT] * (key + GROWTH - len(values)))  # type: ignore[operator]
        if values[key] == _ABSENT:  # type: ignore[index]
            self._count += 1
        values[key] = value  # type: ignore[index]

    def as_dict(self) -> dict[object, int]:
        """Every key and value (array keys ascending, then the others): for equality and tests,
        not for the run's hot path."""
        held = {key: value for key, value in enumerate(self._values) if value != _ABSENT}
        return {**held, **self._others}

    # Without these, `for key in m` would fall back to `m[0], m[1], ...` (values, then a
    # KeyError): a user property that loops over the checker's nonce maps must get keys.
    # The views are a dict's, read through the map as they go: nothing is copied.
    def __iter__(self) -> Iterator[object]:
        for key, value in enumerate(self._values):
            if value != _ABSENT:
                yield key
        yield from self._others

    def keys(self) -> KeysView[object]:
        return KeysView(self)  # type: ignore[arg-type]

    def values(self) -> ValuesView[int]:
        return ValuesView(self)  # type: ignore[arg-type]

    def items(self) -> ItemsView[object, int]:
        return ItemsView(self)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DenseIntMap):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dict

    def __repr__(self) -> str:
        return f"DenseIntMap({len(self)} keys)"

    def pop(self, key: object, default: int | None = None) -> int | None:
        value = self.get(key)
        if value is None:
            return default
        if type(key) is not int:
            key = int_equal(key)
        if self._dense(key) and self._values[key] != _ABSENT:  # type: ignore[index]
            self._values[key] = _ABSENT  # type: ignore[index]
            self._count -= 1
        else:
            del self._others[key]
        return value


def int_equal(key: object) -> object:
    """The int a dict would take `key` for (a bool or an integral float), else `key`."""
    if isinstance(key, (bool, float)):
        try:
            if key == int(key):
                return int(key)
        except (OverflowError, ValueError):  # inf, nan
            return key
    return key
