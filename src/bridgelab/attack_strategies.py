"""Hypothesis strategies for `[[attacks]]` entries drawn from the attack catalogue.

Each kind's targets follow its target role, its schedule stays within a horizon, and its
parameters are drawn from its parameter model (bounds and literals read from the
annotations), so everything drawn validates. `bridgelab.strategies` re-exports them.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from hypothesis import strategies as st

from bridgelab.nemesis.specs import CATALOG
from bridgelab.scenario import Scenario, parse_scenario
from bridgelab.scenario.model import TargetSelect
from bridgelab.testing import SMALL_BASE
from bridgelab.testing import scenario_data as _source_data

SELECTS: tuple[str, ...] = typing.get_args(TargetSelect)
ROLES = ("validator", "member", "relayer", "settlement")
RECIPIENTS = ("attacker", "mallory")
# Attack kinds that need a section of the scenario switched on to mean anything.
NEEDS = {"l2.": "l2", "oracle.": "oracle"}


def _base_scenario(base: Any) -> Scenario:
    data, name = _source_data(base if base is not None else SMALL_BASE)
    return parse_scenario(data, name)


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None, bool, bool]:
    low = high = None
    low_open = high_open = False
    for item in metadata:
        if isinstance(item, Ge):
            low = item.ge
        elif isinstance(item, Gt):
            low, low_open = item.gt, True
        elif isinstance(item, Le):
            high = item.le
        elif isinstance(item, Lt):
            high, high_open = item.lt, True
    return low, high, low_open, high_open


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any], bool]:
    """Strip Optional and Annotated: (type, constraints, optional)."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata = list(metadata)
        for item in extra:
            metadata += list(getattr(item, "metadata", [item]))
    return annotation, metadata, optional


def _number(kind: type, metadata: list[Any], default: Any) -> st.SearchStrategy[Any]:
    """Within the field's bounds and near its default's magnitude (runs stay small)."""
    low, high, low_open, high_open = _bounds(metadata)
    low = 0 if low is None else low
    scale = default if isinstance(default, int | float) and default > 0 else 10
    soft = max(low + 1, scale * 4)
    high = soft if high is None else min(high, soft)
    if kind is int:
        lo = int(low) + (1 if low_open else 0)
        hi = int(high) - (1 if high_open else 0)
        return st.integers(lo, max(lo, hi))
    # Floats in thousandths, as a person would write them: no subnormal durations.
    lo = math.floor(low * 1000) + 1 if low_open else math.ceil(low * 1000)
    hi = math.ceil(high * 1000) - 1 if high_open else math.floor(high * 1000)
    return st.integers(lo, max(lo, hi)).map(lambda milli: milli / 1000)


def _value(annotation: Any, metadata: list[Any], default: Any) -> st.SearchStrategy[Any] | None:
    annotation, metadata, optional = _unwrap(annotation, metadata)
    strategy: st.SearchStrategy[Any] | None = None
    origin = typing.get_origin(annotation)
    if annotation is bool:
        strategy = st.booleans()
    elif annotation in (int, float):
        strategy = _number(annotation, metadata, default)
    elif annotation is str:
        strategy = st.sampled_from(RECIPIENTS)
    elif origin is Literal:
        strategy = st.sampled_from(typing.get_args(annotation))
    elif origin is list:
        (item,) = typing.get_args(annotation)
        inner = _value(item, [], None)
        if inner is not None:
            strategy = st.lists(inner, unique=True, max_size=3)
    if strategy is not None and optional:
        strategy = st.none() | strategy
    return strategy


def _param_strategies(kind: str, scenario: Scenario) -> dict[str, st.SearchStrategy[Any]]:
    """A strategy per parameter; names with a meaning in the scenario draw from it."""
    info = CATALOG[kind]
    users = [f"user-{index:03d}" for index in range(scenario.workload.users)]
    named: dict[str, st.SearchStrategy[Any]] = {
        "member": st.integers(0, scenario.committee.members - 1),
        "recipient": st.sampled_from(RECIPIENTS),
        "users": st.lists(st.sampled_from(users), unique=True, max_size=3),
        "accounts": st.lists(st.sampled_from(users), unique=True, max_size=3),
        "assets": st.lists(st.just(scenario.workload.asset), max_size=1),
        "between": st.tuples(st.sampled_from(ROLES), st.sampled_from(ROLES)),
        "side_a": st.lists(st.sampled_from(ROLES[:3]), unique=True, max_size=2),
        "side_b": st.lists(st.sampled_from(ROLES[:3]), unique=True, max_size=2),
        "amount": st.integers(1, 50_000_000),
        "amount_cap": st.none() | st.integers(1, 50_000_000),
        "amount_above": st.none() | st.integers(0, scenario.workload.amount_max),
        "seats_per_period": st.integers(1, max(1, scenario.committee.members)),
        "directions": st.lists(st.sampled_from(["deposit", "withdrawal"]), unique=True,
                               min_size=1, max_size=2),
    }
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    for name, field in info.params.model_fields.items():
        if name in named:
            strategies[name] = named[name]
            continue
        default = field.get_default(call_default_factory=True)
        value = _value(field.annotation, list(field.metadata), default)
        if value is not None:  # a type this module does not know keeps its default
            strategies[name] = value
    return strategies


def applicable_kinds(scenario: Scenario) -> list[str]:
    """Catalogue kinds that mean something in `scenario` (l2.* and oracle.* need their
    section enabled)."""
    kinds = []
    for kind in CATALOG:
        needs = next((section for prefix, section in NEEDS.items() if kind.startswith(prefix)),
                     None)
        if needs is not None and not getattr(scenario, needs).enabled:
            continue
        kinds.append(kind)
    return kinds


@st.composite
def _targets(draw: st.DrawFn, kind: str, scenario: Scenario) -> dict[str, Any]:
    role = CATALOG[kind].target_role
    members = scenario.committee.members
    if role == "member":
        by_rule = st.builds(lambda s: {"select": s}, st.sampled_from(SELECTS))
        named = st.lists(st.integers(0, members - 1), unique=True, min_size=1).map(
            lambda ms: {"members": sorted(ms)}
        )
        return draw(by_rule | named)
    if role == "entity":
        names = [entity.name for entity in scenario.entities] or [
            f"operator-{m}" for m in range(members)
        ]
        chosen = draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=3))
        return {"entities": chosen}
    if role == "relayer":
        count = scenario.relayers.count
        return draw(
            st.just({"relayers": "all"})
            | st.lists(st.integers(0, count - 1), unique=True, min_size=1).map(
                lambda rs: {"relayers": sorted(rs)}
            )
            | st.builds(lambda s: {"select": s}, st.sampled_from(SELECTS))
        )
    if role == "l2-oracle":
        oracle_members = scenario.l2.oracle_members
        return draw(
            st.builds(lambda s: {"select": s}, st.sampled_from(SELECTS))
            | st.lists(st.integers(0, oracle_members - 1), unique=True, min_size=1).map(
                lambda ms: {"members": sorted(ms)}
            )
        )
    if role == "reporter" or kind in ("node.crash", "network.partition"):
        return draw(st.just({}) | st.builds(lambda s: {"select": s}, st.sampled_from(SELECTS)))
    return {}


@st.composite
def attack(draw: st.DrawFn, base: Any = None, kinds: list[str] | None = None,
           horizon: float | None = None) -> dict[str, Any]:
    """One `[[attacks]]` entry valid for `base` (a Scenario, dict, path, or SMALL_BASE)."""
    scenario = base if isinstance(base, Scenario) else _base_scenario(base)
    kind = draw(st.sampled_from(kinds or applicable_kinds(scenario)))
    horizon = horizon or min(scenario.scenario.duration, 1_800.0)
    entry: dict[str, Any] = {"kind": kind}
    if draw(st.booleans()):
        entry["name"] = f"{kind.split('.')[-1]}-{draw(st.integers(0, 99))}"
    targets = draw(_targets(kind, scenario))
    if targets:
        entry["targets"] = targets
    schedule: dict[str, Any] = {"at": float(draw(st.integers(0, int(horizon))))}
    if draw(st.booleans()):
        schedule["every"] = float(draw(st.integers(1, int(horizon))))
        schedule["count"] = draw(st.integers(1, 3))
    if draw(st.integers(0, 4)) == 0:
        schedule["when_pending_above"] = draw(st.integers(0, scenario.workload.amount_max))
    entry["schedule"] = schedule
    if draw(st.booleans()):
        entry["heal"] = {"after": float(draw(st.integers(1, max(1, int(horizon)))))}
    params = draw(st.fixed_dictionaries({}, optional=_param_strategies(kind, scenario)))
    if params:
        entry["params"] = params
    return entry


def attack_schedules(base: Any = None, kinds: list[str] | None = None, min_size: int = 0,
                     max_size: int = 3, horizon: float | None = None
                     ) -> st.SearchStrategy[list[dict[str, Any]]]:
    """`[[attacks]]` lists for `base`; `kinds` narrows the catalogue kinds drawn from."""
    scenario = base if isinstance(base, Scenario) else _base_scenario(base)
    return st.lists(attack(scenario, kinds, horizon), min_size=min_size,
                    max_size=max_size).map(_distinct_names)


def _distinct_names(attacks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two attacks of one name would answer for each other: a scenario refuses them."""
    seen: set[str] = set()
    for index, entry in enumerate(attacks):
        name = entry.get("name")
        if name in seen:
            entry["name"] = f"{name}-{index}"
        if name:
            seen.add(entry.get("name", name))
    return attacks

