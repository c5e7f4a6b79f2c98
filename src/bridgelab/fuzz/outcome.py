"""What happened to one fuzz input, and the tally over many.

The classes, from harmless to worst:

- `ok`: the input was accepted (the loader) or the run ended with a verdict (0, 1 or 2);
- `bad-input`: refused with exit 3 and one well-formed line;
- `bad-message`: refused, but the line is not one short line of safe characters;
- `traceback`: anything else on stderr, exit 4, a crash, an exception the loader let out;
- `out-of-memory`: the memory limit was hit;
- `hang`: the time limit was hit;
- `outside-write`: a file appeared or changed outside the output directory.

A fuzz pass fails on any `bad-message`, `traceback`, `hang` or `outside-write`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bridgelab.scenario.display import unsafe

CLASSES = (
    "ok", "bad-input", "bad-message", "traceback", "out-of-memory", "hang", "outside-write"
)
FAILING = frozenset({"bad-message", "traceback", "hang", "outside-write"})
# One error line: `error: FILE: KEY: expected ..., found ...`, cut by ScenarioError.
MAX_LINE = 1_000


def message_problem(stderr: str) -> str | None:
    """Why `stderr` is not one short error line of safe characters, or None if it is."""
    lines = stderr.splitlines()
    if len(lines) != 1 or stderr.count("\n") > 1:
        return f"{len(lines)} lines"
    line = lines[0]
    if not line.startswith("error: "):
        return "not an `error: ` line"
    if len(line) > MAX_LINE:
        return f"{len(line):,} characters"
    bad = next((char for char in line if unsafe(char)), None)
    if bad is not None:
        return f"an unescaped U+{ord(bad):04X}"
    return None


@dataclass
class Finding:
    """An input of a failing class, kept so it can be replayed."""

    kind: str
    outcome: str
    detail: str
    data: bytes


@dataclass
class Tally:
    """Counts by class, and the first few findings of each failing class."""

    counts: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    kept_per_class: int = 5

    def add(self, outcome: str, kind: str = "", detail: str = "", data: bytes = b"") -> None:
        assert outcome in CLASSES, outcome
        self.counts[outcome] += 1
        if outcome in FAILING or outcome == "out-of-memory":
            kept = sum(1 for finding in self.findings if finding.outcome == outcome)
            if kept < self.kept_per_class:
                self.findings.append(Finding(kind, outcome, detail, data))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def failed(self) -> bool:
        return any(self.counts[name] for name in FAILING)

    def line(self) -> str:
        return ", ".join(f"{name} {self.counts[name]:,}" for name in CLASSES)
