"""The report's cost to break searches every distinct scenario of a configuration.

A configuration key leaves out the settlement chain, the L2, the workload and the
consortium; one run used to stand for all, so its search vouched for scenarios it never
ran (/tmp/audit-hunt/spike.toml and nospike.toml: alone the no-spike run read AT-RISK,
together SAFE). Real searches on real scenarios; the run records carry only what the
search reads (the scenario).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bridgelab.cli import main as cli_main
from bridgelab.hunt.artefacts import scenario_toml
from bridgelab.report import cost
from bridgelab.report.records import RunRecord
from bridgelab.scenario import parse_scenario

MULTISIG: dict[str, Any] = {
    "scenario": {"name": "zz-nospike", "duration": 3600.0},
    "committee": {"members": 4, "threshold": 3, "required": [], "custody": "multisig"},
    "settlement": {"finality_slots": 4},
    "workload": {"users": 4, "deposits": 10, "withdrawals": 0, "deposit_interval": 5.0},
}
SPIKE = {**MULTISIG, "scenario": {"name": "spike", "duration": 3600.0},
         "settlement": {"finality_slots": 4, "demand": {"spikes": [
             {"start": 0.0, "end": 600.0, "factor": 4.0, "priority_factor": 100.0}]}}}
# No set of keys breaks it: every mint waits out a challenge window in which a watcher
# cancels one with no lock, and the escrow pays only user-000.
GUARDED: dict[str, Any] = {
    **MULTISIG,
    "scenario": {"name": "guarded", "duration": 3600.0},
    "defences": {"challenge_window": 600.0, "watcher": {
        "enabled": True, "pause": False, "detection_delay": {"dist": "fixed", "value": 60.0}}},
    "consortium": {"kyc": ["user-000"]},
    "entities": [{"name": "a", "members": [0, 1], "cost": 1.0},
                 {"name": "b", "members": [2, 3], "cost": 1.0}],
}
# The same configuration delivering deposits to its L2 (the `[l2]` table is no part of the
# configuration key): the inbox ignores every L1 limit and no probe forges through it.
GUARDED_L2 = {**GUARDED, "scenario": {"name": "guarded-l2", "duration": 3600.0},
              "l2": {"enabled": True, "destination": "l2", "batch_interval": 60.0}}


def _record(data: dict[str, Any]) -> RunRecord:
    config = parse_scenario(copy.deepcopy(data), data["scenario"]["name"]).model_dump(
        mode="json", exclude_none=True)
    return RunRecord(id=data["scenario"]["name"], scenario=data["scenario"]["name"], seed=1,
                     verdicts={}, metrics={}, config=config)


def test_a_configuration_is_searched_all_only_if_every_scenario_of_it_was(tmp_path):
    """The guarded bridge alone: every set tried, none broke it. With its L2 twin (one
    configuration key): the twin's inbox went unprobed, so not every set was tried."""
    guarded, twin = _record(GUARDED), _record(GUARDED_L2)
    assert guarded.config_key() == twin.config_key()
    (alone,) = cost.compute([guarded], tmp_path / "alone").values()
    assert alone["entities"] is None and alone["searched_all"] is True
    (both,) = cost.compute([guarded, twin], tmp_path / "both").values()
    assert both["entities"] is None and both["searched_all"] is False
    assert both["scenarios_searched"] == 2
    assert any("L2 inbox was not probed" in why for why in both["incomplete_reasons"])
    # Its loss bound is the loosest of the two: none on the L2 lane.
    assert both["loss_bound"]["bounded"] is False and "l2" in both["loss_bound"][
        "unbounded_lanes"]


def test_attacked_and_honest_runs_of_one_scenario_are_one_search(tmp_path):
    """Names, seeds and attacks change nothing a probe does: one search, not three."""
    attacked = copy.deepcopy(MULTISIG)
    attacked["scenario"] = {"name": "nospike-attacked", "duration": 1800.0, "seed": 7}
    attacked["attacks"] = [{"kind": "key.compromise", "targets": {"select": "threshold"},
                            "schedule": {"at": 300.0}}]
    records = [_record(MULTISIG), _record(attacked), _record(MULTISIG)]
    (entry,) = cost.compute(records, tmp_path).values()
    assert entry["scenarios_searched"] == 1
    assert entry["entities"] == ["operator-0", "operator-1", "operator-2"]


def _write(data: dict[str, Any], path: Path) -> Path:
    scenario = parse_scenario(copy.deepcopy(data), data["scenario"]["name"])
    path.write_text(scenario_toml(scenario.model_dump(mode="json", exclude_none=True),
                                  "cost-search regression"))
    return path


def test_the_audit_s_spike_pair_is_searched_as_two_scenarios_and_is_not_safe(tmp_path):
    """/tmp/audit-hunt/spike.toml and nospike.toml, honest runs, one report: it read SAFE,
    'every set was tried', on the spike run's search alone."""
    runs = tmp_path / "runs"
    for data in (SPIKE, MULTISIG):
        config = _write(data, tmp_path / f"{data['scenario']['name']}.toml")
        assert cli_main(["run", str(config), "--seed", "1", "--quiet",
                         "--out", str(runs / data["scenario"]["name"])]) in (0, 1, 2)
    out = tmp_path / "report"
    code = cli_main(["report", str(runs), "--out", str(out), "--quiet"])
    report = json.loads((out / "report.json").read_text())
    (entry,) = report["cost_to_break"]
    assert report["summary"]["verdict"] != "safe" and code != 0
    assert entry["entities"] == ["operator-0", "operator-1", "operator-2"]
    assert entry["scenarios_searched"] == 2
