"""Risk cells no more reassuring than their runs: each case runs small scenarios with
`bridgelab run`, reports them with `bridgelab report`, and reads the cell and the sentence.

Each failed before the fix: an attack that slowed every run read "without delay" (its own
runs were the reference); a watcher that never paused got the credit for bounding the loss;
a censored exit read "users have 8.1 days to exit" on a withdrawal time of 0 s; and a
timelock nobody watches was said to let the watcher veto a change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bridgelab.cli import main as cli_main
from bridgelab.hunt.artefacts import scenario_toml
from tests.conftest import baseline_data, deep_merge

SMALL = {
    "scenario": {"duration": 3_600.0},
    "settlement": {"finality_slots": 4},
    "committee": {"members": 9, "threshold": 6, "required": []},
    "workload": {"deposits": 4, "withdrawals": 4, "deposit_interval": 5.0,
                 "withdraw_delay": 10.0},
}
TIMELOCK = 700_000.0  # 8.1 days: longer than the 7 days a "good" exit window needs
SLOW = {"kind": "relayer.delay", "targets": {"relayers": [0, 1, 2]},
        "schedule": {"at": 0.0}, "params": {"delay": 600.0}}


def _report(tmp: Path, scenarios: dict[str, dict[str, Any]],
            seeds: tuple[int, ...] = (1,)) -> dict[str, Any]:
    """Run each scenario (name -> overrides of the small baseline) and report the runs."""
    runs = tmp / "runs"
    for name, overrides in scenarios.items():
        data = deep_merge(deep_merge(baseline_data(), SMALL), overrides)
        data["scenario"]["name"] = name
        data["attacks"] = overrides.get("attacks", [])
        path = tmp / f"{name}.toml"
        path.write_text(scenario_toml(data, f"test scenario {name}"))
        for seed in seeds:
            code = cli_main(["run", str(path), "--seed", str(seed), "--quiet",
                             "--out", str(runs / f"{name}-s{seed}")])
            assert code in (0, 1, 2)
    out = tmp / "out"
    cli_main(["report", str(runs), "--out", str(out), "--quiet", "--no-cost"])
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def _cells(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [block] = report["risk_cells"]
    return {cell["id"]: cell for cell in block["cells"]}


def _maturity(report: dict[str, Any], item_id: str) -> dict[str, Any]:
    [block] = report["maturity"]
    return next(item for item in block["items"] if item["id"] == item_id)


def test_an_attack_that_slows_every_run_is_not_reported_as_without_delay(tmp_path):
    report = _report(tmp_path, {"slow": {"attacks": [SLOW]}}, seeds=(1, 2))
    cell = _cells(report)["liveness-failure"]
    assert cell["sentiment"] == "warning"
    assert "delay not measured" in cell["reason"]
    assert "no honest reference run" in cell["reason"]
    assert "without delay" not in cell["reason"]
    assert "could not be judged" in cell["description"]
    delayed = [s for s in report["risk_sentences"] if s["kind"] == "delayed"]
    assert delayed and all("delay not measured" in s["text"] for s in delayed)
    # The summary names it as a risk, so "no run ... was delayed" cannot be printed.
    assert any("delay not measured" in risk for risk in report["summary"]["top_risks"])
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "without delay" not in markdown
    assert "No run violated a property or was delayed" not in markdown


def test_with_an_honest_run_the_same_attack_is_measured_as_a_delay(tmp_path):
    report = _report(tmp_path, {"slow": {"attacks": [SLOW]}, "honest": {}})
    cell = _cells(report)["liveness-failure"]
    assert cell["sentiment"] == "warning"
    assert cell["reason"].startswith("transfers were delayed in 1 run (")
    assert "not measured" not in cell["reason"]
    texts = [s["text"] for s in report["risk_sentences"]]
    assert any(t.startswith("Withdrawals can be delayed if") and "without the attack" in t
               for t in texts)


def test_a_watcher_that_never_paused_gets_no_credit_for_bounding_the_loss(tmp_path):
    # Enough deposits in the escrow for the forged mints to be withdrawn from it, and a run
    # long enough for several refills: the loss grows until the run ends.
    report = _report(tmp_path, {"rl-nodetect": {
        "scenario": {"duration": 7_200.0},
        "workload": {"deposits": 20, "withdrawals": 20},
        "bridge": {"limits": {"per_transfer_cap": 1_000_000, "rate_capacity": 2_000_000,
                              "rate_per_second": 500.0}},
        "defences": {"watcher": {"enabled": True, "pause": True,
                                 "detection_delay": {"dist": "fixed", "value": 500_000.0}}},
        "attacks": [{"kind": "key.compromise", "targets": {"members": [0, 1, 2, 3, 4, 5]},
                     "schedule": {"at": 60.0}, "params": {"amount": 50_000_000}}],
    }})
    cell = _cells(report)["rate-limits"]
    assert cell["sentiment"] == "warning"
    assert cell["reason"].startswith("the watcher never paused in 1 run with a loss")
    assert "limited only by the run's length" in cell["reason"]
    assert "pausing watcher bounded every loss" not in cell["reason"]
    item = _maturity(report, "rate-limit-bounds-incident")
    assert item["status"] == "unknown"
    assert "never paused" in item["detail"]


def test_a_rate_limit_no_run_lost_against_is_not_shown_to_bound_an_incident(tmp_path):
    """With no losing run, "every loss stayed within the limit" held of no loss at all."""
    report = _report(tmp_path, {"rl-honest": {
        "bridge": {"limits": {"rate_capacity": 2_000_000, "rate_per_second": 500.0}},
        "defences": {"watcher": {"enabled": True, "pause": True}},
    }})
    item = _maturity(report, "rate-limit-bounds-incident")
    assert item["status"] == "unknown", item
    assert "no run lost funds" in item["detail"]


def test_a_censored_exit_has_no_exit_window_and_no_watcher_veto(tmp_path):
    report = _report(tmp_path, {"exit": {
        "defences": {"rotation_timelock": TIMELOCK, "watcher": {"enabled": False}},
        "attacks": [{"kind": "relayer.censor", "targets": {"relayers": [0, 1, 2]},
                     "schedule": {"at": 0.0}, "params": {"directions": ["withdrawal"]}}],
    }})
    cells = _cells(report)
    exit_cell = cells["exit-window"]
    assert exit_cell["sentiment"] == "warning"
    assert exit_cell["reason"].startswith("exit time unknown")
    assert exit_cell["value"].startswith("unknown")
    assert "p99 0 s" not in exit_cell["value"]
    upgrade = cells["upgradeability"]
    assert upgrade["sentiment"] == "warning"
    assert "no watcher can veto" in upgrade["reason"]
    assert "under a watcher" not in upgrade["reason"]
    assert "the watcher vetoes" not in upgrade["description"]


def test_an_exit_window_measured_in_every_run_keeps_its_watcher(tmp_path):
    report = _report(tmp_path, {"honest": {
        "defences": {"rotation_timelock": TIMELOCK, "watcher": {"enabled": True}}}})
    cells = _cells(report)
    assert cells["exit-window"]["sentiment"] == "good"
    assert "slowest withdrawal" in cells["exit-window"]["value"]
    assert cells["upgradeability"]["sentiment"] == "good"
    assert "the watcher vetoes it" in cells["upgradeability"]["description"]
