"""How the workload benchmark measures: fresh interpreters, cases interleaved, medians.

A shared machine's speed drifts; running A A A then B B B lets the drift decide the order of
the rows. Cases run A B C A B C …, each row is the median of its runs with the spread beside
it, the load average is recorded per run, and every ratio is taken between rows of one run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from bridgelab.bench.targets import targets
from bridgelab.bench.workload import CONFIGS, CONTRACTS, MODES, STANDARD, Case

Progress = Callable[[str], None]
# Cases at most this long also get an instrumented run (the crypto floor); longer ones would
# double their time for a figure the standard rows already give.
FLOOR_MAX_TRANSFERS = 1_000


def measure_in_subprocess(case: Case, instrumented: bool = False) -> dict[str, Any]:
    """One case in a fresh interpreter: its peak memory and caches are its own."""
    command = [sys.executable, "-m", "bridgelab.bench.workload", "--case", case.to_json()]
    completed = subprocess.run(
        command + (["--instrumented"] if instrumented else []),
        capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark case {case} failed:\n{completed.stderr[-2000:]}")
    row: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return row


def summarise(label: dict[str, Any], runs: list[dict[str, Any]],
              floors: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A row: the median run by in-run transfers per CPU-second, every run's rate, the spread,
    the mean load, and actual/floor when instrumented runs gave the floor."""
    ordered = sorted(runs, key=lambda run: run["transfers_per_cpu_second"])
    median = ordered[(len(ordered) - 1) // 2]
    rates = [run["transfers_per_cpu_second"] for run in ordered]
    row = {**label, **median,
           "runs_transfers_per_cpu_second": rates,
           "spread": round((rates[-1] - rates[0]) / median["transfers_per_cpu_second"], 3)
           if median["transfers_per_cpu_second"] else None,
           "median_wall_seconds": statistics.median(run["wall_seconds"] for run in runs),
           "median_setup_cpu_seconds": statistics.median(run["setup_cpu_seconds"] for run in runs),
           "load_average_mean": round(statistics.fmean(run["load_average"] for run in runs), 2),
           "floor_cpu_ms_per_transfer": None, "actual_over_floor": None, "operations": None,
           "floor_run_cpu_ms_per_transfer": None, "runs_actual_over_floor": None}
    floors = [floor for floor in floors
              if floor["crypto"] == "real" and floor["floor_cpu_ms_per_transfer"]]
    if floors:
        # Each instrumented run's own CPU over its own floor: both measured in one process at
        # one moment, so the machine's drift cancels. The instrumentation's cost (about 1 µs
        # a call, docs/performance.md) counts as the model's, which can only raise the ratio.
        by_ratio = sorted(floors, key=_own_ratio)
        middle = by_ratio[(len(by_ratio) - 1) // 2]
        row["floor_cpu_ms_per_transfer"] = middle["floor_cpu_ms_per_transfer"]
        row["floor_run_cpu_ms_per_transfer"] = middle["cpu_ms_per_transfer"]
        row["operations"] = middle["operations"]
        row["actual_over_floor"] = round(_own_ratio(middle), 3)
        row["runs_actual_over_floor"] = [round(_own_ratio(floor), 3) for floor in by_ratio]
    return row


def _own_ratio(floor: dict[str, Any]) -> float:
    return float(floor["cpu_ms_per_transfer"] / floor["floor_cpu_ms_per_transfer"])


def interleaved(cases: Sequence[tuple[dict[str, Any], Case, int]], repeats: int,
                progress: Progress | None) -> list[dict[str, Any]]:
    """Runs every case `repeats` times in the order A B C A B C … (a case whose repeats are
    done drops out); a real-crypto case's run is followed by an instrumented one, for its
    floor (A A' B B' …)."""
    runs: list[list[dict[str, Any]]] = [[] for _ in cases]
    floors: list[list[dict[str, Any]]] = [[] for _ in cases]
    for round_number in range(repeats):
        for index, (label, case, times) in enumerate(cases):
            if round_number >= times:
                continue
            if progress:
                progress(f"{_name(label)}: run {round_number + 1} of {times}")
            runs[index].append(measure_in_subprocess(case))
            if case.signatures == "real" and case.transfers <= FLOOR_MAX_TRANSFERS:
                if progress:
                    progress(f"{_name(label)}: instrumented run {round_number + 1} (crypto floor)")
                floors[index].append(measure_in_subprocess(case, instrumented=True))
    return [summarise(label, case_runs, case_floors)
            for (label, _, _), case_runs, case_floors in zip(cases, runs, floors, strict=True)]


def _name(label: dict[str, Any]) -> str:
    return f"{label['config']}, {label['mode']}"


def campaign_rate(runs: int, jobs: int) -> dict[str, Any]:
    """Runs per second of the shipped throughput campaign (small complete bridges)."""
    from bridgelab.campaign.execute import run_campaign
    from bridgelab.campaign.spec import load_campaign
    from bridgelab.campaign.store import Store

    campaign = load_campaign(Path(__file__).resolve().parents[3] / "campaigns/throughput.toml")
    cpu_before = os.times()
    with tempfile.TemporaryDirectory() as scratch, Store(Path(scratch) / "bench.db") as store:
        tally = run_campaign(campaign, store, jobs=jobs, fresh=True, max_runs=runs)
    cpu_after = os.times()
    cpu = sum(after - before for after, before in zip(cpu_after[:4], cpu_before[:4],
                                                      strict=True))
    return {
        "campaign": "campaigns/throughput.toml", "runs": tally.done, "jobs": jobs,
        "errors": tally.errors, "elapsed_s": round(tally.elapsed_s, 2),
        "cpu_seconds": round(cpu, 2), "load_average": round(os.getloadavg()[0], 2),
        "runs_per_second": round(tally.runs_per_s, 2),
        "steady_runs_per_second": (None if tally.steady_runs_per_s is None
                                   else round(tally.steady_runs_per_s, 2)),
    }


def campaign_rows(runs: int, jobs_list: Sequence[int], repeats: int,
                  progress: Progress | None = None) -> list[dict[str, Any]]:
    """The throughput campaign at each worker count, `repeats` rounds, the counts in turn and
    every other round in reverse (1 2, 2 1, …, so that drift within a round does not favour
    one): one row per count, its median round with every round's rate in round order
    (`rates_by_round`), so that a ratio between counts is taken within each round
    (`targets`)."""
    counts = list(dict.fromkeys(jobs_list))  # a count given twice is timed once a round
    samples: dict[int, list[dict[str, Any]]] = {jobs: [] for jobs in counts}
    for round_number in range(repeats):
        for jobs in counts if round_number % 2 == 0 else counts[::-1]:
            if progress:
                progress(f"campaign throughput: {runs} runs, {jobs} job(s),"
                         f" round {round_number + 1} of {repeats}")
            samples[jobs].append(campaign_rate(runs, jobs))
    rows = []
    for rounds in samples.values():
        ordered = sorted(rounds, key=lambda sample: sample["runs_per_second"])
        rows.append({**ordered[(len(ordered) - 1) // 2],
                     "rates_by_round": [sample["runs_per_second"] for sample in rounds]})
    return rows


def run_bench(
    transfers: int = 1_000, pyecc_transfers: int = 20, sizes: tuple[int, ...] = (4, 21, 100),
    lengths: tuple[int, ...] = (100, 1_000, 10_000), symbolic_lengths: tuple[int, ...] = (),
    modes: tuple[str, ...] = MODES, configs: tuple[str, ...] = tuple(CONFIGS),
    scaling_transfers: int = 200, campaign_runs: int = 200,
    campaign_jobs: tuple[int, ...] = (1, 2),
    deposit_interval: float = STANDARD["deposit_interval_s"], repeats: int = 3,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The whole benchmark: configurations, committee scaling, run-length scaling, campaigns,
    and the targets judged from them. Each table's cases are interleaved."""
    table: list[tuple[dict[str, Any], Case, int]] = []
    for label in configs:
        custody, backend, signatures = CONFIGS[label]
        contract = CONTRACTS.get(label, "model")
        if contract == "evm" and find_spec("eth") is None:
            continue  # the evm extra is not installed
        count = pyecc_transfers if backend == "py-ecc" else transfers
        for mode in modes:
            if contract == "evm" and mode != "batched":
                continue
            case = Case(custody, backend, signatures, mode == "batched", count,
                        deposit_interval=deposit_interval, contract=contract)
            table.append(({"config": label, "mode": mode}, case,
                          1 if backend == "py-ecc" else repeats))
    scaling = [({"config": f"{custody} n={members}", "mode": "batched"},
                Case(custody, transfers=scaling_transfers, members=members), repeats)
               for custody in ("multisig", "threshold-bls") for members in sizes]
    length = [({"config": "multisig", "mode": "batched"}, Case("multisig", transfers=count), 1)
              for count in lengths]
    length += [({"config": "multisig/symbolic", "mode": "batched"},
                Case("multisig", signatures="symbolic", transfers=count), 1)
               for count in symbolic_lengths]
    rows = interleaved(table, repeats, progress)
    committee = interleaved(scaling, repeats, progress)
    lengths_rows = interleaved(length, 1, progress)
    campaigns = campaign_rows(campaign_runs, campaign_jobs, repeats, progress)
    return {
        "method": {"clock": "CPU time of the run (time.process_time), set-up apart",
                   "order": "cases interleaved, each in a fresh interpreter",
                   "repeats": repeats, "row": "median run by in-run transfers per CPU-second",
                   "floor": ("CPU time inside the outermost crypto calls of an instrumented run"
                             " (one per round); actual/floor is that run's own CPU over"
                             " it, the median run's")},
        "standard": {**STANDARD, "deposit_interval_s": deposit_interval},
        "configs": rows, "committee_scaling": committee, "length_scaling": lengths_rows,
        "campaigns": campaigns, "targets": targets(rows, committee, lengths_rows, campaigns),
    }
