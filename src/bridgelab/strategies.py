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

import typing
from typing import Any

from hypothesis import strategies as st

from bridgelab.attack_strategies import (
    NEEDS,
    RECIPIENTS,
    ROLES,
    SELECTS,
    applicable_kinds,
    attack,
    attack_schedules,
)
from bridgelab.scenario import Scenario, parse_scenario
from bridgelab.scenario.model import StorageClass
from bridgelab.testing import SMALL_BASE, deep_merge
from bridgelab.testing import scenario_data as _source_data

STORAGE: tuple[str, ...] = typing.get_args(StorageClass)
JURISDICTIONS = ("CH", "DE", "SG", "US", "HK", "KY", "unspecified")

__all__ = [
    "NEEDS", "RECIPIENTS", "ROLES", "SELECTS", "applicable_kinds", "attack",
    "attack_schedules", "attacks_below_threshold", "committees", "custody_configs",
    "scenario_data", "scenarios", "seats_controlled",
]


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
