"""A run directory read as untrusted input: its history, its results, its fault windows.

`show` and `diff` read run directories someone may have edited, truncated or written by hand.
Every line of history.jsonl is parsed by `resultcheck.loads` (no NaN, bounded nesting) and
must be an object with a string `kind`, a number `t` and an integer `seq`; results.json must
have the shape a run writes (`resultcheck.results_problem`) or it is set aside with the
reason, never half-read. Sizes are bounded so a huge file is refused, not loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgelab.resultcheck import loads, results_problem
from bridgelab.textsafe import printable

HISTORY = "history.jsonl"
RESULTS = "results.json"
# A line longer than this is not one a run writes (the longest records are a few KB).
MAX_LINE = 1 << 20
# Ten million events is far beyond any run `bridgelab run` finishes in a session.
MAX_EVENTS = 10_000_000
MAX_RESULTS_BYTES = 64 << 20


class RunFileError(ValueError):
    """A run directory that cannot be read: one line, file and what was wrong (exit 3)."""


@dataclass(frozen=True)
class FaultWindow:
    """One fault from its `fault.start` to its `fault.heal` (None: never healed)."""

    actor: str
    attack: str
    round: int
    start: float
    end: float | None


@dataclass
class Run:
    path: Path
    events: list[dict[str, Any]]
    results: dict[str, Any] | None
    results_problem: str | None = None
    windows: list[FaultWindow] = field(default_factory=list)


def _event(text: bytes, where: str) -> dict[str, Any]:
    try:
        event = loads(text)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise RunFileError(
            f"{where}: expected a JSON object, found text that is not JSON"
        ) from None
    if not isinstance(event, dict):
        raise RunFileError(f"{where}: expected a JSON object, found {type(event).__name__}")
    kind, t, seq = event.get("kind"), event.get("t"), event.get("seq")
    if not isinstance(kind, str):
        raise RunFileError(f"{where}: kind: expected a string, found {printable(kind, 40)}")
    if not isinstance(t, int | float) or isinstance(t, bool) or not math.isfinite(t):
        raise RunFileError(f"{where}: t: expected a number, found {printable(t, 40)}")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise RunFileError(f"{where}: seq: expected an integer, found {printable(seq, 40)}")
    return event


def read_history(path: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    try:
        with path.open("rb") as stream:
            for number, line in enumerate(stream, start=1):
                where = f"{printable(path, 200)}:{number}"
                if len(line) > MAX_LINE:
                    raise RunFileError(f"{where}: expected a line under {MAX_LINE} bytes,"
                                       f" found {len(line)}")
                if number > MAX_EVENTS:
                    raise RunFileError(f"{where}: expected at most {MAX_EVENTS:,} events,"
                                       " found more")
                if line.strip():
                    events.append(_event(line, where))
    except OSError as error:
        raise RunFileError(f"{printable(path, 200)}: expected a readable history.jsonl,"
                           f" found {error.strerror}") from None
    return events


def read_results(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(results, None), or (None, why they were set aside)."""
    if not path.is_file():
        return None, "no results.json (an incomplete run?)"
    if path.stat().st_size > MAX_RESULTS_BYTES:
        return None, f"results.json is over {MAX_RESULTS_BYTES >> 20} MB"
    try:
        data = loads(path.read_bytes())
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None, "results.json is not JSON"
    problem = results_problem(data)
    return (None, f"results.json: {problem}") if problem else (data, None)


def fault_windows(events: list[dict[str, Any]]) -> list[FaultWindow]:
    """Each fault's window, its start paired with the heal of the same actor, attack, round."""
    open_at: dict[tuple[str, str, int], float] = {}
    windows: list[FaultWindow] = []
    for event in events:
        if event["kind"] not in ("fault.start", "fault.heal"):
            continue
        round_ = event.get("round")
        key = (str(event.get("actor")), str(event.get("attack")),
               round_ if isinstance(round_, int) and not isinstance(round_, bool) else 0)
        if event["kind"] == "fault.start":
            open_at[key] = float(event["t"])
        elif key in open_at:
            windows.append(FaultWindow(*key, open_at.pop(key), float(event["t"])))
    windows += [FaultWindow(*key, start, None) for key, start in open_at.items()]
    return sorted(windows, key=lambda w: (w.start, w.actor, w.attack, w.round))


def load_run(directory: Path) -> Run:
    """Read a run directory; RunFileError (one line) when it has no readable history."""
    if not directory.exists():
        raise RunFileError(f"{printable(directory, 200)}: expected a run directory, found"
                           " nothing there")
    history = directory / HISTORY if directory.is_dir() else directory
    if not history.is_file():
        raise RunFileError(f"{printable(directory, 200)}: expected a run directory with"
                           f" {HISTORY}, found none")
    events = read_history(history)
    results, problem = read_results(history.parent / RESULTS)
    return Run(history.parent, events, results, problem, fault_windows(events))


def violations(run: Run) -> list[dict[str, Any]]:
    """The violations as {property, detail, t, seq}, `seq` the event that broke the property:
    from the history's `violation` records (their `caused_by`), else from results.json."""
    recorded = [{"property": e.get("property"), "detail": e.get("detail"), "t": e["t"],
                 "seq": e.get("caused_by", e["seq"])}
                for e in run.events if e["kind"] == "violation"]
    if recorded:
        return recorded
    found = (run.results or {}).get("violations") or []
    return [{"property": v.get("property"), "detail": v.get("detail"), "t": v.get("time"),
             "seq": v.get("event_seq")} for v in found]
