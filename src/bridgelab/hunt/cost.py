"""The cheapest way to break a bridge: which set of entities, at the lowest total cost,
lets the adversary forge a mint the bridge accepts. A priced attribute value
(`[[attribute_costs]]`, e.g. `jurisdiction:SG`) is a unit too: all its entities at once.

Uniform-cost search over sets of entities, each candidate checked by a real simulated
attack (compromise, then forge) — the first set that breaks safety is the cheapest.
`exhaustive` checks every set, so small committees can cross-check the search.

The probe's adversary is the adaptive one (`nemesis.plan`): it is after `amount` in all and
sizes and paces its forgeries against the contract's public limits — split under the cap,
below the delay threshold, waiting for the rate limit's refill — over a horizon long enough
for that pacing to matter (`nemesis.bound.probe_horizon`). A cap or a rate limit therefore
bounds the loss, and the witness shows by how much; it does not hide the break.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridgelab.nemesis import plan
from bridgelab.nemesis.adversary import FABRICATED_NONCE_BASE
from bridgelab.nemesis.bound import deposit_limits, probe_horizon
from bridgelab.runner import RunResult, run
from bridgelab.scenario import attributes
from bridgelab.scenario.model import Scenario

PROBE_AT = 1.0
# The probe's target, and the most forgeries it may send to reach it.
PROBE_AMOUNT = 10_000_000
MAX_PROBE_FORGERIES = 64
PROBE_FORGERY_SLACK = 4
# A single forgery needs this many slots to land and be judged.
PROBE_SETTLE_SECONDS_FACTOR = 4


@dataclass
class ForgeryTally:
    """What the probe's forgeries got through, folded over its history records: forged mints
    (fabricated nonces) executed, their total and largest, when, and when the bridge paused."""

    count: int = 0
    minted: int = 0
    largest: int = 0
    first: float | None = None
    last: float | None = None
    paused_at: float | None = None
    # Forged mints the contract queued behind its delay and had not executed when the probe
    # ended (by nonce): what they would have done is unknown.
    queued: set[int] = field(default_factory=set)

    def add(self, record: dict[str, Any]) -> None:
        kind = record["kind"]
        if kind == "mint.queued" and record["nonce"] >= FABRICATED_NONCE_BASE:
            self.queued.add(record["nonce"])
        elif kind == "mint" and record["nonce"] >= FABRICATED_NONCE_BASE:
            self.queued.discard(record["nonce"])
            self.count += 1
            self.minted += record["amount"]
            self.largest = max(self.largest, record["amount"])
            self.first = record["t"] if self.first is None else self.first
            self.last = record["t"]
        elif kind == "bridge.paused" and self.paused_at is None:
            self.paused_at = record["t"]

    @property
    def unsettled(self) -> bool:
        """A forgery still queued when the probe ended, the bridge not paused: the probe
        cannot say the set does not break it (the queue may outlast its horizon's cap)."""
        return bool(self.queued) and self.paused_at is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "forged_mints": self.count, "minted": self.minted, "largest": self.largest,
            "first_at": self.first, "last_at": self.last, "paused_at": self.paused_at,
            "over_seconds": None if self.first is None or self.last is None
            else round(self.last - self.first, 6),
        }


@dataclass
class CostResult:
    entities: tuple[str, ...] | None
    cost: float | None
    evaluations: int
    witness: RunResult | None = None
    witness_scenario: Scenario | None = None
    # What the witness's adaptive adversary took (`ForgeryTally.as_dict`, plus `unbacked`).
    loss: dict[str, Any] | None = None
    # Every set of entities was tried, and each probe that did not break it settled: "nothing
    # broke" then covers them all, not only the cheapest `evaluations` of them.
    complete: bool = False
    # Sets whose probe ended with a forged mint still queued (`ForgeryTally.unsettled`):
    # with none found, the search is not complete; with one found, a cheaper one may exist.
    unsettled: tuple[tuple[str, ...], ...] = ()


@dataclass
class Evaluator:
    """Runs one probe attack per set of entities, caching verdicts (sets are re-asked)."""

    scenario: Scenario
    seed: int
    amount: int = PROBE_AMOUNT
    pacing: plan.PacingMode = "adaptive"
    cache: dict[tuple[str, ...], bool] = field(default_factory=dict)
    results: dict[tuple[str, ...], tuple[RunResult, Scenario]] = field(default_factory=dict)
    tallies: dict[tuple[str, ...], ForgeryTally] = field(default_factory=dict)
    runs: int = 0

    def probe_scenario(self, entities: tuple[str, ...]) -> Scenario:
        slot = self.scenario.settlement.slot_time
        limits = deposit_limits(self.scenario)
        forgeries = 1
        horizon = PROBE_SETTLE_SECONDS_FACTOR * slot
        if self.pacing == "adaptive":
            # Room for smaller forgeries than the fewest that reach the target: under a rate
            # limit they go out as the bucket refills rather than waiting for it to fill.
            needed = plan.forgeries_needed(limits, self.amount, MAX_PROBE_FORGERIES)
            forgeries = min(MAX_PROBE_FORGERIES, PROBE_FORGERY_SLACK * needed)
            horizon = probe_horizon(limits, self.amount, forgeries, slot)
        attacks = [
            {"kind": "key.compromise", "name": "compromise",
             "targets": {"entities": list(entities)}, "schedule": {"at": PROBE_AT},
             "params": {"forge": False}},
            {"kind": "adversary.forge", "name": "forge", "schedule": {"at": PROBE_AT},
             "params": {"amount": self.amount, "pacing": self.pacing,
                        "forgeries": forgeries}},
        ]
        data = self.scenario.model_dump(mode="json", exclude_none=True)
        data["attacks"] = attacks
        data["workload"] = {**data["workload"], "deposits": 0, "withdrawals": 0, "scripted": []}
        data["scenario"] = {**data["scenario"], "duration": PROBE_AT + horizon}
        data["adversary"] = {**data["adversary"], "extract": False}
        # Once the campaign is over, a few slots for its last forgeries to land (only safety
        # is read, so liveness needs no longer grace).
        settle = PROBE_SETTLE_SECONDS_FACTOR * slot
        data["checks"] = {**data.get("checks", {}), "liveness_grace": settle}
        return Scenario.model_validate(data)

    def breaks(self, units: tuple[str, ...]) -> bool:
        """Whether compromising `units` (entity names, or `key:value` attribute units)
        breaks safety; units standing for the same entities share one probe."""
        key = self.entities_of(units)
        if key not in self.cache:
            probe = self.probe_scenario(key)
            tally = ForgeryTally()
            result = run(probe, self.seed,
                         setup=lambda bridge: bridge.world.history.subscribe_records(tally.add))
            self.runs += 1
            self.tallies[key] = tally
            self.cache[key] = any(
                v == "fail" for p, v in result.verdicts.items() if p.startswith("safety.")
            )
            self.results[key] = (result, probe)
        return self.cache[key]

    def unsettled(self) -> tuple[tuple[str, ...], ...]:
        """The sets probed that did not break it but cannot say so (a forgery still queued)."""
        return tuple(key for key, tally in self.tallies.items()
                     if tally.unsettled and not self.cache[key])

    def entities_of(self, units: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({
            name for unit in units for name in attributes.unit_entities(self.scenario, unit)
        }))


def _costs(scenario: Scenario) -> dict[str, float]:
    """What each unit of compromise costs: every entity, and every priced attribute value
    (`attribute_costs`: a jurisdiction coerced or a provider account taken, as one unit)."""
    if scenario.entities:
        costs = {entity.name: entity.cost for entity in scenario.entities}
    else:
        costs = {f"operator-{m}": 1.0 for m in range(scenario.committee.members)}
    for unit in scenario.attribute_costs:
        costs[f"{unit.attribute}:{unit.value}"] = unit.cost
    return costs


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
            # A cheaper set left unsettled may break it too: the cost found is then only
            # an upper bound, and says so.
            return dataclasses.replace(_found(evaluator, entities, cost, evaluations),
                                       unsettled=evaluator.unsettled())
        # Extend only with later names, so each set is generated exactly once.
        for index in range(last + 1, len(names)):
            name = names[index]
            heapq.heappush(heap, (cost + costs[name], size + 1, (*entities, name), index))
    unsettled = evaluator.unsettled()
    return CostResult(None, None, evaluations, complete=not heap and not unsettled,
                      unsettled=unsettled)


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
    unsettled = evaluator.unsettled()
    if best is None:
        return CostResult(None, None, evaluations, complete=not unsettled, unsettled=unsettled)
    return dataclasses.replace(_found(evaluator, best[2], best[0], evaluations),
                               complete=not unsettled, unsettled=unsettled)


def _found(
    evaluator: Evaluator, entities: tuple[str, ...], cost: float, evaluations: int
) -> CostResult:
    key = evaluator.entities_of(entities)
    result, probe = evaluator.results[key]
    loss = {**evaluator.tallies[key].as_dict(), "target": evaluator.amount,
            "unbacked": int(result.metrics["outcome"]["unbacked_minted_peak"])}
    return CostResult(entities, cost, evaluations, result, probe, loss)
