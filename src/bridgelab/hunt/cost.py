"""The cheapest way to break a bridge: which set of entities, at the lowest total cost,
lets the adversary forge a mint or a release the bridge accepts. A priced attribute value
(`[[attribute_costs]]`, e.g. `jurisdiction:SG`) is a unit too: all its entities at once.

Uniform-cost search over sets of entities, each candidate checked by a real simulated
attack (compromise, then forge; `hunt.probe`) — the first set that breaks safety is the
cheapest. `exhaustive` checks every set, so small committees can cross-check the search.

The probe's adversary is the adaptive one (`nemesis.plan`): it is after `amount` in all and
sizes and paces its forgeries against the contract's public limits — split under the cap,
below the delay threshold, waiting for the rate limit's refill — over a horizon long enough
for that pacing to matter (`nemesis.bound.probe_horizon`). A cap or a rate limit therefore
bounds the loss, and the witness shows by how much; it does not hide the break.

"Nothing broke" vouches for the bridge only when it is `complete`: every set tried, every
probe that did not break it `held` (a probe that proved nothing is `unknown`, never held),
and no way to break it left untried by every probe (`hunt.probe.search_gaps`).
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridgelab.hunt.keyless import (
    Refusals,
    certified_refusals,
    keyless_kinds,
    keyless_probe_scenario,
)
from bridgelab.hunt.probe import (
    MAX_PROBE_FORGERIES,
    PROBE_AMOUNT,
    PROBE_AT,
    PROBE_FORGERY_SLACK,
    PROBE_SETTLE_SECONDS_FACTOR,
    ForgeryTally,
    Outcome,
    judge,
    probe_scenario,
    search_gaps,
)
from bridgelab.nemesis import plan
from bridgelab.runner import RunResult, run
from bridgelab.scenario import attributes
from bridgelab.scenario.model import Scenario

if TYPE_CHECKING:
    from bridgelab.bridge import Bridge

# The probe's parts live in hunt/probe.py; importers of this module find them here too.
__all__ = [
    "MAX_PROBE_FORGERIES", "PROBE_AMOUNT", "PROBE_AT", "PROBE_FORGERY_SLACK",
    "PROBE_SETTLE_SECONDS_FACTOR", "CostResult", "Evaluator", "ForgeryTally", "Outcome",
    "cheapest_break", "exhaustive",
]

Unknown = tuple[tuple[str, ...], tuple[str, ...]]


@dataclass
class CostResult:
    entities: tuple[str, ...] | None
    cost: float | None
    evaluations: int
    witness: RunResult | None = None
    witness_scenario: Scenario | None = None
    # What the witness's adaptive adversary took (`ForgeryTally.as_dict`, plus `unbacked`).
    loss: dict[str, Any] | None = None
    # Every set of entities was tried, each probe that did not break it held (`Outcome`),
    # and nothing the probes leave out could break it (`gaps`): "nothing broke" then covers
    # them all, not only the cheapest `evaluations` of them.
    complete: bool = False
    # Sets whose probe ended with a forged mint still queued (`ForgeryTally.unsettled`):
    # with none found, the search is not complete; with one found, a cheaper one may exist.
    unsettled: tuple[tuple[str, ...], ...] = ()
    # Every set whose probe proved nothing either way, with why (`Outcome.reasons`); the
    # unsettled ones among them. As for those: not complete, or a cheaper break may exist.
    unknown: tuple[Unknown, ...] = ()
    # What no probe tries (an unguarded L2 inbox, consortium validators): not complete.
    gaps: tuple[str, ...] = ()


@dataclass
class Evaluator:
    """Runs one probe attack per set of entities, caching verdicts (sets are re-asked)."""

    scenario: Scenario
    seed: int
    amount: int = PROBE_AMOUNT
    pacing: plan.PacingMode = "adaptive"
    # The scenario's directory: the files it names (its own contract, its properties'
    # modules) are read relative to it, as `bridgelab run` reads them.
    base_dir: Path | None = None
    outcomes: dict[tuple[str, ...], Outcome] = field(default_factory=dict)
    results: dict[tuple[str, ...], tuple[RunResult, Scenario]] = field(default_factory=dict)
    tallies: dict[tuple[str, ...], ForgeryTally] = field(default_factory=dict)
    runs: int = 0

    def probe_scenario(self, entities: tuple[str, ...]) -> Scenario:
        """The probe of `entities`; of none, the keyless forgeries (`hunt.keyless`)."""
        if not entities:
            keyless = keyless_probe_scenario(self.scenario, self.amount)
            assert keyless is not None, "no keyless forgery applies to this bridge"
            return keyless
        return probe_scenario(self.scenario, entities, self.amount, self.pacing)

    def breaks(self, units: tuple[str, ...]) -> bool:
        """Whether compromising `units` (entity names, or `key:value` attribute units)
        breaks safety; units standing for the same entities share one probe."""
        return self.outcome(units).verdict == "broke"

    def outcome(self, units: tuple[str, ...]) -> Outcome:
        """What the probe of `units` proves: broke, held, or unknown (and why)."""
        key = self.entities_of(units)
        if key not in self.outcomes:
            probe = self.probe_scenario(key)
            tally, refusals = ForgeryTally(), Refusals()

            def setup(bridge: Bridge) -> None:
                bridge.world.history.subscribe_records(tally.add)
                if not key:  # only the keyless probe's verdict reads the refusals
                    bridge.world.history.subscribe_records(refusals.add)

            result = run(probe, self.seed, setup=setup, base_dir=self.base_dir)
            self.runs += 1
            self.tallies[key] = tally
            outcome = judge(result)
            # The keyless probe (no entities) holds only with the evidence it needs.
            self.outcomes[key] = (outcome if key
                                  else certified_refusals(self.scenario, outcome, refusals))
            self.results[key] = (result, probe)
        return self.outcomes[key]

    def unsettled(self) -> tuple[tuple[str, ...], ...]:
        """The sets probed that proved nothing because a forged mint was still queued behind
        the bridge's delay (the ones a longer delay, not a congested chain, left open)."""
        return tuple(key for key, outcome in self.outcomes.items()
                     if outcome.verdict == "unknown" and self.tallies[key].unsettled)

    def unknown(self) -> tuple[Unknown, ...]:
        """The sets probed whose run proves nothing either way, with why (the checker's
        inconclusive reasons: a forgery pending or queued, an attack that never started)."""
        return tuple((key, outcome.reasons) for key, outcome in self.outcomes.items()
                     if outcome.verdict == "unknown")

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
    base_dir: Path | None = None,
) -> CostResult:
    """Sets in order of total cost (ties: fewer entities, then names); first breaking wins.
    `base_dir`: the scenario's directory, where the files it names are read."""
    evaluator = evaluator or Evaluator(scenario, seed, base_dir=base_dir)
    costs = _costs(scenario)
    names = sorted(costs)
    heap: list[tuple[float, int, tuple[str, ...], int]] = []
    for index, name in enumerate(names):
        heapq.heappush(heap, (costs[name], 1, (name,), index))
    evaluations = 0
    if keyless_kinds(scenario) and max_evaluations > 0:
        # No key at all comes first: it costs nothing.
        evaluations += 1
        if on_evaluation is not None:
            on_evaluation(evaluations)
        if evaluator.breaks(()):
            return dataclasses.replace(_found(evaluator, (), 0.0, evaluations),
                                       **_open(evaluator, scenario))
    while heap and evaluations < max_evaluations:
        cost, size, entities, last = heapq.heappop(heap)
        evaluations += 1
        if on_evaluation is not None:
            on_evaluation(evaluations)
        if evaluator.breaks(entities):
            # A cheaper set left unsettled (or unknown, or a lane no probe tries) may break
            # it too: the cost found is then only an upper bound, and says so.
            return dataclasses.replace(_found(evaluator, entities, cost, evaluations),
                                       **_open(evaluator, scenario))
        # Extend only with later names, so each set is generated exactly once.
        for index in range(last + 1, len(names)):
            name = names[index]
            heapq.heappush(heap, (cost + costs[name], size + 1, (*entities, name), index))
    left = _open(evaluator, scenario)
    return CostResult(None, None, evaluations, complete=not heap and _settled(left), **left)


def exhaustive(scenario: Scenario, seed: int = 1, evaluator: Evaluator | None = None,
               base_dir: Path | None = None) -> CostResult:
    """Check every set of entities; the cheapest breaking one (same tie-break as the search).
    `base_dir`: the scenario's directory, where the files it names are read."""
    evaluator = evaluator or Evaluator(scenario, seed, base_dir=base_dir)
    costs = _costs(scenario)
    names = sorted(costs)
    best: tuple[float, int, tuple[str, ...]] | None = None
    evaluations = 0
    if keyless_kinds(scenario):
        evaluations += 1
        if evaluator.breaks(()):
            best = (0.0, 0, ())
    for size in range(1, len(names) + 1):
        for entities in itertools.combinations(names, size):
            evaluations += 1
            if evaluator.breaks(entities):
                candidate = (sum(costs[n] for n in entities), size, entities)
                if best is None or candidate < best:
                    best = candidate
    left = _open(evaluator, scenario)
    if best is None:
        return CostResult(None, None, evaluations, complete=_settled(left), **left)
    return dataclasses.replace(_found(evaluator, best[2], best[0], evaluations),
                               complete=_settled(left), **left)


def _open(evaluator: Evaluator, scenario: Scenario) -> dict[str, Any]:
    """What keeps the search from vouching for the sets it tried: probes that proved
    nothing (queued forgeries among them) and ways to break it no probe tries."""
    keyless = evaluator.outcomes.get(())
    return {"unsettled": evaluator.unsettled(), "unknown": evaluator.unknown(),
            "gaps": search_gaps(scenario, keyless_settled=keyless is not None
                                and keyless.verdict != "unknown")}


def _settled(left: dict[str, Any]) -> bool:
    """Nothing `_open` found: every probe held or broke, and no lane went untried."""
    return not (left["unsettled"] or left["unknown"] or left["gaps"])


def _found(
    evaluator: Evaluator, entities: tuple[str, ...], cost: float, evaluations: int
) -> CostResult:
    key = evaluator.entities_of(entities)
    result, probe = evaluator.results[key]
    loss = {**evaluator.tallies[key].as_dict(), "target": evaluator.amount,
            "unbacked": int(result.metrics["outcome"]["unbacked_minted_peak"])}
    return CostResult(entities, cost, evaluations, result, probe, loss)
