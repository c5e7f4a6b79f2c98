"""The cheapest way to break a bridge: which set of entities, at the lowest total cost,
lets the adversary forge a mint the bridge accepts.

Uniform-cost search over sets of entities, each candidate checked by a real simulated
attack (compromise, then forge) — the first set that breaks safety is the cheapest.
`exhaustive` checks every set, so small committees can cross-check the search.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from bridgelab.runner import RunResult, run
from bridgelab.scenario.model import Scenario

PROBE_AT = 1.0


@dataclass
class CostResult:
    entities: tuple[str, ...] | None
    cost: float | None
    evaluations: int
    witness: RunResult | None = None
    witness_scenario: Scenario | None = None


@dataclass
class Evaluator:
    """Runs one probe attack per set of entities, caching verdicts (sets are re-asked)."""

    scenario: Scenario
    seed: int
    amount: int = 10_000_000
    cache: dict[tuple[str, ...], bool] = field(default_factory=dict)
    results: dict[tuple[str, ...], tuple[RunResult, Scenario]] = field(default_factory=dict)
    runs: int = 0

    def probe_scenario(self, entities: tuple[str, ...]) -> Scenario:
        slot = self.scenario.settlement.slot_time
        attacks = [
            {"kind": "key.compromise", "name": "compromise",
             "targets": {"entities": list(entities)}, "schedule": {"at": PROBE_AT},
             "params": {"forge": False}},
            {"kind": "adversary.forge", "name": "forge", "schedule": {"at": PROBE_AT},
             "params": {"amount": self.amount}},
        ]
        data = self.scenario.model_dump(mode="json", exclude_none=True)
        data["attacks"] = attacks
        data["workload"] = {**data["workload"], "deposits": 0, "withdrawals": 0, "scripted": []}
        data["scenario"] = {**data["scenario"], "duration": PROBE_AT + 4 * slot}
        data["adversary"] = {**data["adversary"], "extract": False}
        return Scenario.model_validate(data)

    def breaks(self, entities: tuple[str, ...]) -> bool:
        key = tuple(sorted(entities))
        if key not in self.cache:
            probe = self.probe_scenario(key)
            result = run(probe, self.seed)
            self.runs += 1
            self.cache[key] = any(
                v == "fail" for p, v in result.verdicts.items() if p.startswith("safety.")
            )
            self.results[key] = (result, probe)
        return self.cache[key]


def _costs(scenario: Scenario) -> dict[str, float]:
    if scenario.entities:
        return {entity.name: entity.cost for entity in scenario.entities}
    return {f"operator-{m}": 1.0 for m in range(scenario.committee.members)}


def cheapest_break(
    scenario: Scenario,
    seed: int = 1,
    max_evaluations: int = 10_000,
    evaluator: Evaluator | None = None,
    on_evaluation: Callable[[int], None] | None = None,
) -> CostResult:
    """Sets in order of total cost (ties: fewer entities, then names); first breaking wins."""
    evaluator = evaluator or Evaluator(scenario, seed)
    costs = _costs(scenario)
    names = sorted(costs)
    heap: list[tuple[float, int, tuple[str, ...], int]] = []
    for index, name in enumerate(names):
        heapq.heappush(heap, (costs[name], 1, (name,), index))
    evaluations = 0
    while heap and evaluations < max_evaluations:
        cost, size, entities, last = heapq.heappop(heap)
        evaluations += 1
        if on_evaluation is not None:
            on_evaluation(evaluations)
        if evaluator.breaks(entities):
            result, probe = evaluator.results[tuple(sorted(entities))]
            return CostResult(entities, cost, evaluations, result, probe)
        # Extend only with later names, so each set is generated exactly once.
        for index in range(last + 1, len(names)):
            name = names[index]
            heapq.heappush(heap, (cost + costs[name], size + 1, (*entities, name), index))
    return CostResult(None, None, evaluations)


def exhaustive(scenario: Scenario, seed: int = 1, evaluator: Evaluator | None = None) -> CostResult:
    """Check every set of entities; the cheapest breaking one (same tie-break as the search)."""
    evaluator = evaluator or Evaluator(scenario, seed)
    costs = _costs(scenario)
    names = sorted(costs)
    best: tuple[float, int, tuple[str, ...]] | None = None
    evaluations = 0
    for size in range(1, len(names) + 1):
        for entities in itertools.combinations(names, size):
            evaluations += 1
            if evaluator.breaks(entities):
                candidate = (sum(costs[n] for n in entities), size, entities)
                if best is None or candidate < best:
                    best = candidate
    if best is None:
        return CostResult(None, None, evaluations)
    result, probe = evaluator.results[tuple(sorted(best[2]))]
    return CostResult(best[2], best[0], evaluations, result, probe)
