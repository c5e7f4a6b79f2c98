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
import json
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Reading a run directory back lives in rundir/; it is re-exported here, so that a caller
# that writes or reads evidence imports one module.
from bridgelab.rundir.files import (
    HISTORY,
    MAX_SCENARIO_BYTES,
    RESULTS,
    SCENARIO,
    file_digest,
    read_results,
    results_problems,
    scenario_from_text,
)
from bridgelab.rundir.history import first_record, history_problem
from bridgelab.rundir.verify import (
    judgement_problems,
    row_history,
    row_problems,
    verify_run_dir,
)
from bridgelab.signals import interruption_in
from bridgelab.textsafe import printable

if TYPE_CHECKING:  # annotations only: the models load when a scenario is read
    from bridgelab.scenario.model import Scenario

__all__ = [
    "HISTORY", "MAX_SCENARIO_BYTES", "RESULTS", "RUN_FILES", "SCENARIO", "EvidenceError",
    "OutputDirError", "atomic_write_text", "begin", "claim", "file_digest", "first_record",
    "history_problem", "judgement_problems", "read_results", "results_data", "results_problems",
    "row_history", "row_problems", "scenario_from_text", "scenario_text", "verify_run_dir",
    "write_incomplete", "write_results", "write_scenario",
]


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


# What a run directory holds, and the temporary files of its atomic writes.
RUN_FILES = frozenset({RESULTS, HISTORY, SCENARIO})


_TEMPORARY = re.compile(r"\.(?:results\.json|history\.jsonl|scenario\.toml)\.\d+\.[0-9a-f]+\.tmp")


def _is_run_file(path: Path) -> bool:
    name = path.name
    return (name in RUN_FILES or _TEMPORARY.fullmatch(name) is not None) \
        and path.is_file() and not path.is_symlink()


class OutputDirError(ValueError):
    """The output directory cannot take a new run (bad input: nothing was run)."""


def claim(out_dir: Path, replace: bool = False) -> None:
    """Make `out_dir` a new, empty run directory, or refuse (OutputDirError).

    A directory that already holds anything is refused: the files in it may be another run's
    evidence. With `replace`, a previous run's files (scenario.toml, history.jsonl,
    results.json, and temporary files of their writes) are removed, results.json first; a
    directory holding anything else is still refused, so that a mistyped path never costs
    files that are not a run's."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputDirError(f"{out_dir}: expected a directory for the run, found a file")
    entries = sorted(out_dir.iterdir()) if out_dir.is_dir() else []
    if entries and not replace:
        raise OutputDirError(
            f"{out_dir}: expected an empty or new output directory, found {len(entries)}"
            " entries (pass --replace to replace a previous run there)")
    foreign = [entry for entry in entries if not _is_run_file(entry)]
    if foreign:
        names = ", ".join(printable(entry.name, 40) for entry in foreign[:3])
        raise OutputDirError(
            f"{out_dir}: expected only a previous run's files to replace, found {names}"
            + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""))
    for entry in sorted(entries, key=lambda path: path.name != RESULTS):
        entry.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)
    if entries:
        _fsync_directory(out_dir)


def scenario_text(scenario: Scenario, seed: int | None = None) -> str:
    """The scenario in canonical TOML: validated data, defaults filled in, `None`s left out."""
    from bridgelab.scenario.toml_out import scenario_toml

    data = scenario.model_dump(mode="json", exclude_none=True)
    replay = (f"\nReplay it from this directory: bridgelab run {SCENARIO} --seed {seed}"
              if seed is not None else "")
    header = f"{RUN_SCENARIO_HEADER}{replay}"
    return scenario_toml(data, header)


# The first line of a run directory's scenario.toml: a run was started there.
RUN_SCENARIO_HEADER = "The effective scenario of this run, written by bridgelab."


def is_run_scenario(path: Path) -> bool:
    """Whether `path` is a scenario.toml a run wrote (not a scenario file of the user's)."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(200)
    except OSError:
        return False
    return first.rstrip(b"\r\n") == f"# {RUN_SCENARIO_HEADER}".encode()


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
    interrupted = interruption_in(error)
    if interrupted is not None:
        reason = f"interrupted by {interrupted.name}"
    else:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    data = results_data({"fingerprint": fingerprint, "error": reason}, reproduce,
                        complete=False)
    with contextlib.suppress(OSError):
        atomic_write_text(out_dir / RESULTS, json.dumps(data, indent=2, sort_keys=True) + "\n")


def atomic_write_text(path: Path, text: str, durable: bool = True) -> None:
    """Write `text` to `path` so that a reader sees the old file or the whole new one: a
    temporary file in the same directory, flushed to disk (`durable`), then renamed over
    `path` (and the rename made durable too). A device, FIFO or socket (`/dev/null`) is
    written into instead: a rename would replace the node itself, and it keeps no old file
    for a reader. A symbolic link keeps pointing where it did: the file it names is written."""
    if path.exists() and not path.is_file() and not path.is_dir():
        with path.open("w", encoding="utf-8") as stream:
            stream.write(text)
        return
    if path.is_symlink():
        path = path.resolve()
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
