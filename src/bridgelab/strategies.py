"""Hypothesis strategies for bridgelab scenarios. Everything drawn validates.

- `committees()`: `[committee]` tables (members, threshold, required);
- `custody_configs()`: a committee with its custody scheme, entities partitioning the seats
  (jurisdiction, storage, cost) and delegations between them — a dict of scenario overrides;
- `attack_schedules(base)`: `[[attacks]]` lists drawn from the catalogue, with targets,
  schedules, heals and parameters valid for the `base` scenario;
- `attacks_below_threshold(custody)`: an attack whose adversary holds fewer seats than the
  threshold (entities compromised, delegations included, or a colluding minority);
- `scenario_data(base)` / `scenarios(base)`: small, fast scenarios derived from `base`
  (default `bridgelab.testing.SMALL_BASE`) with drawn overrides, as dicts / as `Scenario`.

    from hypothesis import given, settings
    from bridgelab import strategies as bst

    @settings(max_examples=10, deadline=None)
    @given(bst.scenarios())
    def test_small_bridges_are_safe(scenario):
        assert_safe(run(scenario, 1))
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
from bridgelab.scenario.model import StorageClass, TargetSelect
from bridgelab.testing import SMALL_BASE, deep_merge
from bridgelab.testing import scenario_data as _source_data

SELECTS: tuple[str, ...] = typing.get_args(TargetSelect)
STORAGE: tuple[str, ...] = typing.get_args(StorageClass)
JURISDICTIONS = ("CH", "DE", "SG", "US", "HK", "KY", "unspecified")
ROLES = ("validator", "member", "relayer", "settlement")
RECIPIENTS = ("attacker", "mallory")
# Attack kinds that need a section of the scenario switched on to mean anything.
NEEDS = {"l2.": "l2", "oracle.": "oracle"}

_OMIT = object()


def _base_scenario(base: Any) -> Scenario:
    data, name = _source_data(base if base is not None else SMALL_BASE)
    return parse_scenario(data, name)


# -- committees and custody ---------------------------------------------------------------


@st.composite
def committees(draw: st.DrawFn, min_members: int = 1, max_members: int = 9,
               min_threshold: int = 1) -> dict[str, Any]:
    """A `[committee]` policy: `members`, a `threshold` <= members, distinct `required`
    members (at most the threshold)."""
    members = draw(st.integers(max(min_members, min_threshold), max_members))
    threshold = draw(st.integers(min_threshold, members))
    required = draw(
        st.lists(st.integers(0, members - 1), unique=True, max_size=min(threshold, 3))
    )
    return {"members": members, "threshold": threshold, "required": sorted(required)}


@st.composite
def custody_configs(
    draw: st.DrawFn,
    min_members: int = 1,
    max_members: int = 7,
    schemes: tuple[str, ...] = ("multisig", "threshold-bls"),
    max_entities: int | None = None,
    max_delegations: int = 3,
    min_threshold: int = 1,
) -> dict[str, Any]:
    """Scenario overrides: `committee` (policy and custody scheme), `entities` partitioning
    every seat, and `delegations` between distinct entities."""
    committee = draw(committees(min_members, max_members, min_threshold))
    committee["custody"] = draw(st.sampled_from(schemes))
    members = committee["members"]
    count = draw(st.integers(1, min(members, max_entities or members)))
    owner = draw(st.lists(st.integers(0, count - 1), min_size=members, max_size=members))
    seats_of: dict[int, list[int]] = {}
    for seat, index in enumerate(owner):
        seats_of.setdefault(index, []).append(seat)
    entities = []
    for number, index in enumerate(sorted(seats_of)):
        entities.append({
            "name": f"entity-{number}",
            "jurisdiction": draw(st.sampled_from(JURISDICTIONS)),
            "storage": draw(st.sampled_from(STORAGE)),
            "members": seats_of[index],
            "cost": draw(st.integers(0, 100)) * 1.0,
        })
    delegations = []
    if len(entities) >= 2:
        pairs = [(a, b) for a in range(len(entities)) for b in range(len(entities)) if a != b]
        chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=max_delegations))
        for grantor, grantee in chosen:
            seats = entities[grantor]["members"]
            narrowed = draw(st.none() | st.lists(
                st.sampled_from(seats), unique=True, min_size=1, max_size=len(seats)
            ).map(sorted))
            delegation: dict[str, Any] = {
                "grantor": entities[grantor]["name"],
                "grantee": entities[grantee]["name"],
                "revoked": draw(st.booleans()),
            }
            if narrowed is not None:
                delegation["members"] = narrowed
            delegations.append(delegation)
    return {"committee": committee, "entities": entities, "delegations": delegations}


def seats_controlled(custody: dict[str, Any], entity_names: list[str]) -> tuple[int, ...]:
    """Seats an adversary holding `entity_names` can sign with (unrevoked delegations too)."""
    from bridgelab.custody.entities import KeyHolders
    from bridgelab.scenario.model import Delegation, Entity

    holders = KeyHolders(
        custody["committee"]["members"],
        [Entity.model_validate(entity) for entity in custody.get("entities", [])],
        [Delegation.model_validate(item) for item in custody.get("delegations", [])],
    )
    return holders.seats_controlled(entity_names)


@st.composite
def attacks_below_threshold(draw: st.DrawFn, custody: dict[str, Any],
                            at: float = 20.0) -> list[dict[str, Any]]:
    """One attack by an adversary holding fewer seats than the threshold: `key.compromise`
    of entities (what they hold plus what was delegated to them), or, when every entity
    alone reaches the threshold, `collusion.fabricated_lock` by a minority of members."""
    threshold = custody["committee"]["threshold"]
    members = custody["committee"]["members"]
    names = [entity["name"] for entity in custody.get("entities", [])] or [
        f"operator-{m}" for m in range(members)
    ]
    order = draw(st.permutations(names))
    taken: list[str] = []
    for name in order:
        if len(seats_controlled(custody, [*taken, name])) < threshold:
            taken.append(name)
        elif draw(st.booleans()):
            break
    amount = draw(st.integers(1, 50_000_000))
    if taken:
        return [{
            "kind": "key.compromise", "name": "below-threshold",
            "targets": {"entities": sorted(taken)},
            "schedule": {"at": at}, "params": {"amount": amount},
        }]
    # Shrinks towards the strongest adversary below the threshold: threshold - 1 colluders.
    size = max(0, threshold - 1 - draw(st.integers(0, max(0, threshold - 2))))
    colluders = draw(st.permutations(range(members)))[:size]
    return [{
        "kind": "collusion.fabricated_lock", "name": "below-threshold",
        "targets": {"members": sorted(colluders)},
        "schedule": {"at": at}, "params": {"amount": amount},
    }]


# -- attack schedules ---------------------------------------------------------------------


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
        entry["heal"] = {"after": float(draw(st.integers(0, int(horizon))))}
    params = draw(st.fixed_dictionaries({}, optional=_param_strategies(kind, scenario)))
    if params:
        entry["params"] = params
    return entry


def attack_schedules(base: Any = None, kinds: list[str] | None = None, min_size: int = 0,
                     max_size: int = 3, horizon: float | None = None
                     ) -> st.SearchStrategy[list[dict[str, Any]]]:
    """`[[attacks]]` lists for `base`; `kinds` narrows the catalogue kinds drawn from."""
    scenario = base if isinstance(base, Scenario) else _base_scenario(base)
    return st.lists(attack(scenario, kinds, horizon), min_size=min_size, max_size=max_size)


# -- whole scenarios ----------------------------------------------------------------------


@st.composite
def scenario_data(draw: st.DrawFn, base: Any = None, custody: bool = True,
                  attacks: bool = False, max_attacks: int = 2,
                  kinds: list[str] | None = None) -> dict[str, Any]:
    """A small scenario as a dict: `base` (default SMALL_BASE) with drawn overrides —
    network, workload, relayers, finality, optionally the custody and attacks."""
    data, _ = _source_data(base if base is not None else SMALL_BASE)
    deposits = draw(st.integers(0, 6))
    latency = draw(st.sampled_from([0.01, 0.05, 0.1, 0.2]))
    latency_dist = draw(st.sampled_from([
        {"dist": "fixed", "value": latency},
        {"dist": "uniform", "low": latency / 2, "high": latency * 2},
        {"dist": "lognormal", "median": latency, "sigma": 0.4, "cap": 2.0},
        {"dist": "exponential", "mean": latency, "cap": 2.0},
    ]))
    overrides: dict[str, Any] = {
        "scenario": {"name": "drawn", "duration": float(draw(st.integers(600, 3_600)))},
        "consortium": {"validators": draw(st.integers(4, 7))},
        "relayers": {"count": draw(st.integers(1, 3))},
        "settlement": {
            "slot_time": float(draw(st.sampled_from([2, 6, 12]))),
            "finality_slots": draw(st.integers(1, 4)),
        },
        "workload": {
            "users": draw(st.integers(1, 10)),
            "deposits": deposits,
            "withdrawals": draw(st.integers(0, deposits)),
            "deposit_interval": float(draw(st.integers(1, 10))),
            "withdraw_delay": float(draw(st.integers(0, 60))),
        },
    }
    if draw(st.booleans()):
        overrides["scenario"]["seed"] = draw(st.integers(0, 2**32))
    data = deep_merge(data, overrides)
    # A latency distribution replaces the base's whole (its keys depend on `dist`).
    data.setdefault("network", {})["latency"] = latency_dist
    if custody:
        # A drawn committee brings its own entities and delegations; the base's attacks
        # name seats of the base committee, so they go too.
        data.pop("attacks", None)
        data = deep_merge(data, draw(custody_configs()))
    if attacks:
        scenario = parse_scenario(data, "<drawn>")
        data["attacks"] = draw(attack_schedules(scenario, kinds, max_size=max_attacks))
    return data


def scenarios(base: Any = None, custody: bool = True, attacks: bool = False,
              max_attacks: int = 2, kinds: list[str] | None = None
              ) -> st.SearchStrategy[Scenario]:
    """`scenario_data(...)` validated into `Scenario`s."""
    return scenario_data(base, custody, attacks, max_attacks, kinds).map(
        lambda data: parse_scenario(data, "<drawn>")
    )
