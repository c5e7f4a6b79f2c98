"""A run's history read in one bounded pass: its hash, its line count, its first and last
events, and whether it is the history a run recorded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgelab.resultcheck import loads
from bridgelab.rundir.files import CHUNK, MAX_HISTORY_LINE
from bridgelab.textsafe import printable


@dataclass(slots=True)
class HistoryFacts:
    """What one pass over a history establishes: its hash and line count, its start and
    whether it ended (the run's verdicts are bound to it by re-judging it: `judge`)."""

    sha256: str = ""
    events: int = 0
    start: dict[str, Any] | None = None
    ended: bool = False
    # Lines among those read that did not parse as an event (1-based line numbers).
    unreadable: list[int] = field(default_factory=list)


_MARKERS = {b'"kind":"run.start"': "run.start", b'"kind":"run.end"': "run.end"}
# Histories written before violations left the history end with the checker's findings.
_OLD_VIOLATION = b'"kind":"violation"'
# The end of a history read to find its last events: run.end, then (in an older history) at
# most the violations of properties judged at the end (one line each, well under a kilobyte).
TAIL_BYTES = 1 << 20


def _event(line: bytes) -> dict[str, Any] | None:
    try:
        record = loads(line)
    except (ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def _watch(block: bytes, lines_before: int, facts: HistoryFacts) -> None:
    """Read the start and end events among the complete lines of `block`.

    Only lines holding a marker are parsed (a few per run): the markers are found by a byte
    search, which keeps a pass over a long history close to the cost of hashing it."""
    unreadable: set[int] = set()
    for marker, kind in _MARKERS.items():
        position = block.find(marker)
        while position >= 0:
            start = block.rfind(b"\n", 0, position) + 1
            end = block.find(b"\n", position) + 1
            record = _event(block[start:end])
            if record is None:
                unreadable.add(start)
            # (a marker inside a nested value is not the event's kind)
            elif record.get("kind") == kind == "run.start" and facts.start is None:
                facts.start = record
            position = block.find(marker, end)
    facts.unreadable += [lines_before + block.count(b"\n", 0, start) + 1
                         for start in sorted(unreadable)]


def _ends_with_run_end(stream: Any, size: int) -> bool:
    """Whether the history's last event is run.end (in an older history, then only
    violations)."""
    stream.seek(max(0, size - TAIL_BYTES))
    tail = stream.read()
    if not tail.endswith(b"\n"):
        return False
    lines = tail.split(b"\n")[:-1]
    if size > TAIL_BYTES:
        lines = lines[1:]  # the first may be the end of a line that began before the tail
    for line in reversed(lines):
        marked = _OLD_VIOLATION in line or any(marker in line for marker in _MARKERS)
        record = _event(line) if marked else None
        if record is not None and record.get("kind") == "violation":
            continue
        return record is not None and record.get("kind") == "run.end"
    return False


def scan_history(path: Path) -> HistoryFacts:
    """Hash `path` and read its start and end events, in one pass of bounded memory
    (raises OSError if it cannot be read)."""
    facts = HistoryFacts()
    hasher = hashlib.sha256()
    lines = size = 0
    carry = b""  # the start of a line the last chunk did not finish
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
            block = carry + chunk
            cut = block.rfind(b"\n") + 1
            _watch(block[:cut], lines, facts)
            lines += chunk.count(b"\n")
            carry = block[cut:]
            if len(carry) > MAX_HISTORY_LINE:  # no event is this long: not an event
                facts.unreadable.append(lines + 1)
                carry = b""
        facts.ended = _ends_with_run_end(stream, size)
    facts.sha256, facts.events = hasher.hexdigest(), lines
    return facts


def check_history(path: Path | None, sha256: str | None, events: int | None = None
                  ) -> tuple[str | None, HistoryFacts | None]:
    """(why the history at `path` is not the one recorded, or None; what it holds)."""
    if path is None or not path.is_file():
        return "history missing", None
    if not sha256:
        return "no history hash recorded", None
    try:
        facts = scan_history(path)
    except OSError as error:
        return f"history unreadable ({error.strerror or error})", None
    if facts.sha256 != sha256:
        return (f"history hash mismatch ({path.name} hashes to {facts.sha256[:12]}…, the run"
                f" recorded {printable(sha256, 12)}…)"), facts
    if events is not None and facts.events != events:
        return (f"history event count mismatch ({facts.events} lines, the run recorded"
                f" {events})"), facts
    return None, facts


def history_problem(path: Path | None, sha256: str | None, events: int | None = None
                    ) -> str | None:
    """Why the history at `path` is not the one recorded (`sha256`, `events`), or None."""
    return check_history(path, sha256, events)[0]


def first_record(history: Path, kind: str = "run.start", lines: int = 64) -> dict[str, Any]:
    """The history's `run.start` event (naming the scenario, seed and scenario hash), looked
    for among its first `lines` events; {} if it is not there."""
    try:
        with history.open("rb") as stream:
            for _ in range(lines):
                line = stream.readline(MAX_HISTORY_LINE)
                if not line:
                    break
                if f'"kind":"{kind}"'.encode() not in line:
                    continue
                return _event(line) or {}
    except OSError:
        pass
    return {}
