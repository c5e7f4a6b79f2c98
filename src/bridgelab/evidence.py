"""A run directory as self-contained evidence: `scenario.toml`, `history.jsonl`, `results.json`.

The writing order makes a half-written directory recognisable. Before a run writes anything,
an old `results.json` is removed; the effective scenario is written next (and read back: it
must give the run's scenario hash); the history is streamed; `results.json` comes last, in one
atomic write (a temporary file in the same directory, fsync, rename), recording the history's
SHA-256 and event count and `complete`. A directory holding a history but no `results.json`,
or a `results.json` whose `complete` is not true, is an interrupted run.

Reading checks the same facts before a run is used: `complete` is true, the history is there
and hashes to what `results.json` records, and the run's own `scenario.toml` validates and
hashes to the fingerprint's `scenario_hash`. Nothing is taken from a file outside the
directory, so the verdict does not depend on the working directory or on the scenario file
the run was started from still being unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgelab.scenario.model import Scenario

RESULTS = "results.json"
HISTORY = "history.jsonl"
SCENARIO = "scenario.toml"
CHUNK = 1 << 20


class EvidenceError(RuntimeError):
    """The evidence of a run could not be written faithfully."""


# -- writing -----------------------------------------------------------------------------------


def begin(out_dir: Path) -> None:
    """Make `out_dir` ready for a new run: an old results.json goes first, so that an
    interrupted run can never leave one beside a new, partial history."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / RESULTS
    if results.exists():
        results.unlink()
        _fsync_directory(out_dir)


def scenario_text(scenario: Scenario, seed: int | None = None) -> str:
    """The scenario in canonical TOML: validated data, defaults filled in, `None`s left out."""
    from bridgelab.scenario.toml_out import scenario_toml

    data = scenario.model_dump(mode="json", exclude_none=True)
    replay = (f"\nReplay it from this directory: bridgelab run {SCENARIO} --seed {seed}"
              if seed is not None else "")
    header = f"The effective scenario of this run, written by bridgelab.{replay}"
    return scenario_toml(data, header)


def scenario_from_text(text: str, file: str) -> Scenario:
    """Parse and validate scenario TOML (raises ScenarioError or TOMLDecodeError)."""
    from bridgelab.scenario import parse_scenario

    return parse_scenario(tomllib.loads(text), file)


def write_scenario(out_dir: Path, scenario: Scenario, seed: int | None = None) -> Path:
    """Write `scenario.toml`; raise EvidenceError unless it reads back to the same hash."""
    from bridgelab.scenario.load import scenario_hash

    path = out_dir / SCENARIO
    text = scenario_text(scenario, seed)
    expected = scenario_hash(scenario)
    try:
        found = scenario_hash(scenario_from_text(text, str(path)))
    except Exception as error:  # the writer produced something the reader refuses
        raise EvidenceError(f"{path}: the scenario does not read back ({error})") from error
    if found != expected:
        raise EvidenceError(
            f"{path}: expected the scenario to read back to hash {expected}, found {found}"
        )
    # Not fsynced: a scenario.toml lost in a crash makes the run refused, never misread.
    atomic_write_text(path, text, durable=False)
    return path


def results_data(run_json: dict[str, Any], reproduce: str | None,
                 complete: bool = True) -> dict[str, Any]:
    """What results.json holds: the run's results, `complete` and the reproduce command."""
    return {**run_json, "complete": complete, "reproduce": reproduce}


def write_results(out_dir: Path, data: dict[str, Any]) -> Path:
    """results.json, last and atomically. (The history is not forced to disk first: should a
    crash of the machine lose part of it, the hash check refuses the run, it never lies.)"""
    path = out_dir / RESULTS
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
    return path


def write_incomplete(out_dir: Path, fingerprint: dict[str, Any], error: BaseException,
                     reproduce: str | None) -> None:
    """Mark an interrupted run (results.json with `complete: false`); never raises."""
    data = results_data(
        {"fingerprint": fingerprint,
         "error": f"{type(error).__name__}: {error}" if str(error) else type(error).__name__},
        reproduce, complete=False,
    )
    with contextlib.suppress(OSError):
        atomic_write_text(out_dir / RESULTS, json.dumps(data, indent=2, sort_keys=True) + "\n")


def atomic_write_text(path: Path, text: str, durable: bool = True) -> None:
    """Write `text` to `path` so that a reader sees the old file or the whole new one: a
    temporary file in the same directory, flushed to disk (`durable`), then renamed over
    `path` (and the rename made durable too)."""
    directory = path.parent
    temporary = directory / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    # Created as open() would create it (mode 0o666 less the umask), and never reused.
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Make a rename or an unlink durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


# -- reading -----------------------------------------------------------------------------------


def file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256 hex, number of lines) of a file, read in chunks."""
    hasher = hashlib.sha256()
    lines = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            hasher.update(chunk)
            lines += chunk.count(b"\n")
    return hasher.hexdigest(), lines


def history_problem(path: Path | None, sha256: str | None, events: int | None = None
                    ) -> str | None:
    """Why the history at `path` is not the one recorded (`sha256`, `events`), or None."""
    if path is None or not path.is_file():
        return "history missing"
    if not sha256:
        return "no history hash recorded"
    try:
        found, lines = file_digest(path)
    except OSError as error:
        return f"history unreadable ({error.strerror or error})"
    if found != sha256:
        return f"history hash mismatch ({path.name} hashes to {found[:12]}…, the run recorded" \
               f" {sha256[:12]}…)"
    if events is not None and lines != events:
        return f"history event count mismatch ({lines} lines, the run recorded {events})"
    return None


def scenario_data(text: str, file: str, expected_hash: str | None
                  ) -> tuple[dict[str, Any] | None, str | None]:
    """(the scenario as data, None) if `text` validates and hashes to `expected_hash`;
    otherwise (None, why not)."""
    from bridgelab.scenario.load import scenario_hash

    if not expected_hash:
        return None, "no scenario hash recorded"
    try:
        scenario = scenario_from_text(text, file)
    except Exception as error:  # any refusal of the reader: TOML syntax, schema
        message = str(getattr(error, "message", error)).splitlines()[0]
        return None, f"scenario invalid ({message})"
    if scenario_hash(scenario) != expected_hash:
        return None, "scenario changed (its hash differs from the run's fingerprint)"
    return scenario.model_dump(mode="json", exclude_none=True), None


@dataclass(slots=True)
class Verified:
    """What reading a run directory established: its scenario, or why it cannot be used."""

    problems: list[str] = field(default_factory=list)
    config: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.config is not None


def verify_run_dir(directory: Path, results: dict[str, Any]) -> Verified:
    """Check a run directory against its parsed results.json."""
    verified = Verified()
    if results.get("complete") is not True:
        reason = results.get("error") or ("" if "complete" in results else
                                          "results.json has no completion mark")
        verified.problems.append("incomplete run" + (f" ({reason})" if reason else ""))
        return verified  # nothing else it holds can be relied on
    history = results.get("history") if isinstance(results.get("history"), dict) else {}
    problem = history_problem(directory / HISTORY, history.get("sha256"), history.get("events"))
    if problem is not None:
        verified.problems.append(problem)
    scenario_file = directory / SCENARIO
    fingerprint = results.get("fingerprint") if isinstance(results.get("fingerprint"),
                                                           dict) else {}
    if not scenario_file.is_file():
        verified.problems.append("scenario missing (no scenario.toml beside the history)")
    else:
        try:
            text = scenario_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            verified.problems.append(f"scenario unreadable ({error})")
        else:
            config, problem = scenario_data(text, str(scenario_file),
                                            fingerprint.get("scenario_hash"))
            verified.config = config
            if problem is not None:
                verified.problems.append(problem)
    return verified


def first_record(history: Path, kind: str = "run.start", lines: int = 64) -> dict[str, Any]:
    """The history's `run.start` event (naming the scenario, seed and scenario hash), looked
    for among its first `lines` events; {} if it is not there."""
    try:
        with history.open("rb") as stream:
            for _ in range(lines):
                line = stream.readline()
                if not line:
                    break
                if f'"kind":"{kind}"'.encode() not in line:
                    continue
                record = json.loads(line)
                return record if isinstance(record, dict) else {}
    except (OSError, ValueError):
        pass
    return {}


# -- campaign store rows -----------------------------------------------------------------------


def row_history(row: dict[str, Any], store_path: Path | None = None) -> Path | None:
    """Where a stored run's history is (a relative path is tried beside the store too)."""
    recorded = row.get("history_path")
    if not recorded:
        return None
    path = Path(recorded)
    if not path.is_absolute() and not path.exists() and store_path is not None:
        beside = store_path.parent / path
        if beside.exists():
            return beside
    return path


def row_problems(row: dict[str, Any], store_path: Path | None = None,
                 require_history: bool = True) -> list[str]:
    """Why a campaign store's row cannot be used as evidence (empty when it can).

    A completed row is the store's completion mark; its history must still be there and hash
    to the row's `history_sha256`, and a results.json beside it must agree and be complete.
    A row stored without a history (the campaign asked for none) has nothing to re-judge:
    a problem when `require_history`, accepted otherwise."""
    if row.get("status") != "ok":
        error = str(row.get("error") or "no detail").splitlines()[0]
        return [f"run errored ({error})"]
    path = row_history(row, store_path)
    if path is None:
        return ["no history recorded (the campaign ran without histories)"] \
            if require_history else []
    problem = history_problem(path, row.get("history_sha256"), row.get("history_events"))
    if problem is not None:
        return [problem]
    results = path.parent / RESULTS
    if not results.exists():
        return []
    try:
        saved = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["results.json beside the history unreadable"]
    if not isinstance(saved, dict):
        return ["results.json beside the history unreadable"]
    problems = []
    if saved.get("complete") is False:
        problems.append("incomplete run (results.json beside the history says so)")
    recorded = (saved.get("history") or {}).get("sha256")
    if recorded is not None and recorded != row.get("history_sha256"):
        problems.append("results.json beside the history records another history")
    return problems
