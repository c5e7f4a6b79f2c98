"""The shipped baseline: every transfer completes, supply is conserved exactly, and latencies
follow from the configured block times and finality."""

from __future__ import annotations

import json

import pytest

from bridgelab.checker.judge import check_records
from bridgelab.checker.policy import CommitteePolicy
from bridgelab.core.history import read_history
from bridgelab.runner import run
from bridgelab.scenario import load_scenario
from tests.conftest import BASELINE


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline")
    scenario = load_scenario(BASELINE)
    return scenario, run(scenario, 1, out), out


def test_every_property_holds(baseline_run):
    _, result, _ = baseline_run
    assert result.exit_code == 0
    verdicts = {p: v for p, v in result.verdicts.items() if not p.startswith("coverage.")}
    # The baseline never changes its trust root, so that property has nothing to judge.
    assert verdicts.pop("safety.trust-root-governed") == "not_exercised"
    assert set(verdicts.values()) == {"pass"}
    assert result.inconclusive == []
    assert result.violations == []
    assert result.settled


def test_every_deposit_minted_and_withdrawal_released(baseline_run):
    scenario, result, _ = baseline_run
    transfers = result.metrics["transfers"]
    workload = scenario.workload
    assert transfers["locks"] == transfers["mints"] == workload.deposits
    assert transfers["burns"] == transfers["releases"] == workload.withdrawals


def test_conservation_holds_with_equality_at_the_end(baseline_run):
    _, result, _ = baseline_run
    volume = result.metrics["volume"]
    assert volume["locked"] > 0
    # Every deposit was withdrawn again: all four totals coincide.
    assert volume["locked"] == volume["minted"] == volume["burned"] == volume["released"]


def test_deposit_latency_follows_block_time_and_slot_time(baseline_run):
    scenario, result, _ = baseline_run
    latency = result.metrics["deposit_latency_s"]
    block_time = scenario.consortium.block_time
    slot = scenario.settlement.slot_time
    # A lock waits at most one block, then relaying and endorsing take well under a second,
    # then the mint waits for the next slot: at most block + slot + a little network time.
    assert 0 < latency["min"] < slot
    assert latency["max"] <= block_time + slot + 3.0
    # Waiting for the next slot is uniform over [0, slot): the median sits near its middle.
    assert slot * 0.3 < latency["p50"] < slot * 0.8


def test_withdrawal_latency_follows_finality(baseline_run):
    scenario, result, _ = baseline_run
    latency = result.metrics["withdrawal_latency_s"]
    settlement = scenario.settlement
    finality = settlement.finality_slots * settlement.slot_time
    # A burn waits for its slot, then for finality, then one consortium block.
    assert latency["min"] >= finality
    assert latency["max"] <= finality + 2 * settlement.slot_time + 3.0


def test_results_json_has_the_documented_shape(baseline_run):
    _, result, out = baseline_run
    data = json.loads((out / "results.json").read_text())
    assert {"fingerprint", "verdicts", "metrics", "violations"} <= set(data)
    assert {"version", "commit", "scenario_hash", "seed"} <= set(data["fingerprint"])
    assert data["fingerprint"]["seed"] == 1
    assert set(data["verdicts"].values()) <= {"pass", "fail", "not_exercised"}
    assert data["history"]["sha256"] == result.history_sha256
    assert data["complete"] is True
    assert (out / "scenario.toml").is_file()


def test_saved_history_rechecks_to_the_same_verdicts(baseline_run):
    scenario, result, out = baseline_run
    records = read_history(out / "history.jsonl")
    assert len(records) == result.history_events
    policy = CommitteePolicy.of_scenario(scenario)
    assert check_records(records, policy=policy).verdicts() == result.verdicts
