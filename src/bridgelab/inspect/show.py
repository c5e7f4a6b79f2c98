"""`bridgelab show RUN`: one run as a timeline of faults, key events and the first violation.

history.jsonl holds every event of a run (thousands of blocks, relays and mints); what a
reader wants first is what went wrong and when: the fault windows, the attack's own steps,
detections, reverted transactions and the first violation of each property. Those are the
default; `--kind` picks others by prefix (`--kind mint,burn`), `--from/--to` cut simulated
time, `--limit` bounds the rows. `--html FILE` writes a self-contained timeline page.

Every string shown comes from a file and goes through `textsafe` first.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from bridgelab import output
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_PASS
from bridgelab.inspect.runfiles import Run, RunFileError, load_run, violations
from bridgelab.outpaths import output_file

COMMAND = "show"
NAMES = (COMMAND,)  # the command-module interface of the command line
# Kinds shown by default (by prefix): what happened to the bridge rather than its routine.
KEY_KINDS = ("run.", "fault.", "attack.", "watcher.", "tx.reverted", "tx.dropped",
             "lending.", "relay.bad_endorsements", "trust_root", "violation")
# Fields every event has, left out of the details column.
COMMON = ("kind", "t", "seq", "actor")
DETAIL_LIMIT = 160


def add_parser(commands: argparse._SubParsersAction) -> None:
    show = commands.add_parser(
        COMMAND,
        help="one run as a timeline: fault windows, key events, the first violation",
        description="Show RUN (a run directory, or its history.jsonl) as a timeline: the"
        " verdicts, the fault windows, and the key events (faults, attack steps, detections,"
        " reverted transactions, the first violation of each property) in simulated time.",
        epilog="examples:\n  bridgelab show runs/baseline\n"
        "  bridgelab show runs/key --kind mint,burn --from 100 --to 400 --limit 20\n"
        "  bridgelab show runs/key --html runs/key/timeline.html",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("run", type=Path, metavar="RUN", help="a run directory")
    show.add_argument("--kind", default=None, metavar="PREFIXES",
                      help="comma-separated event-kind prefixes (default: the key events);"
                      " 'all' for every event")
    show.add_argument("--from", dest="start", type=float, default=None, metavar="SECONDS",
                      help="only events at or after this simulated time")
    show.add_argument("--to", dest="end", type=float, default=None, metavar="SECONDS",
                      help="only events at or before this simulated time")
    show.add_argument("--limit", type=int, default=50, metavar="N",
                      help="at most N events (default 50; 0 for no limit)")
    show.add_argument("--html", type=output_file, default=None, metavar="FILE",
                      help="also write a self-contained timeline page to FILE")
    output.add_json_flag(show, "the verdicts, fault windows, first violation and the"
                         " selected events (at most --limit)")


def selected(run: Run, kinds: str | None, start: float | None, end: float | None
             ) -> list[dict[str, Any]]:
    """The events to show: by kind prefix (default: key events, only the first violation of
    each property), then by simulated time."""
    if kinds == "all":
        prefixes: tuple[str, ...] = ("",)
    elif kinds:
        prefixes = tuple(part.strip() for part in kinds.split(",") if part.strip())
    else:
        prefixes = KEY_KINDS
    seen: set[str] = set()
    chosen: list[dict[str, Any]] = []
    for event in _with_violations(run):
        if not event["kind"].startswith(prefixes):
            continue
        if (start is not None and event["t"] < start) or (end is not None and event["t"] > end):
            continue
        if event["kind"] == "violation" and not kinds:
            name = str(event.get("property"))
            if name in seen:
                continue
            seen.add(name)
        chosen.append(event)
    return chosen


def _with_violations(run: Run) -> list[dict[str, Any]]:
    """The history's events with the checker's violations (from results.json; the history
    holds none) placed after the event that caused each, as `violation` rows."""
    if any(event["kind"] == "violation" for event in run.events):
        return list(run.events)  # a history written when violations were recorded in it
    after: dict[Any, list[dict[str, Any]]] = {}
    for found in violations(run):
        after.setdefault(found["seq"], []).append(
            {"seq": found["seq"], "t": found["t"], "actor": "checker", "kind": "violation",
             "property": found["property"], "detail": found["detail"]})
    merged: list[dict[str, Any]] = []
    for event in run.events:
        merged.append(event)
        merged += after.pop(event.get("seq"), [])
    return merged


def folded(events: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int, float]]:
    """Runs of consecutive events of the same kind and actor as (first, how many, last t):
    an attacker burning every minute is one row, not hundreds."""
    rows: list[tuple[dict[str, Any], int, float]] = []
    for event in events:
        if rows and event["kind"] != "violation":
            first, count, _ = rows[-1]
            if (first["kind"], first.get("actor")) == (event["kind"], event.get("actor")):
                rows[-1] = (first, count + 1, float(event["t"]))
                continue
        rows.append((event, 1, float(event["t"])))
    return rows


def details(event: dict[str, Any]) -> str:
    """The event's own fields as `key=value`, one line, escaped by the caller."""
    parts = []
    for key in sorted(event):
        if key in COMMON:
            continue
        value = event[key]
        if isinstance(value, dict | list):
            value = f"<{len(value)} items>"
        parts.append(f"{key}={value}")
    return " ".join(parts)


def _problem(args: argparse.Namespace) -> str | None:
    if args.limit < 0:
        return f"--limit: expected 0 or more, found {args.limit}"
    # NaN compares false with every time: it would select nothing and say so as if by design.
    for option, value in (("--from", args.start), ("--to", args.end)):
        if value is not None and math.isnan(value):
            return f"{option}: expected a time in simulated seconds, found {value}"
    if args.start is not None and args.end is not None and args.end < args.start:
        return f"--to: expected a time >= --from ({args.start}), found {args.end}"
    return None


def run(args: argparse.Namespace) -> int:
    problem = _problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        loaded = load_run(args.run)
    except RunFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _verify(loaded)
    events = selected(loaded, args.kind, args.start, args.end)
    if output.wants_json(args):
        output.print_json(as_json(loaded, events, args.limit))
    elif not output.quiet(args):
        from bridgelab.inspect.terminal import print_timeline

        print_timeline(loaded, events, args.limit)
    if args.html is not None:
        from bridgelab.inspect.html import timeline_page

        try:
            args.html.write_text(timeline_page(loaded, events, args.limit), encoding="utf-8")
        except OSError as error:
            print(f"error: {args.html}: expected a writable file, found {error.strerror}",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        if not output.quiet(args):
            print(f"timeline page: {args.html}", file=sys.stderr)
    return EXIT_PASS


def _verify(loaded: Run) -> None:
    """Set results.json aside, with the reason, unless the run's evidence verifies as the
    report would check it: edited verdicts are not shown as the run's."""
    if loaded.results is None:
        return
    from bridgelab.evidence import verify_run_dir

    problems = verify_run_dir(loaded.path, loaded.results).problems
    if problems:
        loaded.results_problem = ("results.json is not the evidence's word: "
                                  + "; ".join(problems[:3]))
        loaded.results = None


def as_json(run: Run, events: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """What `show --json` prints: the run's verdicts, fault windows, first violation and the
    selected events, unfolded (at most `limit`; 0 for all)."""
    results = run.results or {}
    return {
        "run": str(run.path),
        "results_problem": run.results_problem,
        "complete": results.get("complete"),
        "verdicts": results.get("verdicts"),
        # Why the run cannot vouch for safety though nothing failed (as results.json says,
        # verified against the history: `results_problem` otherwise).
        "inconclusive": results.get("inconclusive"),
        "first_violation": first_violation(run),
        "fault_windows": [{"attack": w.attack, "actor": w.actor, "round": w.round,
                           "start": w.start, "end": w.end} for w in run.windows],
        "selected": len(events),
        "events": events if limit == 0 else events[:limit],
    }


def first_violation(run: Run) -> dict[str, Any] | None:
    found = violations(run)
    return min(found, key=lambda v: (v["t"] if isinstance(v["t"], int | float) else 0,
                                     v["seq"] if isinstance(v["seq"], int) else 0),
               default=None)


def command(args: argparse.Namespace, err: object) -> int:
    """The command line's entry (`err`, its stderr console, is not needed here)."""
    return run(args)
