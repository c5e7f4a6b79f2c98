"""A small report for the report tests: a handful of tiny runs made with `bridgelab run` (so
each results.json carries its reproduce command), built once per test session.

Scenarios: honest multisig and threshold-BLS bridges; colluding members that reach the
threshold; an operator holding a threshold of seats compromised; every relayer censoring
for ten minutes; and a bridge named `<script>alert(1)</script>` (the escaping probe).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridgelab.cli import main as cli_main
from bridgelab.hunt.artefacts import scenario_toml
from tests.conftest import baseline_data, deep_merge

XSS_NAME = "<script>alert(1)</script>"

TINY = {
    "scenario": {"duration": 3_600.0},
    "settlement": {"finality_slots": 4},
    "committee": {"members": 5, "threshold": 4, "required": []},
    "workload": {"deposits": 4, "withdrawals": 2, "deposit_interval": 5.0,
                 "withdraw_delay": 10.0},
}

BLS = {"committee": {"custody": "threshold-bls"}}

SCENARIOS: dict[str, dict[str, Any]] = {
    "honest-multisig": {"scenario": {"name": "honest-multisig"}},
    "honest-bls": deep_merge(BLS, {"scenario": {"name": "honest-bls"}}),
    "collusion-multisig": {
        "scenario": {"name": "collusion-multisig"},
        "attacks": [{"kind": "collusion.fabricated_lock", "targets": {"select": "threshold"},
                     "schedule": {"at": 30.0}, "params": {"amount": 2_000_000}}],
    },
    "operator-bls": deep_merge(BLS, {
        "scenario": {"name": "operator-bls"},
        "entities": [
            {"name": "big-operator", "jurisdiction": "HK", "storage": "hot-server",
             "members": [0, 1, 2, 3]},
            {"name": "small-operator", "jurisdiction": "SG", "members": [4]},
        ],
        "attacks": [{"kind": "key.compromise", "targets": {"entities": ["big-operator"]},
                     "schedule": {"at": 30.0}, "params": {"amount": 2_000_000}}],
    }),
    "censor-multisig": {
        "scenario": {"name": "censor-multisig"},
        "attacks": [{"kind": "relayer.censor", "targets": {"relayers": "all"},
                     "schedule": {"at": 0.0}, "heal": {"after": 600.0}}],
    },
    "xss": {"scenario": {"name": XSS_NAME,
                         "description": "<img src=x onerror=alert(2)> & [link](http://x)"}},
}


@dataclass
class SmallReport:
    root: Path
    runs: Path
    scenarios: Path
    out: Path
    report: dict[str, Any]


_BUILT: dict[str, SmallReport] = {}


def scenario_data(name: str) -> dict[str, Any]:
    data = deep_merge(baseline_data(), TINY)
    data = deep_merge(data, {k: v for k, v in SCENARIOS[name].items() if k != "attacks"})
    data["attacks"] = copy.deepcopy(SCENARIOS[name].get("attacks", []))
    return data


def write_scenarios(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in SCENARIOS:
        path = directory / f"{name}.toml"
        path.write_text(scenario_toml(scenario_data(name), f"report test scenario {name}"))
        paths[name] = path
    return paths


def run_all(paths: dict[str, Path], runs: Path, seeds: tuple[int, ...] = (1, 2)) -> None:
    for name, path in paths.items():
        for seed in seeds if name != "xss" else (1,):
            code = cli_main(["run", str(path), "--seed", str(seed), "--quiet",
                             "--out", str(runs / f"{name}-s{seed}")])
            assert code in (0, 1, 2), f"{name} seed {seed} exited {code}"


def small_report(tmp_path_factory) -> SmallReport:
    """Runs and report, built on first use and shared by every test module in the session."""
    if "report" not in _BUILT:
        root = tmp_path_factory.mktemp("report")
        paths = write_scenarios(root / "scenarios")
        runs = root / "runs"
        run_all(paths, runs)
        out = root / "out"
        code = cli_main(["report", str(runs), "--out", str(out), "--quiet",
                         "--cost-evaluations", "40"])
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        # The attacks break safety in some runs: the report says so, and exits as a gate would.
        assert report["summary"]["verdict"] == "unsafe" and code == 1
        _BUILT["report"] = SmallReport(root, runs, root / "scenarios", out, report)
    return _BUILT["report"]
