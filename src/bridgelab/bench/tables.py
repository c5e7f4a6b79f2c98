"""The workload benchmark's figures as tables for people (the JSON is for machines)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

_COLUMNS = ("config", "mode", "crypto", "n", "transfers", "transfers/CPU-s", "spread",
            "CPU ms/transfer", "instrumented ms", "floor ms", "actual/floor", "set-up CPU s",
            "wall s",
            "SimPy events/transfer", "sigs/transfer", "p50 deposit s", "peak MB", "load",
            "all pass")


def _cells(row: dict[str, Any]) -> list[str]:
    # actual/floor is the instrumented run's CPU over its own floor: both are shown, beside
    # the timed runs' median, so the ratio can be read off the row.
    floor, ratio = row["floor_cpu_ms_per_transfer"], row["actual_over_floor"]
    instrumented = row.get("floor_run_cpu_ms_per_transfer")
    return [
        row["config"], row["mode"], row["crypto"], str(row["members"]),
        f"{row['transfers_completed']:,}", f"{row['transfers_per_cpu_second']:,.1f}",
        "—" if row["spread"] is None else f"±{row['spread'] / 2:.0%}",
        f"{row['cpu_ms_per_transfer']:.3f}",
        "—" if instrumented is None else f"{instrumented:.3f}",
        "—" if floor is None else f"{floor:.3f}",
        "—" if ratio is None else f"{ratio:.2f}", f"{row['median_setup_cpu_seconds']:.2f}",
        f"{row['median_wall_seconds']:.2f}", f"{row['simpy_events_per_transfer']:.1f}",
        f"{row['signatures_per_transfer']:.2f}",
        "—" if row["deposit_latency_p50_s"] is None else f"{row['deposit_latency_p50_s']:.1f}",
        f"{row['peak_rss_mb']:,.0f}", f"{row['load_average_mean']:.1f}", str(row["all_pass"]),
    ]


def print_tables(result: dict[str, Any], console: Console) -> None:
    """Every table of a `run_bench` result, its method first."""
    method = result["method"]
    console.print(f"method: {method['clock']}; {method['order']}; {method['repeats']} runs per"
                  f" row, the {method['row']}; floor = {method['floor']}.")
    for title, key in (("standard workload", "configs"), ("committee scaling", "committee_scaling"),
                       ("run-length scaling", "length_scaling")):
        table = Table(title=title)
        for column in _COLUMNS:
            table.add_column(column, justify="right", no_wrap=True)
        for row in result[key]:
            table.add_row(*_cells(row))
        console.print(table)
    if result["campaigns"]:
        table = Table(title="campaign throughput (campaigns/throughput.toml)")
        for column in ("jobs", "runs", "runs/s (median)", "each round", "steady runs/s",
                       "CPU s", "load", "errors"):
            table.add_column(column, justify="right")
        for row in result["campaigns"]:
            rounds = " / ".join(f"{rate:.1f}" for rate in row.get("rates_by_round") or [])
            table.add_row(str(row["jobs"]), str(row["runs"]), f"{row['runs_per_second']:.1f}",
                          rounds, str(row["steady_runs_per_second"]),
                          f"{row['cpu_seconds']:.1f}", f"{row['load_average']:.1f}",
                          str(row["errors"]))
        console.print(table)
    table = Table(title="targets")
    for column in ("target", "measured", "bound", "met"):
        table.add_column(column, justify="right")
    for check in result["targets"]:
        met = {True: "yes", False: "NO", None: "not measured"}[check["met"]]
        table.add_row(check["target"], str(check["measured"]),
                      f"{check['kind']} {check['bound']}", met)
    console.print(table)
