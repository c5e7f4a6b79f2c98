"""Cost to break, per configuration: `hunt.cost.cheapest_break` on each distinct scenario the
configuration's runs use (their attacks and seed dropped), combined, with the minimal attack
written out as a replayable scenario.

A configuration (`RunRecord.config_key`) leaves out the settlement chain, the L2, the
workload and the consortium, and each of them can decide whether a set of entities breaks
the bridge; so one search per distinct scenario, and the configuration's result is the
cheapest break any found, "every set tried" only if every search tried every set.

A scenario that names files beside itself (its own contract, its properties' modules) is
searched with them read from the runs' directory (`RunRecord.scenario_dir`); one whose
files cannot be read there, or whose contract is no longer the one the runs deployed, is
not searched, and the configuration's entry says so rather than vouch for another bridge.
Its witness gets a folder of its own with copies of those files beside it.

This runs simulations, so it lives outside the pure report model; the model only formats
what it returns.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridgelab.report.records import RunRecord, display_path, reproduce_command, slug
from bridgelab.safepaths import confined
from bridgelab.scenario_files import copy_files, named_files, names_files

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


@dataclass
class Search:
    """One searched scenario: its result, and the files it names (read from `directory`,
    with the SHA-256 the search read) that its witness needs beside it."""

    scenario: Scenario
    found: CostResult
    directory: Path | None = None
    files: dict[str, str] = field(default_factory=dict)
    # False: not searched (`found` holds why, as its one gap).
    searched: bool = True


def _scenarios(records: list[RunRecord]
               ) -> dict[str, dict[str, tuple[dict[str, Any], RunRecord]]]:
    """Per configuration key, each distinct scenario its runs use (by `scenario_key`, and
    by directory when it names files there), with the data the search runs and one run."""
    groups: dict[str, dict[str, tuple[dict[str, Any], RunRecord]]] = {}
    for record in records:
        if record.config is None or record.is_incident:
            continue
        data = search_data(record)
        key = scenario_key(data)
        if names_files(data):
            # The same scenario text beside other files is another bridge.
            key += f":{record.scenario_dir}"
        groups.setdefault(record.config_key(), {}).setdefault(key, (data, record))
    return groups


def _files(scenario: Scenario, record: RunRecord) -> tuple[dict[str, str], str | None]:
    """The files `scenario` names, read from the run's directory, with their SHA-256; or
    why the search cannot read them (then it would search some other bridge, or none)."""
    from bridgelab.report.store import recorded_files
    from bridgelab.scenario import ScenarioError

    if record.scenario_dir is None:
        return {}, ("a scenario was not searched: where the files it names were read is not"
                    " known (a run directory, or a campaign file since moved or changed)")
    try:
        files = named_files(scenario, Path(record.scenario_dir))
    except (ScenarioError, OSError, ImportError) as error:
        why = error.message if isinstance(error, ScenarioError) else type(error).__name__
        return {}, f"a scenario was not searched: the files it names cannot be read ({why})"
    deployed = recorded_files(record) or {}
    if any(files.get(path) != digest for path, digest in deployed.items()):
        return {}, ("a scenario was not searched: the files it names have changed since"
                    " its runs read them")
    return files, None


def _search(data: dict[str, Any], record: RunRecord, max_evaluations: int) -> Search:
    """The cost search of one scenario, the files it names read where its runs read them."""
    from bridgelab.hunt.cost import CostResult, cheapest_break
    from bridgelab.scenario.model import Scenario

    scenario = Scenario.model_validate(data)
    if not names_files(data):
        return Search(scenario, cheapest_break(scenario, SEED, max_evaluations=max_evaluations))
    files, why = _files(scenario, record)
    if why is not None:
        return Search(scenario, CostResult(None, None, 0, gaps=(why,)), searched=False)
    directory = Path(str(record.scenario_dir))
    found = cheapest_break(scenario, SEED, max_evaluations=max_evaluations, base_dir=directory)
    return Search(scenario, found, directory, files)


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


def _combined(searches: list[Search], max_evaluations: int
              ) -> tuple[dict[str, Any], Search | None]:
    """One configuration's entry from its scenarios' searches, and the cheapest break's."""
    from bridgelab.nemesis.bound import loss_bound

    witness: Search | None = None
    for search in searches:
        if _cheaper(search.found, witness.found if witness else None):
            witness = search
    best = witness.found if witness else None
    searched = [(search.scenario, search.found) for search in searches]
    unknown = [{"entities": list(entities), "reasons": list(reasons)}
               for _scenario, found in searched for entities, reasons in found.unknown]
    entry: dict[str, Any] = {
        # [] is a break with no key at all (the keyless probe); None: nothing broke it.
        "entities": list(best.entities) if best and best.entities is not None else None,
        "cost": best.cost if best else None,
        "evaluations": sum(found.evaluations for _scenario, found in searched),
        "max_evaluations": max_evaluations,
        # Every set of entities tried in every scenario, each probe that did not break it
        # held, no lane left untried: only then does "none broke it" cover them all.
        "searched_all": all(found.complete for _scenario, found in searched),
        "scenarios_searched": sum(1 for search in searches if search.searched),
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


def _write_witness(entry: dict[str, Any], search: Search, out_dir: Path, name: str) -> None:
    """Write the cheapest break's probe as a replayable scenario (in a folder of its own,
    with the files it names beside it, if it names any), and describe it."""
    from bridgelab.hunt.artefacts import scenario_toml
    from bridgelab.nemesis.bound import loss_bound

    found = search.found
    assert found.entities is not None and found.witness is not None
    assert found.witness_scenario is not None
    witness = found.witness_scenario.model_dump(mode="json", exclude_none=True)
    witness["scenario"]["seed"] = SEED
    entry.update(
        minimal_attack=witness["attacks"],
        violations=sorted(p for p, v in found.witness.verdicts.items()
                          if p.startswith("safety.") and v == "fail"),
        unbacked=int(found.witness.metrics["outcome"]["unbacked_minted_peak"]),
        loss=found.loss,
        # Against the witness's own scenario's bound, not the configuration's loosest.
        within_bound=_within(found.loss, loss_bound(search.scenario)),
    )
    directory = out_dir / "witnesses"
    file = confined(directory, directory / f"{name}.toml")
    if search.files:
        # Two configurations' files of one name must not overwrite each other's.
        folder = confined(directory, directory / name)
        assert search.directory is not None
        if not copy_files(search.directory, folder, search.files):
            return  # changed during the search: a witness without its files replays nothing
        file = folder / "scenario.toml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(scenario_toml(
        witness,
        "Cheapest attack found by `bridgelab report` (hunt --objective cost):"
        f"\nentities {list(found.entities)}, total cost {found.cost}",
    ))
    entry["reproduce"] = reproduce_command(display_path(file), SEED)


def compute(
    records: list[RunRecord],
    out_dir: Path,
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
    on_config: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per configuration key, its cost-to-break entry (see `_combined`); `on_config` is told
    each search done, of how many."""
    groups = _scenarios(records)
    total = sum(len(scenarios) for scenarios in groups.values())
    schemes = {record.config_key(): record.scheme for record in records
               if record.config is not None and not record.is_incident}
    results: dict[str, dict[str, Any]] = {}
    done = 0
    for key, scenarios in sorted(groups.items()):
        searches = []
        for _digest, (data, record) in sorted(scenarios.items()):
            searches.append(_search(data, record, max_evaluations))
            done += 1
            if on_config is not None:
                on_config(done, total)
        entry, witness = _combined(searches, max_evaluations)
        if witness is not None:
            _write_witness(entry, witness, out_dir, f"cheapest-{slug(schemes[key])}-{key}")
        results[key] = entry
    return results
