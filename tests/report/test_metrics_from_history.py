"""Every figure the report reads from a run's metrics is held to the run's history.

A results.json (or a campaign store's row) could be edited so that the report said nothing
left the escrow, that stuck withdrawals were frozen by a theft rather than failed, or that
a detection came sooner: verification folds the history again with the checker's own code
(`judge_saved`, `Judgement.metrics`) and leaves out a run whose recorded metrics differ.
Who holds most seats is read from the verified scenario only.
"""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bridgelab import evidence
from bridgelab.campaign.spec import load_campaign
from bridgelab.campaign.store import Store
from bridgelab.campaign.worker import execute_run
from bridgelab.hunt.artefacts import scenario_toml
from bridgelab.report.grouping import group_configs
from bridgelab.report.loading import load_records, load_run_dir
from bridgelab.runner import run
from bridgelab.scenario import parse_scenario
from tests.conftest import deep_merge
from tests.report.report_fixtures import scenario_data

WATCHED = {"defences": {"watcher": {"enabled": True, "pause": True,
                                    "detection_delay": {"dist": "fixed", "value": 5.0}}}}
CENSOR_WITHDRAWALS = [{"kind": "relayer.censor", "targets": {"relayers": "all"},
                       "schedule": {"at": 0.0}, "params": {"directions": ["withdrawal"]}}]


def _scenarios() -> dict[str, dict[str, Any]]:
    """Tiny runs whose figures are each worth tampering with: a theft that extracts value,
    one a watcher detects and pauses, honest withdrawals censored, an operator holding a
    threshold of seats, and honest traffic."""
    watched = deep_merge(scenario_data("collusion-multisig"), WATCHED)
    watched["scenario"]["name"] = "watched"
    censored = scenario_data("honest-multisig")
    censored["scenario"]["name"] = "censored"
    censored["attacks"] = copy.deepcopy(CENSOR_WITHDRAWALS)
    return {"theft": scenario_data("collusion-multisig"), "watched": watched,
            "censored": censored, "operator": scenario_data("operator-bls"),
            "honest": scenario_data("honest-multisig")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("metrics-runs")
    made = {}
    for name, data in _scenarios().items():
        run(parse_scenario(data, name), 1, root / name,
            reproduce=f"bridgelab run {name}.toml --seed 1")
        made[name] = root / name
    return made


def _copy(runs: dict[str, Path], name: str, tmp_path: Path) -> Path:
    directory = tmp_path / name
    shutil.copytree(runs[name], directory)
    return directory


def _edit(directory: Path, path: str, value: Any) -> Any:
    """Set `metrics.<path>` in the run's results.json; the old value."""
    results_file = directory / "results.json"
    results = json.loads(results_file.read_text())
    old = _set(results["metrics"], path, value)
    results_file.write_text(json.dumps(results))
    return old


def _set(metrics: dict[str, Any], path: str, value: Any) -> Any:
    """Set the figure at `path` (keys joined by dots; a liveness property's name is one key,
    its dots included); the old value."""
    node = metrics
    keys = path.split(".")
    if keys[0] == "liveness" and len(keys) > 2:
        keys = ["liveness", ".".join(keys[1:3]), *keys[3:]]
    *parents, leaf = keys
    for key in parents:
        node = node[key]
    old, node[leaf] = node[leaf], value
    return old


def _problems(directory: Path) -> list[str]:
    return evidence.verify_run_dir(
        directory, json.loads((directory / "results.json").read_text())).problems


# (run, metric path, the tampered value): each edit makes the report more reassuring.
TAMPERED = [
    ("theft", "outcome.value_extracted", 0),  # "nothing left the escrow"
    ("theft", "outcome.unbacked_minted_peak", 0),
    ("theft", "outcome.unbacked_minted_final", 0),
    ("watched", "outcome.time_to_detect_s", 0.5),  # detected at once
    ("watched", "outcome.time_to_pause_s", 0.5),  # a smaller loss bound
    ("honest", "withdrawal_latency_s.p99", 0.5),  # a longer exit window
    ("honest", "deposit_latency_s.p99", 0.5),
    ("operator", "custody.largest_holding.seats", 1),  # "largest controls 1"
]


@pytest.mark.parametrize("name, path, value", TAMPERED,
                         ids=[f"{name}-{path}" for name, path, _ in TAMPERED])
def test_an_edited_metric_leaves_the_run_out(runs, tmp_path, name, path, value):
    directory = _copy(runs, name, tmp_path)
    assert _problems(directory) == []
    old = _edit(directory, path, value)
    assert old != value, f"the run's own {path} is already {value}: the edit tests nothing"
    problems = _problems(directory)
    assert problems == [f"metrics.{path} is recorded as {json.dumps(value)}, the history"
                        f" gives {json.dumps(old)}"]
    record = load_run_dir(directory)
    assert record is not None and not record.usable and record.verdict == "unverified"


def test_stuck_honest_withdrawals_cannot_be_recast_as_frozen_by_a_theft(runs, tmp_path):
    """The audit's example: a censored honest run edited to say a theft froze its stuck
    withdrawals would turn its liveness cell from bad to a warning."""
    directory = _copy(runs, "censored", tmp_path)
    record = load_run_dir(directory)
    assert record is not None and record.usable
    assert record.honest_liveness_failed == ["liveness.withdrawals-released"]
    prop = "liveness.liveness.withdrawals-released"
    stuck = _edit(directory, f"{prop}.honest_failures", 0)
    assert stuck > 0
    _edit(directory, f"{prop}.frozen_by_theft", stuck)
    problems = _problems(directory)
    assert f"metrics.{prop}.frozen_by_theft is recorded as {stuck}, the history gives 0" \
        in problems
    assert f"metrics.{prop}.honest_failures is recorded as 0, the history gives {stuck}" \
        in problems
    record = load_run_dir(directory)
    assert record is not None and not record.usable


def test_a_removed_figure_is_a_difference_too(runs, tmp_path):
    """A figure left out reads as none (`RunRecord.loss` of a missing value is 0)."""
    directory = _copy(runs, "theft", tmp_path)
    results = json.loads((directory / "results.json").read_text())
    extracted = results["metrics"]["outcome"].pop("value_extracted")
    (directory / "results.json").write_text(json.dumps(results))
    assert _problems(directory) == [f"metrics.outcome.value_extracted is recorded as nothing,"
                                    f" the history gives {extracted}"]


def test_a_table_the_history_does_not_give_is_a_difference_too(runs, tmp_path):
    """An `evm` table added to a run that had no EVM: the report reads its gas figures."""
    directory = _copy(runs, "theft", tmp_path)
    results = json.loads((directory / "results.json").read_text())
    assert "evm" not in results["metrics"]
    results["metrics"]["evm"] = {"gas_per_certificate": {"mean": 1.0}}
    (directory / "results.json").write_text(json.dumps(results))
    assert _problems(directory) == ['metrics.evm is recorded as {"gas_per_certificate":'
                                    ' {"mean": 1.0}}, the history gives nothing']


def test_genuine_runs_agree_with_their_history_figure_for_figure(runs):
    for directory in runs.values():
        assert _problems(directory) == []
        judgement, why = _judgement(directory)
        assert why is None and judgement.metrics is not None
        recorded = json.loads((directory / "results.json").read_text())["metrics"]
        assert {key: value for key, value in recorded.items() if key != "performance"} \
            == judgement.metrics


def _judgement(directory: Path) -> tuple[Any, str | None]:
    from bridgelab.checker.judge import judge_saved

    scenario = evidence.scenario_from_text((directory / "scenario.toml").read_text(), "s")
    return judge_saved(directory / "history.jsonl", scenario)


# -- who holds the most seats ------------------------------------------------------------------


def test_the_largest_holding_is_the_verified_scenarios(runs):
    record = load_run_dir(runs["operator"])
    assert record is not None and record.usable
    [group] = group_configs([record])
    assert group.largest == ("big-operator", 4)
    # A figure in the metrics is not what the report reads (were it, a run whose metrics
    # escaped verification could make one operator's four seats read as one).
    record.metrics["custody"]["largest_holding"] = {"entity": "small-operator", "seats": 1}
    assert group.largest == ("big-operator", 4)


def test_the_scenarios_largest_holding_names_the_runs_own_holder(runs):
    """On a tie (every default operator holds one seat) the scenario names the holder the
    run's custody names."""
    for name in ("honest", "operator"):
        record = load_run_dir(runs[name])
        assert record is not None and record.usable
        [group] = group_configs([record])
        holding = record.custody["largest_holding"]
        assert group.largest == (holding["entity"], holding["seats"])


# -- campaign store rows -----------------------------------------------------------------------


CAMPAIGN = (
    '[campaign]\nname = "tiny"\nbase = "base.toml"\nseeds = 1\n'
    '[[attacks]]\nname = "none"\n'
    '[[attacks]]\nname = "collusion"\nkind = "collusion.fabricated_lock"\n'
    'targets = { select = "threshold" }\nschedule = { at = 30.0 }\n'
)


def _campaign(directory: Path) -> Path:
    """A two-run campaign (honest and colluding arms) into a store, histories kept."""
    directory.mkdir(parents=True)
    (directory / "base.toml").write_text(
        scenario_toml(scenario_data("honest-multisig"), "campaign base"))
    campaign_file = directory / "tiny.toml"
    campaign_file.write_text(CAMPAIGN)
    campaign = load_campaign(campaign_file)
    store_path = directory / "tiny.sqlite"
    with Store(store_path) as store:
        store.register(campaign.hash, campaign.name, str(campaign_file), campaign.total_runs(),
                       campaign.registration)
        for spec in campaign.specs(directory / "histories"):
            store.add(execute_run(spec))
    return store_path


def _store_rows(store_path: Path) -> list[dict[str, Any]]:
    with Store(store_path) as store:
        [entry] = store.campaigns()
        return store.rows(entry["campaign_hash"])


@pytest.mark.parametrize("arm, path, value", [
    ("collusion", "outcome.value_extracted", 0),
    ("none", "withdrawal_latency_s.p99", 0.5),
])
def test_a_store_row_whose_metric_was_edited_is_left_out(tmp_path, arm, path, value):
    store_path = _campaign(tmp_path / "campaign")
    rows = _store_rows(store_path)
    assert all(evidence.row_problems(row, store_path) == [] for row in rows)
    row = next(row for row in rows if row["arm"] == arm)
    metrics = row["metrics"]
    old = _set(metrics, path, value)
    assert old != value
    with sqlite3.connect(store_path) as db:
        db.execute("UPDATE runs SET metrics = ? WHERE run_key = ?",
                   (json.dumps(metrics), row["run_key"]))
    [edited] = [r for r in _store_rows(store_path) if r["run_key"] == row["run_key"]]
    assert evidence.row_problems(edited, store_path) == [
        f"metrics.{path} is recorded as {json.dumps(value)}, the history gives"
        f" {json.dumps(old)}"]
    records = load_records([store_path])
    unusable = [record for record in records if not record.usable]
    assert [record.parameters.get("run_key") for record in unusable] == [row["run_key"]]
