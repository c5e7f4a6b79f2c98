"""The workload benchmark runs end to end on a tiny workload and judges every target."""

from __future__ import annotations

import json
import subprocess
import sys

from bridgelab.bench.floor import CryptoLedger
from bridgelab.bench.method import interleaved, measure_in_subprocess, summarise
from bridgelab.bench.targets import campaign_speedup, targets
from bridgelab.bench.workload import Case
from bridgelab.cli import main


def test_a_case_reports_cpu_time_with_the_set_up_apart():
    row = measure_in_subprocess(Case("multisig", signatures="symbolic", transfers=6, members=4))
    assert row["crypto"] == "symbolic"
    assert row["transfers_completed"] == 12 and row["all_pass"]
    assert row["transfers_per_cpu_second"] > 0 and row["peak_rss_mb"] > 0
    assert row["setup_cpu_seconds"] > 0 and row["run_cpu_seconds"] > 0
    assert abs(row["setup_cpu_seconds"] + row["run_cpu_seconds"] - row["cpu_seconds"]) < 0.01
    assert row["simpy_events_per_transfer"] > 1
    # Batched: fewer committee signatures per transfer than members.
    assert row["signatures_per_transfer"] < 4


def test_an_instrumented_real_run_gives_the_floor_below_the_run():
    row = measure_in_subprocess(Case("multisig", transfers=4, members=4), instrumented=True)
    operations = row["operations"]
    assert operations["ecdsa.sign"]["per_transfer"] > 0
    assert operations["ecdsa.recover"]["us_each"] > 0
    # The checker's own recoveries are cryptography of the run too, counted apart.
    assert operations["checker.ecdsa.recover"]["per_transfer"] > 0
    assert 0 < row["floor_cpu_ms_per_transfer"] < row["cpu_ms_per_transfer"]


def test_an_instrumented_bls_run_counts_the_checker_s_verifications_in_its_floor():
    row = measure_in_subprocess(
        Case("threshold-bls", backend="blst", transfers=3, members=4), instrumented=True
    )
    operations = row["operations"]
    assert operations["bls.sign"]["per_transfer"] > 0
    assert operations["checker.bls.verify"]["us_each"] > 0
    # One multi-scalar multiplication per certificate (the relayer's optimistic check and the
    # certificate it assembles share it), and the checker verifies each certificate once.
    combined = operations["bls.g2_lincomb"]["per_transfer"]
    assert combined == operations["checker.bls.verify"]["per_transfer"] > 0
    assert 0 < row["floor_cpu_ms_per_transfer"] < row["cpu_ms_per_transfer"]


def test_cases_run_interleaved_and_the_row_is_the_median(monkeypatch):
    from bridgelab.bench import method

    order: list[tuple[str, bool]] = []
    rates = {"a": iter([30.0, 10.0, 20.0]), "b": iter([5.0, 7.0, 6.0])}
    # Each instrumented run's own CPU ms per transfer, over a floor of 40 ms: ratios 1.5,
    # 1.1 and 1.3 for "a".
    instrumented_ms = {"a": iter([60.0, 44.0, 52.0]), "b": iter([80.0, 80.0, 80.0])}

    def fake(case: Case, instrumented: bool = False) -> dict:
        order.append((case.custody, instrumented))
        if instrumented:
            ms = next(instrumented_ms[case.custody])
            rate = 1000 / ms
        else:
            rate = next(rates[case.custody])
        return {"transfers_per_cpu_second": rate, "cpu_ms_per_transfer": 1000 / rate,
                "wall_seconds": 1.0, "setup_cpu_seconds": 0.5, "load_average": 2.0,
                "crypto": "real", "floor_cpu_ms_per_transfer": 40.0,
                "operations": {"x": rate}}

    monkeypatch.setattr(method, "measure_in_subprocess", fake)
    cases = [({"config": "a", "mode": "batched"}, Case("a", transfers=3), 3),
             ({"config": "b", "mode": "batched"}, Case("b", transfers=3), 3)]
    rows = interleaved(cases, 3, None)
    assert order == [("a", False), ("a", True), ("b", False), ("b", True)] * 3
    assert rows[0]["transfers_per_cpu_second"] == 20.0
    assert rows[0]["runs_transfers_per_cpu_second"] == [10.0, 20.0, 30.0]
    assert rows[0]["spread"] == 1.0
    # actual/floor is the median instrumented run's own ratio, not the timed median's.
    assert rows[0]["actual_over_floor"] == 1.3
    assert rows[0]["runs_actual_over_floor"] == [1.1, 1.3, 1.5]
    assert rows[0]["operations"] == {"x": 1000 / 52.0}
    assert rows[0]["floor_run_cpu_ms_per_transfer"] == 52.0
    assert rows[1]["actual_over_floor"] == 2.0


def test_a_symbolic_row_has_no_floor():
    run = {"transfers_per_cpu_second": 10.0, "cpu_ms_per_transfer": 100.0, "wall_seconds": 1.0,
           "setup_cpu_seconds": 0.1, "load_average": 0.5, "crypto": "symbolic"}
    row = summarise({"config": "x", "mode": "batched"}, [run], [dict(run, operations={},
                    floor_cpu_ms_per_transfer=1.0)])
    assert row["actual_over_floor"] is None and row["floor_cpu_ms_per_transfer"] is None


def test_the_command_prints_tables_writes_json_and_judges_targets(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = main([
        "bench", "workload", "--transfers", "6", "--configs", "multisig,multisig/symbolic",
        "--modes", "batched", "--sizes", "4,7", "--scaling-transfers", "4", "--lengths", "4,8",
        "--campaign-runs", "4", "--repeats", "3", "--json-out", str(out),
    ])
    assert code == 0
    printed = capsys.readouterr().out
    assert "standard workload" in printed and "targets" in printed and "method:" in printed
    result = json.loads(out.read_text())
    assert [row["config"] for row in result["configs"]] == ["multisig", "multisig/symbolic"]
    for row in result["configs"]:
        rates = row["runs_transfers_per_cpu_second"]
        assert len(rates) == 3 and rates == sorted(rates)
        assert row["transfers_per_cpu_second"] == rates[1]
    # Each instrumented run's floor is CPU time inside its own run, so its ratio is at least
    # one; the row's is their median.
    real = result["configs"][0]
    assert real["floor_cpu_ms_per_transfer"] > 0
    ratios = real["runs_actual_over_floor"]
    assert len(ratios) == 3 and ratios == sorted(ratios) and ratios[0] >= 1.0
    assert real["actual_over_floor"] == ratios[1] == round(
        real["floor_run_cpu_ms_per_transfer"] / real["floor_cpu_ms_per_transfer"], 3)
    assert result["configs"][1]["actual_over_floor"] is None  # symbolic: no floor
    assert [row["transfers_each_way"] for row in result["length_scaling"]] == [4, 8]
    assert [row["jobs"] for row in result["campaigns"]] == [1, 2]
    for row in result["campaigns"]:
        assert row["runs"] == 4 and len(row["rates_by_round"]) == 3
        assert row["runs_per_second"] == sorted(row["rates_by_round"])[1]
    judged = {check["target"]: check for check in result["targets"]}
    # No BLS row was measured: its target is reported as not measured, not as met.
    assert judged["threshold BLS batched transfers/CPU-s (not run)"]["met"] is None
    assert judged["multisig batched transfers/CPU-s"]["measured"] == result["configs"][0][
        "transfers_per_cpu_second"]
    assert judged["campaign: two jobs over one (>= 200 runs)"]["met"] is None


def test_targets_compare_against_the_bounds():
    rows = [{"config": "multisig", "mode": "batched", "transfers_per_cpu_second": 250.0,
             "actual_over_floor": 1.5},
            {"config": "threshold-bls/blst", "mode": "batched", "transfers_per_cpu_second": 450.0,
             "actual_over_floor": 1.2},
            {"config": "threshold-bls/arkworks", "mode": "batched",
             "transfers_per_cpu_second": 300.0, "actual_over_floor": 1.1}]
    scaling = [
        {"custody": "multisig", "members": 4, "cpu_ms_per_transfer": 1.0},
        {"custody": "multisig", "members": 100, "cpu_ms_per_transfer": 30.0},
    ]
    campaigns = [{"jobs": 1, "runs": 200, "runs_per_second": 10.0},
                 {"jobs": 2, "runs": 200, "runs_per_second": 17.0}]  # no rounds: the rows
    checks = {check["target"]: check for check in targets(rows, scaling, [], campaigns)}
    assert checks["multisig batched transfers/CPU-s"]["met"] is False
    assert checks["multisig actual/crypto floor"]["met"] is False
    # The fastest real BLS row is judged, and its own floor ratio with it.
    assert checks["threshold BLS batched transfers/CPU-s (threshold-bls/blst)"]["met"] is True
    assert checks["threshold BLS actual/crypto floor (threshold-bls/blst)"]["measured"] == 1.2
    assert checks["campaign: two jobs over one (>= 200 runs)"]["measured"] == 1.7
    assert checks["campaign: two jobs over one (>= 200 runs)"]["met"] is False
    linear = checks["multisig: cost per transfer grows at most linearly in n"]
    assert linear["met"] is False and linear["measured"] == 30.0


def test_two_jobs_over_one_is_the_median_of_the_ratios_within_each_round():
    """The machine's speed drifts between rounds: round by round the ratios are 1.9, 1.8 and
    2.0 (median 1.9), whereas dividing the median rows (36 over 20) would give 1.8."""
    campaigns = [{"jobs": 1, "runs": 200, "runs_per_second": 20.0,
                  "rates_by_round": [10.0, 20.0, 30.0]},
                 {"jobs": 2, "runs": 200, "runs_per_second": 36.0,
                  "rates_by_round": [19.0, 36.0, 60.0]}]
    assert campaign_speedup(campaigns) == 1.9
    assert campaign_speedup([{k: v for k, v in row.items() if k != "rates_by_round"}
                             for row in campaigns]) == 1.8
    assert campaign_speedup([dict(row, runs=199) for row in campaigns]) is None


def test_rounds_alternate_their_order_and_pair_only_whole_rounds(monkeypatch):
    from bridgelab.bench import method

    order: list[int] = []

    def rate(runs, jobs):
        order.append(jobs)
        return {"jobs": jobs, "runs": runs, "runs_per_second": 10.0 * jobs + len(order)}

    monkeypatch.setattr(method, "campaign_rate", rate)
    rows = method.campaign_rows(200, (1, 2, 1), 3)
    assert order == [1, 2, 2, 1, 1, 2]  # a count given twice is timed once a round
    assert [len(row["rates_by_round"]) for row in rows] == [3, 3]
    assert campaign_speedup(rows) is not None
    rows[1]["rates_by_round"] = rows[1]["rates_by_round"][:2]
    assert campaign_speedup(rows) is None  # rounds that do not pair up give no ratio


def test_memory_growth_is_judged_per_configuration_against_the_1000_run():
    def row(config, transfers, peak):
        return {"config": config, "mode": "batched", "transfers_each_way": transfers,
                "peak_rss_mb": peak}

    length = [row("multisig", 100, 60.0), row("multisig", 1_000, 80.0),
              row("multisig", 10_000, 99.0),
              row("multisig/symbolic", 1_000, 76.0), row("multisig/symbolic", 100_000, 310.0),
              row("threshold-bls", 10_000, 90.0)]  # no 1,000 row: nothing to compare with
    checks = {check["target"]: check for check in targets([], [], length)}
    flat = checks["multisig: peak memory at 10,000 each way over at 1,000"]
    assert flat["measured"] == 1.24 and flat["met"] is True and flat["bound"] == 1.25
    growing = checks["multisig/symbolic: peak memory at 100,000 each way over at 1,000"]
    assert growing["measured"] == 4.08 and growing["met"] is False
    assert not any(name.startswith("threshold-bls:") for name in checks)


def test_a_timed_call_inside_a_timed_call_counts_once(monkeypatch):
    from bridgelab.bench import floor

    ticks = iter(range(100))
    monkeypatch.setattr(floor.time, "process_time", lambda: float(next(ticks)))
    ledger = CryptoLedger()
    inner = ledger.timed("inner", lambda: None)
    outer = ledger.timed("outer", lambda: inner())
    outer()  # outer starts at tick 0, inner at 1; only the outer reads its end, at 2
    assert ledger.calls == {"outer": 1} and ledger.total_cpu() == 2.0


def test_a_table_row_shows_the_two_figures_its_actual_over_floor_divides():
    from bridgelab.bench import tables

    row = {"config": "multisig", "mode": "batched", "crypto": "real", "members": 21,
           "transfers_completed": 2000, "transfers_per_cpu_second": 800.0, "spread": 0.1,
           "cpu_ms_per_transfer": 1.25, "floor_run_cpu_ms_per_transfer": 1.7,
           "floor_cpu_ms_per_transfer": 1.0, "actual_over_floor": 1.7,
           "median_setup_cpu_seconds": 2.0, "median_wall_seconds": 3.0,
           "simpy_events_per_transfer": 30.0, "signatures_per_transfer": 3.6,
           "deposit_latency_p50_s": 24.0, "peak_rss_mb": 60.0, "load_average_mean": 1.0,
           "all_pass": True}
    cells = dict(zip(tables._COLUMNS, tables._cells(row), strict=True))
    assert cells["CPU ms/transfer"] == "1.250"  # the timed runs' median
    ratio = float(cells["instrumented ms"]) / float(cells["floor ms"])
    assert f"{ratio:.2f}" == cells["actual/floor"] == "1.70"
    symbolic = dict(row, crypto="symbolic", floor_run_cpu_ms_per_transfer=None,
                    floor_cpu_ms_per_transfer=None, actual_over_floor=None)
    symbolic_cells = dict(zip(tables._COLUMNS, tables._cells(symbolic), strict=True))
    assert symbolic_cells["instrumented ms"] == symbolic_cells["actual/floor"] == "—"


def test_the_floor_counts_the_checker_s_own_vote_verifications():
    # In a fresh interpreter: instrumenting wraps the crypto calls for the whole process.
    code = (
        "from bridgelab.bench.floor import instrument\n"
        "ledger = instrument()\n"
        "from bridgelab.checker.agreement import vote_verify\n"
        "from bridgelab.crypto.ed25519 import Ed25519Signer\n"
        "signer = Ed25519Signer(bytes(32))\n"
        "assert vote_verify('real', signer.public_key, b'vote', signer.sign(b'vote'))\n"
        "print(sorted(ledger.calls.items()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[('checker.ed25519.verify', 1), ('ed25519.sign', 1)]"
