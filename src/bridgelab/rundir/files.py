"""The files of a run directory, their size limits, and reading them without trusting them.

Every reader returns (value, None) or (None, why not) and never raises: a hostile file is
a problem to name, not a crash.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridgelab.resultcheck import describe, loads, results_problem
from bridgelab.textsafe import printable

if TYPE_CHECKING:  # annotations only: the models load when a scenario is read
    from bridgelab.scenario.model import Scenario

# What a run directory holds (evidence.py writes them in this order, results.json last).
RESULTS = "results.json"
HISTORY = "history.jsonl"
SCENARIO = "scenario.toml"
CHUNK = 1 << 20

# A run's results.json is a summary (the largest the test suite writes is under 1 MB); a
# larger one is not read, so that a hostile file cannot exhaust memory.
MAX_RESULTS_BYTES = 64 << 20
# The effective scenario of a run: the shipped ones are under 10 KB.
MAX_SCENARIO_BYTES = 16 << 20
# One history event (a reorg listing what it reverted is the longest) is far below this.
MAX_HISTORY_LINE = 16 << 20


def read_json(path: Path, limit: int = MAX_RESULTS_BYTES) -> tuple[Any, str | None]:
    """(the parsed JSON, None), or (None, why `path` cannot be read as JSON): never raises.
    NaN and Infinity are refused (JSON has neither), and so is a file over `limit` bytes."""
    name = path.name
    try:
        if not path.is_file():
            return None, f"{name} missing" if not path.exists() else f"{name} is not a file"
        size = path.stat().st_size
        if size > limit:
            return None, f"{name} too large ({size:,} bytes, at most {limit:,})"
        raw = path.read_bytes()
    except OSError as error:
        return None, f"{name} unreadable ({error.strerror or type(error).__name__})"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, f"{name} unreadable (not UTF-8: byte {raw[error.start]:#04x} at offset" \
                     f" {error.start})"
    try:
        return loads(text), None
    except RecursionError:
        return None, f"{name} unreadable (nested too deeply)"
    except ValueError as error:
        return None, f"{name} unreadable (not JSON: {printable(str(error), 80)})"


def read_results(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(results, None) for a results.json that is a JSON table, else (None, why not). The
    table is not yet checked: `results_problems` does that (an incomplete run has less)."""
    data, problem = read_json(path)
    if problem is not None:
        return None, problem
    if not isinstance(data, dict):
        return None, f"{path.name} malformed (expected a table, found {describe(data)})"
    return data, None


def results_problems(results: dict[str, Any]) -> list[str]:
    """Why a parsed results.json cannot be used, from its own content: not complete, or not
    the shape a run writes. Empty if it can be used (the history is checked separately)."""
    if results.get("complete") is not True:
        reason = results.get("error") if isinstance(results.get("error"), str) else ""
        if not reason and "complete" not in results:
            reason = "results.json has no completion mark"
        return ["incomplete run" + (f" ({printable(reason, 200)})" if reason else "")]
    problem = results_problem(results)
    return [] if problem is None else [f"results.json malformed ({problem})"]


def file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256 hex, number of lines) of a file, read in chunks."""
    hasher = hashlib.sha256()
    lines = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            hasher.update(chunk)
            lines += chunk.count(b"\n")
    return hasher.hexdigest(), lines


def read_scenario_text(directory: Path) -> tuple[str | None, str | None]:
    """(the text of the run's scenario.toml, None), or (None, why it cannot be read)."""
    scenario_file = directory / SCENARIO
    try:
        if not scenario_file.is_file():
            return None, "scenario missing (no scenario.toml beside the history)"
        size = scenario_file.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            return None, f"scenario too large ({size:,} bytes, at most {MAX_SCENARIO_BYTES:,})"
        return scenario_file.read_bytes().decode("utf-8"), None
    except (OSError, UnicodeDecodeError) as error:
        return None, f"scenario unreadable ({printable(error, 120)})"


def scenario_from_text(text: str, file: str) -> Scenario:
    """Parse and validate scenario TOML (raises ScenarioError or TOMLDecodeError)."""
    from bridgelab.scenario import parse_scenario

    return parse_scenario(tomllib.loads(text), file)
