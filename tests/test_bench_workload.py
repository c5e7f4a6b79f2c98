"""The workload benchmark runs end to end on a tiny workload and judges every target."""

from __future__ import annotations

import json

from bridgelab.bench.workload import Case, measure_in_subprocess, targets
from bridgelab.cli import main


def test_a_case_measures_completed_transfers_and_labels_its_crypto():
    row = measure_in_subprocess(Case("multisig", signatures="symbolic", transfers=6, members=4))
    assert row["crypto"] == "symbolic"
    assert row["transfers_completed"] == 12 and row["all_pass"]
    assert row["transfers_per_second"] > 0 and row["peak_rss_mb"] > 0
    assert 0 <= row["crypto_share"] < 1
    # Batched: fewer committee signatures per transfer than members.
    assert row["signatures_per_transfer"] < 4


def test_the_command_prints_tables_writes_json_and_judges_targets(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = main([
        "bench", "workload", "--transfers", "6", "--configs", "multisig,multisig/symbolic",
        "--modes", "batched", "--sizes", "4,7", "--scaling-transfers", "4", "--lengths", "4,8",
        "--campaign-runs", "4", "--repeats", "3", "--json", str(out),
    ])
    assert code == 0
    printed = capsys.readouterr().out
    assert "standard workload" in printed and "targets" in printed
    result = json.loads(out.read_text())
    assert [row["config"] for row in result["configs"]] == ["multisig", "multisig/symbolic"]
    for row in result["configs"]:
        # Three runs each; the row is the median run's.
        rates = row["runs_transfers_per_second"]
        assert len(rates) == 3 and rates == sorted(rates)
        assert row["transfers_per_second"] == rates[1]
    assert [row["transfers_each_way"] for row in result["length_scaling"]] == [4, 8]
    assert result["campaigns"][0]["runs"] == 4
    judged = {check["target"]: check for check in result["targets"]}
    # No BLS row was measured: its target is reported as not measured, not as met.
    assert judged["threshold BLS (arkworks) transfers/s"]["met"] is None
    assert judged["multisig transfers/s"]["measured"] == result["configs"][0][
        "transfers_per_second"]


def test_targets_compare_against_the_bounds():
    row = {"config": "multisig", "mode": "batched", "transfers_per_second": 250.0}
    scaling = [
        {"custody": "multisig", "members": 4, "ms_per_transfer": 1.0},
        {"custody": "multisig", "members": 100, "ms_per_transfer": 30.0},
    ]
    checks = {check["target"]: check for check in targets([row], scaling, [])}
    assert checks["multisig transfers/s"]["met"] is False
    linear = checks["multisig: cost per transfer grows at most linearly in n"]
    assert linear["met"] is False and linear["measured"] == 30.0


def test_cases_past_the_limit_report_no_crypto_share(monkeypatch):
    from bridgelab.bench import workload

    monkeypatch.setattr(workload, "CRYPTO_SHARE_MAX_TRANSFERS", 3)
    row = workload.measure_in_subprocess(
        Case("multisig", signatures="symbolic", transfers=4, members=4))
    assert row["crypto_share"] is None
    assert row["transfers_completed"] == 8 and row["all_pass"]


def test_a_timed_call_inside_a_timed_call_counts_once(monkeypatch):
    from bridgelab.bench import workload

    ticks = iter(range(100))
    monkeypatch.setattr(workload.time, "perf_counter", lambda: float(next(ticks)))
    monkeypatch.setattr(workload, "_CRYPTO_SECONDS", [0.0])
    inner = workload._timed(lambda: None)
    outer = workload._timed(lambda: inner())
    outer()  # outer starts at tick 0, inner at 1; only the outer reads its end, at 2
    assert workload._CRYPTO_SECONDS[0] == 2.0  # counting both would give 1 + 3
