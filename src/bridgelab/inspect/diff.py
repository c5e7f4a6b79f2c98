"""`bridgelab diff RUN_A RUN_B`: where two histories part, and which metrics differ.

Two runs of the same scenario and seed must write the same history; two seeds, two
configurations or two versions of the model will not, and the question is where they first
part. Events are compared whole (every field, in canonical JSON), in order; the first pair
that differs is named with both sides' fields that differ. Then the metrics of results.json
are compared leaf by leaf, except wall-clock figures, which differ between any two runs.

Exit 0: the histories are identical; 1: they differ; 3: a run cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bridgelab import output
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_FAIL, EXIT_PASS
from bridgelab.inspect.runfiles import RunFileError, load_run
from bridgelab.textsafe import printable

COMMAND = "diff"
NAMES = (COMMAND,)  # the command-module interface of the command line
# Measured on the machine, not by the model: they differ between any two runs.
WALL_CLOCK = ("performance.",)
MAX_METRICS_SHOWN = 40
MAX_LEAVES = 100_000


def add_parser(commands: argparse._SubParsersAction) -> None:
    diff = commands.add_parser(
        COMMAND,
        help="where two runs' histories first diverge, and the metrics that differ",
        description="Compare two runs event by event: name the first event where the"
        " histories diverge (with the fields that differ), then every metric of results.json"
        " that differs (wall-clock figures left out).",
        epilog="exit codes: 0 identical histories · 1 they differ · 3 a run cannot be read\n"
        "example:\n  bridgelab diff runs/baseline-seed1 runs/baseline-seed2",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument("run_a", type=Path, metavar="RUN_A", help="a run directory")
    diff.add_argument("run_b", type=Path, metavar="RUN_B", help="another run directory")
    output.add_json_flag(diff, "the first divergence and the metrics that differ")


def _canonical(event: dict[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"))


def first_divergence(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> int | None:
    """The index of the first event that differs (or that one history lacks), None if equal."""
    for index, (left, right) in enumerate(zip(a, b, strict=False)):
        if _canonical(left) != _canonical(right):
            return index
    return None if len(a) == len(b) else min(len(a), len(b))


def field_changes(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    """`key: A -> B` for each field that differs between two events."""
    changes = []
    for key in sorted(set(left) | set(right)):
        if key not in right or key not in left or _canonical({"v": left[key]}) != _canonical(
                {"v": right[key]}):
            shown = [printable(side.get(key, "(absent)"), 80) for side in (left, right)]
            changes.append(f"{printable(key, 40)}: {shown[0]} -> {shown[1]}")
    return changes


def leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """A nested JSON value flattened to dotted keys (bounded: results are untrusted)."""
    flat: dict[str, Any] = {}
    pending: list[tuple[str, Any]] = [(prefix, value)]
    while pending and len(flat) < MAX_LEAVES:
        key, item = pending.pop()
        if isinstance(item, dict) and item:
            pending.extend((f"{key}.{k}" if key else str(k), v) for k, v in item.items())
        else:
            flat[key] = item
    return flat


def metric_changes(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[str]:
    left = leaves((a or {}).get("metrics", {}))
    right = leaves((b or {}).get("metrics", {}))
    changes = []
    for key in sorted(set(left) | set(right)):
        if key.startswith(WALL_CLOCK):
            continue
        if _canonical({"v": left.get(key)}) != _canonical({"v": right.get(key)}):
            changes.append(f"{printable(key, 80)}: {printable(left.get(key, '(absent)'), 60)}"
                           f" -> {printable(right.get(key, '(absent)'), 60)}")
    return changes


def _describe(event: dict[str, Any] | None) -> str:
    if event is None:
        return "(the history has ended)"
    return printable(f"#{event['seq']} t={event['t']}s {event['kind']}"
                     f" by {event.get('actor', '?')}", 200)


def _print(say: Any, index: int | None, a: Any, b: Any, left: dict[str, Any] | None,
           right: dict[str, Any] | None, fields: list[str], changes: list[str]) -> None:
    if index is None:
        say(f"identical histories: {len(a.events):,} events")
    else:
        say(f"histories diverge at event {index} (after {index:,} identical events)")
        say(f"  A: {_describe(left)}")
        say(f"  B: {_describe(right)}")
        for change in fields[:20]:
            say(f"     {change}")
        say(f"  A has {len(a.events):,} events, B has {len(b.events):,}")
    say(f"metrics that differ: {len(changes)}" + (" (wall-clock figures left out)"))
    for change in changes[:MAX_METRICS_SHOWN]:
        say(f"  {change}")
    if len(changes) > MAX_METRICS_SHOWN:
        say(f"  ... and {len(changes) - MAX_METRICS_SHOWN} more")


def run(args: argparse.Namespace) -> int:
    try:
        a, b = load_run(args.run_a), load_run(args.run_b)
    except RunFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for side in (a, b):
        if side.results is None and not output.quiet(args):
            print(f"note: {printable(side.path, 200)}: {printable(side.results_problem, 300)};"
                  " its metrics are not compared", file=sys.stderr)
    index = first_divergence(a.events, b.events)
    left = a.events[index] if index is not None and index < len(a.events) else None
    right = b.events[index] if index is not None and index < len(b.events) else None
    fields = field_changes(left, right) if left is not None and right is not None else []
    changes = metric_changes(a.results, b.results) if a.results and b.results else []
    if output.wants_json(args):
        output.print_json({"identical": index is None, "diverge_at": index,
                           "events": {"a": len(a.events), "b": len(b.events)},
                           "a": left, "b": right, "fields": fields, "metrics": changes})
    else:
        _print(output.human(args), index, a, b, left, right, fields, changes)
    return EXIT_PASS if index is None else EXIT_FAIL


def command(args: argparse.Namespace, err: object) -> int:
    """The command line's entry (`err`, its stderr console, is not needed here)."""
    return run(args)
