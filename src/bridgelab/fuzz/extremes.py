"""Hypothesis strategies that push a scenario to the edges of its schema, staying valid.

Structural mutations are mostly refused by the loader; these are not: they set a field of
the schema (any table, however deep) to its smallest or largest allowed value, or to any of
its allowed words, switch sections on, and so reach scenarios that validate and are still
extreme: the ones the run sampler must run, since only running them shows whether a valid
scenario can hang or explode.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from hypothesis import strategies as st
from pydantic import BaseModel

from bridgelab.nemesis.specs import CATALOG
from bridgelab.scenario.model import Heal, Scenario, Schedule, TargetSelect


@dataclass(frozen=True)
class Knob:
    """A settable field: its path from the scenario's root and the values worth trying."""

    path: tuple[str, ...]
    values: tuple[Any, ...]


def _bounds(info: Any) -> tuple[float | None, float | None, bool, bool]:
    low = high = None
    low_open = high_open = False
    for item in info.metadata:
        if getattr(item, "ge", None) is not None:
            low = item.ge
        if getattr(item, "gt", None) is not None:
            low, low_open = item.gt, True
        if getattr(item, "le", None) is not None:
            high = item.le
        if getattr(item, "lt", None) is not None:
            high, high_open = item.lt, True
    return low, high, low_open, high_open


def _edges(kind: type, info: Any) -> tuple[Any, ...]:
    """The smallest and largest allowed values, their neighbours and a middle."""
    low, high, low_open, high_open = _bounds(info)
    low = 0 if low is None else low
    high = low + 1_000 if high is None else high
    if kind is int:
        low, high = int(low) + low_open, int(high) - high_open
        return tuple(sorted({low, low + 1, min(high, low + 10), high - 1, high} - {low - 1}))
    low = math.nextafter(low, math.inf) if low_open else low
    high = math.nextafter(high, -math.inf) if high_open else high
    middle = math.sqrt(low * high) if low > 0 else high / 1_000
    return (low, max(low, 1e-3), middle, high)


def _unwrap(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return args[0] if len(args) == 1 else None
    return annotation


# py-ecc is the pure-Python reference backend, about a second per pairing: a valid 9-member
# committee over 20 transfers runs for a minute of CPU, by design and with simulated time
# advancing, which the run limit would report as a hang. Its cost is bounded by the loader's
# committee cap (MAX_PYECC_MEMBERS); the sampler draws the fast backends only.
SLOW_BY_DESIGN: dict[tuple[str, ...], frozenset[Any]] = {
    ("committee", "bls_backend"): frozenset({"py-ecc"}),
}


def knobs(model: type[BaseModel] = Scenario, prefix: tuple[str, ...] = ()) -> Iterator[Knob]:
    """Every number, switch and word of `model` reachable through its tables (less the
    values that are slow by design)."""
    for name, info in model.model_fields.items():
        kind = _unwrap(info.annotation)
        path = (*prefix, name)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from knobs(kind, path)
        elif kind is bool:
            yield Knob(path, (True, False))
        elif kind in (int, float):
            yield Knob(path, _edges(kind, info))
        elif typing.get_origin(kind) is Literal:
            slow = SLOW_BY_DESIGN.get(path, frozenset())
            yield Knob(path, tuple(word for word in typing.get_args(kind) if word not in slow))


KNOBS = tuple(knobs())
ATTACK_KNOBS = {
    kind: (
        *knobs(info.params, ("params",)), *knobs(Schedule, ("schedule",)),
        *knobs(Heal, ("heal",)),
    )
    for kind, info in CATALOG.items()
}
SELECTS = typing.get_args(TargetSelect)


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        inner = data.get(part)
        if not isinstance(inner, dict):
            inner = data[part] = {}
        data = inner
    data[path[-1]] = value


@st.composite
def pushed(draw: st.DrawFn, data: dict[str, Any], most: int = 3) -> dict[str, Any]:
    """`data` (changed in place) with 1..`most` fields set to an edge of what they allow."""
    for _ in range(draw(st.integers(1, most))):
        knob = draw(st.sampled_from(KNOBS))
        _set(data, knob.path, draw(st.sampled_from(knob.values)))
    return data


@st.composite
def with_attack(draw: st.DrawFn, data: dict[str, Any], most: int = 3) -> dict[str, Any]:
    """`data` (changed in place) with one more attack of any kind, its section switched on
    and 0..`most` of its parameters, schedule or heal at an edge."""
    kind = draw(st.sampled_from(sorted(CATALOG)))
    attack: dict[str, Any] = {"kind": kind, "targets": {"select": draw(st.sampled_from(SELECTS))}}
    for _ in range(draw(st.integers(0, most))):
        if ATTACK_KNOBS[kind]:
            knob = draw(st.sampled_from(ATTACK_KNOBS[kind]))
            _set(attack, knob.path, draw(st.sampled_from(knob.values)))
    for section in ("oracle", "l2"):
        if kind.startswith(f"{section}."):
            _set(data, (section, "enabled"), True)
    flaw = CATALOG[kind].flaw
    if flaw is not None and draw(st.booleans()):
        _set(data, ("bridge", "flaws"), [flaw])
    attacks = data.get("attacks")
    data["attacks"] = [*(attacks if isinstance(attacks, list) else []), attack]
    return data
