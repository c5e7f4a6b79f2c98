"""Cost to break, per configuration: `hunt.cost.cheapest_break` on the configuration's own
bridge (its attacks dropped), with the minimal attack written out as a replayable scenario.

This runs simulations, so it lives outside the pure report model; the model only formats
what it returns.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bridgelab.report.records import RunRecord, display_path, reproduce_command, slug
from bridgelab.safepaths import confined

DEFAULT_MAX_EVALUATIONS = 600
SEED = 1


def _representative(records: list[RunRecord]) -> dict[str, RunRecord]:
    """Per configuration key, one run with its scenario (an honest one if there is one)."""
    chosen: dict[str, RunRecord] = {}
    for record in records:
        if record.config is None or record.is_incident:
            continue
        key = record.config_key()
        current = chosen.get(key)
        if current is None or (current.attacked and not record.attacked):
            chosen[key] = record
    return chosen


def _within(loss: dict[str, Any] | None, bound: dict[str, Any]) -> bool | None:
    """Whether the witness minted no more than the configured bound (None: no bound)."""
    if loss is None or not bound.get("bounded"):
        return None
    worst = bound["at"].get("max") or bound["at"].get("never") or {}
    return loss["minted"] <= worst["bound"]


def compute(
    records: list[RunRecord],
    out_dir: Path,
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
    on_config: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    from bridgelab.hunt.artefacts import scenario_toml
    from bridgelab.hunt.cost import cheapest_break
    from bridgelab.nemesis.bound import loss_bound
    from bridgelab.scenario.model import Scenario

    chosen = _representative(records)
    results: dict[str, dict[str, Any]] = {}
    for done, (key, record) in enumerate(sorted(chosen.items()), start=1):
        data = copy.deepcopy(record.config)
        assert data is not None
        data["attacks"] = []
        scenario = Scenario.model_validate(data)
        found = cheapest_break(scenario, SEED, max_evaluations=max_evaluations)
        entry: dict[str, Any] = {
            "entities": list(found.entities) if found.entities else None,
            "cost": found.cost,
            "evaluations": found.evaluations,
            "max_evaluations": max_evaluations,
            # Every set of entities tried, each probe settled: only then does "none broke
            # it" cover them all.
            "searched_all": found.complete,
            "unsettled_probes": [list(entities) for entities in found.unsettled],
            "minimal_attack": [],
            "violations": [],
            "unbacked": 0,
            "reproduce": None,
            # What the configuration lets one incident move before the pause, and what the
            # witness's adaptive adversary took (None when nothing broke).
            "loss_bound": loss_bound(scenario),
            "loss": None,
            "within_bound": None,
        }
        if found.entities and found.witness is not None and found.witness_scenario is not None:
            witness = found.witness_scenario.model_dump(mode="json", exclude_none=True)
            witness["scenario"]["seed"] = SEED
            file = confined(out_dir, out_dir / "witnesses"
                            / f"cheapest-{slug(record.scheme)}-{key}.toml")
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
                within_bound=_within(found.loss, entry["loss_bound"]),
            )
        results[key] = entry
        if on_config is not None:
            on_config(done, len(chosen))
    return results
