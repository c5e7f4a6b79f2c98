"""What `bridgelab campaign` and `campaign-stats` print and write: the live status line, the
statistics tables, the runs left out, and the statistics as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bridgelab.evidence import atomic_write_text
from bridgelab.output import widened
from bridgelab.textsafe import for_rich, printable


def print_excluded(err: Console, excluded: list[dict[str, Any]], stored: int) -> None:
    """Stored runs whose evidence does not verify: errors in the input, so printed even
    under -q (plain stderr lines, not `err`, which -q silences)."""
    for entry in excluded:
        print(f"excluded {printable(entry['run_key'], 120)}:"
              f" {printable('; '.join(entry['problems']), 2000)}", file=sys.stderr)
    if excluded:
        print(f"inconclusive: {len(excluded):,} of {stored:,} stored runs excluded: their"
              " evidence does not verify", file=sys.stderr)


def status_text(tally: Any, rate: float | None = None) -> str:
    broken = len(tally.broken)
    text = (
        f"[red]{tally.failing} failed[/] · {tally.errors} errors ·"
        f" {broken} propert{'y' if broken == 1 else 'ies'} broken"
    )
    if rate is not None:
        text += f" · {rate:.0f} runs/s"
    return text


def json_data(report: dict[str, Any], tally: Any = None) -> dict[str, Any]:
    """The statistics as `--json` prints and `--json-out` writes them (with the execution
    figures of this invocation when `tally` is given)."""
    data = dict(report)
    if tally is not None:
        data["execution"] = {
            "executed": tally.done, "elapsed_s": round(tally.elapsed_s, 3),
            "runs_per_s": round(tally.runs_per_s, 3), "workers": tally.jobs,
            "first_run_back_s": None if tally.first_s is None else round(tally.first_s, 3),
            "steady_runs_per_s": None if tally.steady_runs_per_s is None
            else round(tally.steady_runs_per_s, 3),
            "executor": tally.executor,
        }
    return data


def write_json(path: Path, report: dict[str, Any], tally: Any = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(json_data(report, tally), indent=2, sort_keys=True)
                      + "\n", durable=False)


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}" if abs(value) < 1e6 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def print_report(console: Console, report: dict[str, Any]) -> None:
    # At least 140 columns on a terminal; through a pipe wide enough that no label is cut.
    console = widened(console, 140)
    table = Table(title=f"campaign {for_rich(report['campaign'])} · {report['runs_stored']:,}/"
                        f"{report['runs_expected']:,} runs")
    for column in ("configuration", "arm", "runs", "P(safety violation) [Wilson]",
                   "extracted p50 / p90 / p99", "time to detect p50 / p90 (n)"):
        table.add_column(column, justify="left" if column in ("configuration", "arm")
                         else "right")
    for group in report["groups"]:
        violation = group["safety_violation"]
        extracted = group["loss"]["value_extracted"]
        detect = group["time_to_detect_s"]
        table.add_row(
            for_rich(group["label"], 200), for_rich(group["arm"], 100),
            f"{group['runs']:,}" + (f" ({group['errors']} err)" if group["errors"] else "")
            + (f" ({group['inconclusive']} inconcl.)" if group.get("inconclusive") else ""),
            f"{_fmt(violation['p'])} [{_fmt(violation['low'])}, {_fmt(violation['high'])}]",
            " / ".join(_fmt(extracted[q], 0) for q in ("p50", "p90", "p99")),
            f"{_fmt(detect['p50'], 1)} / {_fmt(detect['p90'], 1)} ({detect['count']})",
        )
    console.print(table)
    if report["theory"]:
        theory = Table(title="validation against theory")
        for column in ("configuration", "arm", "theory", "estimate", "interval", "agrees"):
            theory.add_column(column, justify="left" if column in ("configuration", "arm")
                              else "right")
        for entry in report["theory"]:
            if not entry.get("applicable"):
                theory.add_row(for_rich(entry["label"], 200), for_rich(entry["arm"], 100),
                               "—", "—", "—", f"[yellow]n/a: {for_rich(entry['reason'])}[/]")
                continue
            mark = "[green]yes[/]" if entry["inside"] else "[bold red]NO[/]"
            if entry.get("runs_consistent") not in (None, entry["runs"]):
                mark += " [red](runs inconsistent)[/]"
            theory.add_row(
                for_rich(entry["label"], 200), for_rich(entry["arm"], 100),
                _fmt(entry["expected"], 4),
                _fmt(entry["estimate"], 4),
                f"[{_fmt(entry['low'], 4)}, {_fmt(entry['high'], 4)}]"
                f" @{entry['confidence']:.0%}",
                mark,
            )
        console.print(theory)
