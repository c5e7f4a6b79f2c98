"""Cost to break, per configuration: `hunt.cost.cheapest_break` on each distinct scenario the
configuration's runs use (their attacks and seed dropped), combined, with the minimal attack
written out as a replayable scenario.

A configuration (`RunRecord.config_key`) leaves out the settlement chain, the L2, the
workload and the consortium, and each of them can decide whether a set of entities breaks
the bridge; so one search per distinct scenario, and the configuration's result is the
cheapest break any found, "every set tried" only if every search tried every set.

This runs simulations, so it lives outside the pure report model; the model only formats
what it returns.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridgelab.report.records import RunRecord, display_path, reproduce_command, slug
from bridgelab.safepaths import confined

if TYPE_CHECKING:
    from bridgelab.hunt.cost import CostResult
    from bridgelab.scenario.model import Scenario

DEFAULT_MAX_EVALUATIONS = 600
SEED = 1
# What a run's `[scenario]` table holds that changes nothing a probe does: its name and
# words, the seed it pins (the search uses `SEED`), the incident mark, and its duration (a
# probe runs for its own horizon).
NOT_SEARCHED = ("name", "description", "seed", "incident", "duration")


def search_data(record: RunRecord) -> dict[str, Any]:
    """The scenario the cost search runs for `record`: its own, attacks and seed dropped."""
    data = copy.deepcopy(record.config)
    assert data is not None
    data["attacks"] = []
    data["scenario"] = {key: value for key, value in (data.get("scenario") or {}).items()
                        if key != "seed"}
    return data


def scenario_key(data: dict[str, Any]) -> str:
    """Identifies a searched scenario: all of it but what changes nothing a probe does."""
    meta = {k: v for k, v in (data.get("scenario") or {}).items() if k not in NOT_SEARCHED}
    canonical = json.dumps({**data, "scenario": meta}, sort_keys=True, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _scenarios(records: list[RunRecord]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per configuration key, each distinct scenario its runs use (by `scenario_key`), with
    the data the search runs."""
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    for record in records:
        if record.config is None or record.is_incident:
            continue
        data = search_data(record)
        groups.setdefault(record.config_key(), {}).setdefault(scenario_key(data), data)
    return groups


def _within(loss: dict[str, Any] | None, bound: dict[str, Any]) -> bool | None:
    """Whether the witness moved no more than the configured bound per direction, minted
    and released (None: no bound)."""
    if loss is None or not bound.get("bounded"):
        return None
    worst = bound["at"].get("max") or bound["at"].get("never") or {}
    return max(loss["minted"], loss.get("released", 0)) <= worst["bound"]


def _worst_bound(bounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The loosest of the scenarios' loss bounds: an unbounded one, else the largest."""
    def looseness(bound: dict[str, Any]) -> tuple[int, float]:
        if not bound.get("bounded"):
            return (1, 0.0)
        worst = bound["at"].get("max") or bound["at"].get("never") or {}
        return (0, float(worst.get("bound") or 0))
    return max(bounds, key=looseness)


def _cheaper(found: CostResult, best: CostResult | None) -> bool:
    """Whether `found` is a cheaper break than `best` (cost, then fewer units, then names)."""
    if found.entities is None or found.cost is None:
        return False
    if best is None or best.entities is None or best.cost is None:
        return True
    return (found.cost, len(found.entities), found.entities) < (
        best.cost, len(best.entities), best.entities)


def _combined(searched: list[tuple[Scenario, CostResult]], max_evaluations: int
              ) -> tuple[dict[str, Any], tuple[Scenario, CostResult] | None]:
    """One configuration's entry from its scenarios' searches, and the cheapest break's."""
    from bridgelab.nemesis.bound import loss_bound

    witness: tuple[Scenario, CostResult] | None = None
    for scenario, found in searched:
        if _cheaper(found, witness[1] if witness else None):
            witness = (scenario, found)
    best = witness[1] if witness else None
    unknown = [{"entities": list(entities), "reasons": list(reasons)}
               for _scenario, found in searched for entities, reasons in found.unknown]
    entry: dict[str, Any] = {
        "entities": list(best.entities) if best and best.entities else None,
        "cost": best.cost if best else None,
        "evaluations": sum(found.evaluations for _scenario, found in searched),
        "max_evaluations": max_evaluations,
        # Every set of entities tried in every scenario, each probe that did not break it
        # held, no lane left untried: only then does "none broke it" cover them all.
        "searched_all": all(found.complete for _scenario, found in searched),
        "scenarios_searched": len(searched),
        "unsettled_probes": [list(entities) for _scenario, found in searched
                             for entities in found.unsettled],
        # Probes that proved nothing either way (with why), and what no probe tried.
        "unknown_probes": unknown,
        "incomplete_reasons": sorted({gap for _scenario, found in searched
                                      for gap in found.gaps}),
        "minimal_attack": [],
        "violations": [],
        "unbacked": 0,
        "reproduce": None,
        # What the configuration lets one incident move before the pause, and what the
        # witness's adaptive adversary took (None when nothing broke).
        "loss_bound": _worst_bound([loss_bound(scenario) for scenario, _found in searched]),
        "loss": None,
        "within_bound": None,
    }
    return entry, witness


def _write_witness(entry: dict[str, Any], scenario: Scenario, found: CostResult,
                   file: Path) -> None:
    """Write the cheapest break's probe as a replayable scenario, and describe it."""
    from bridgelab.hunt.artefacts import scenario_toml
    from bridgelab.nemesis.bound import loss_bound

    assert found.entities and found.witness is not None and found.witness_scenario is not None
    witness = found.witness_scenario.model_dump(mode="json", exclude_none=True)
    witness["scenario"]["seed"] = SEED
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(scenario_toml(
        witness,
        "Cheapest attack found by `bridgelab report` (hunt --objective cost):"
        f"\nentities {list(found.entities)}, total cost {found.cost}",
    ))
    entry.update(
        minimal_attack=witness["attacks"],
        violations=sorted(p for p, v in found.witness.verdicts.items()
                          if p.startswith("safety.") and v == "fail"),
        unbacked=int(found.witness.metrics["outcome"]["unbacked_minted_peak"]),
        reproduce=reproduce_command(display_path(file), SEED),
        loss=found.loss,
        # Against the witness's own scenario's bound, not the configuration's loosest.
        within_bound=_within(found.loss, loss_bound(scenario)),
    )


def compute(
    records: list[RunRecord],
    out_dir: Path,
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
    on_config: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per configuration key, its cost-to-break entry (see `_combined`); `on_config` is told
    each search done, of how many."""
    from bridgelab.hunt.cost import cheapest_break
    from bridgelab.scenario.model import Scenario

    groups = _scenarios(records)
    total = sum(len(scenarios) for scenarios in groups.values())
    schemes = {record.config_key(): record.scheme for record in records
               if record.config is not None and not record.is_incident}
    results: dict[str, dict[str, Any]] = {}
    done = 0
    for key, scenarios in sorted(groups.items()):
        searched = []
        for _digest, data in sorted(scenarios.items()):
            scenario = Scenario.model_validate(data)
            searched.append((scenario, cheapest_break(scenario, SEED,
                                                      max_evaluations=max_evaluations)))
            done += 1
            if on_config is not None:
                on_config(done, total)
        entry, witness = _combined(searched, max_evaluations)
        if witness is not None:
            file = confined(out_dir, out_dir / "witnesses"
                            / f"cheapest-{slug(schemes[key])}-{key}.toml")
            _write_witness(entry, *witness, file)
        results[key] = entry
    return results
