"""The terminal side of `bridgelab show`: a header, the fault windows, the timeline table."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from bridgelab import output
from bridgelab.inspect.runfiles import Run
from bridgelab.textsafe import for_rich

STYLE = {"violation": "bold red", "fault.": "yellow", "attack.": "magenta",
         "watcher.": "cyan", "run.": "dim"}
VERDICT_STYLE = {"pass": "green", "fail": "bold red"}


def _style(kind: str) -> str:
    return next((style for prefix, style in STYLE.items() if kind.startswith(prefix)), "")


def _header(console: Console, run: Run) -> None:
    from bridgelab.inspect.show import first_violation

    start = next((e for e in run.events if e["kind"] == "run.start"), {})
    scenario = for_rich(start.get("scenario", "?"), 120)
    console.print(f"[bold]{scenario}[/] · seed {for_rich(start.get('seed', '?'), 30)} ·"
                  f" {len(run.events):,} events · {for_rich(run.path, 200)}", highlight=False)
    if run.results is None:
        console.print(f"[yellow]results set aside[/]: {for_rich(run.results_problem, 300)}"
                      " — verdicts unknown", highlight=False)
    else:
        verdicts = run.results.get("verdicts", {})
        failed = sorted(name for name, verdict in verdicts.items() if verdict == "fail")
        held = sum(1 for verdict in verdicts.values() if verdict == "pass")
        line = f"verdicts: {held} pass, [bold red]{len(failed)} fail[/]"
        if failed:
            line += " (" + ", ".join(for_rich(name, 60) for name in failed[:5]) + ")"
        if not run.results.get("complete", False):
            line += " · [yellow]incomplete run[/]"
        console.print(line, highlight=False)
        reasons = run.results.get("inconclusive") or []
        if reasons and not failed:
            # Nothing failed, and the run cannot vouch for it either: say so, first thing.
            console.print(f"[yellow]INCONCLUSIVE[/]: {for_rich(reasons[0], 300)}"
                          + (f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""),
                          highlight=False)
    first = first_violation(run)
    if first is not None:
        where = f"t={for_rich(first.get('t'), 20)}s, event #{for_rich(first.get('seq'), 20)}"
        console.print(f"[bold red]first violation[/] {for_rich(first.get('property'), 80)} at"
                      f" {where}: {for_rich(first.get('detail'), 300)}", highlight=False)


def _windows(console: Console, run: Run) -> None:
    if not run.windows:
        console.print("no fault windows (no fault.start in the history)")
        return
    table = Table(title="fault windows", title_justify="left")
    for column in ("attack", "actor", "round", "from (s)", "to (s)"):
        table.add_column(column, overflow="fold")
    for window in run.windows[:50]:
        table.add_row(for_rich(window.attack, 60), for_rich(window.actor, 60), str(window.round),
                      f"{window.start:,.3f}",
                      "never healed" if window.end is None else f"{window.end:,.3f}")
    console.print(table)
    if len(run.windows) > 50:
        console.print(f"... and {len(run.windows) - 50} more fault windows")


def print_timeline(run: Run, events: list[dict[str, Any]], limit: int) -> None:
    from bridgelab.inspect.show import DETAIL_LIMIT, details, folded

    # Names never cut when piped: a wide console, columns that fold instead of truncating.
    console = output.console(highlight=False)
    _header(console, run)
    _windows(console, run)
    rows = folded(events)
    shown = rows if limit == 0 else rows[:limit]
    table = Table(title=f"timeline ({len(events)} selected events in {len(rows)} rows,"
                  f" {len(shown)} shown)", title_justify="left")
    table.add_column("t (s)", justify="right", no_wrap=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("kind", overflow="fold")
    table.add_column("actor", overflow="fold")
    table.add_column("details", overflow="fold")
    for event, count, last in shown:
        style = _style(event["kind"])
        text = for_rich(details(event), DETAIL_LIMIT)
        if count > 1:
            text += f" [dim](and {count - 1} more alike until t={last:,.3f})[/]"
        table.add_row(f"{event['t']:,.3f}", str(event["seq"]), for_rich(event["kind"], 60),
                      for_rich(event.get("actor", ""), 60), text, style=style)
    console.print(table)
    if len(shown) < len(rows):
        console.print(f"... {len(rows) - len(shown)} more rows: raise --limit, or narrow with"
                      " --kind / --from / --to")
