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
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridgelab.resultcheck import describe, loads, results_problem
from bridgelab.signals import interruption_in
from bridgelab.textsafe import printable

if TYPE_CHECKING:  # annotations only: the models load when a scenario is read
    from bridgelab.checker.judge import Judgement
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


def judge(path: Path, facts: HistoryFacts, scenario: Scenario | None,
          why_no_scenario: str | None = None) -> Judgement | str:
    """The checker's judgement of the history at `path` (hashed and scanned into `facts`), or
    why there is none: without its scenario, or unreadable, a history is not re-judged."""
    # The checker (and the crypto it verifies with) is imported only when a run is read.
    from bridgelab.checker.judge import judge_saved

    if scenario is None:
        return f"verdicts cannot be re-judged ({why_no_scenario or 'no scenario'})"
    if facts.unreadable:
        return "verdicts cannot be re-judged (the history holds lines that are not events)"
    judgement, problem = judge_saved(path, scenario)
    return problem if judgement is None else judgement


def judgement_problems(facts: HistoryFacts, verdicts: dict[str, Any] | None,
                       fingerprint: dict[str, Any] | None,
                       violations: list[dict[str, Any]] | None = None,
                       judgement: Judgement | str | None = None) -> list[str]:
    """Why the recorded verdicts (and violations) are not those of this history.

    The history is the evidence and its hash is checked; these checks bind the summary to it.
    A run's history starts with `run.start` naming its seed and scenario hash and ends with
    `run.end`; the checker, run again over it (`judgement`, see `judge`), gives every
    built-in property the recorded verdict and finds the recorded violations. The
    scenario's own properties are the user's code and are not re-judged."""
    problems = [f"history line {line} is not an event" for line in facts.unreadable[:3]]
    start = facts.start
    if start is None:
        problems.append("history has no run.start event")
    elif fingerprint is not None and (start.get("seed"), start.get("scenario_hash")) != (
            fingerprint.get("seed"), fingerprint.get("scenario_hash")):
        problems.append("history is of another run (its run.start names another seed or"
                        " scenario hash than the fingerprint)")
    if not facts.ended:
        problems.append("history does not end with run.end (the run did not finish)")
    if isinstance(judgement, str):
        return [*problems, judgement]
    if judgement is None:
        return problems
    if verdicts is not None:
        for prop, verdict in judgement.verdicts.items():
            recorded = verdicts.get(prop)
            if recorded == verdict:
                continue
            because = (" but the history holds its violation" if verdict == "fail"
                       else f" but its history gives {verdict}")
            problems.append(f"{printable(prop, 80)} is recorded as"
                            f" {printable(recorded, 20)}{because}")
    if violations is not None:
        listed = sorted((v.get("property"), v.get("event_seq")) for v in violations
                        if isinstance(v, dict) and v.get("property") in judgement.verdicts)
        if listed != sorted(judgement.violations):
            problems.append(f"results.json lists {len(listed)} violations, the history holds"
                            f" {len(judgement.violations)} (or others)")
    return problems


def scenario_data(text: str, file: str, expected_hash: str | None
                  ) -> tuple[dict[str, Any] | None, str | None]:
    """(the scenario as data, None) if `text` validates and hashes to `expected_hash`;
    otherwise (None, why not)."""
    scenario, problem = run_scenario(text, file, expected_hash)
    if scenario is None:
        return None, problem
    return scenario.model_dump(mode="json", exclude_none=True), None


def run_scenario(text: str, file: str, expected_hash: str | None
                 ) -> tuple[Scenario | None, str | None]:
    """(the scenario, None) if `text` validates and hashes to `expected_hash`; otherwise
    (None, why not)."""
    from bridgelab.scenario.load import scenario_hash

    if not expected_hash:
        return None, "no scenario hash recorded"
    try:
        scenario = scenario_from_text(text, file)
    except Exception as error:  # any refusal of the reader: TOML syntax, schema, nesting
        message = str(getattr(error, "message", error)).splitlines() or [type(error).__name__]
        return None, f"scenario invalid ({printable(message[0], 200)})"
    if scenario_hash(scenario) != expected_hash:
        return None, "scenario changed (its hash differs from the run's fingerprint)"
    return scenario, None


@dataclass(slots=True)
class Verified:
    """What reading a run directory established: its scenario, or why it cannot be used."""

    problems: list[str] = field(default_factory=list)
    config: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.config is not None


def _read_scenario(directory: Path) -> tuple[str | None, str | None]:
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


def verify_run_dir(directory: Path, results: dict[str, Any]) -> Verified:
    """Check a run directory against its parsed results.json: complete and well-formed, its
    history the one recorded and agreeing with its verdicts, its own scenario the one run."""
    verified = Verified()
    if not isinstance(results, dict):
        verified.problems.append(f"results.json malformed (expected a table, found"
                                 f" {describe(results)})")
        return verified
    verified.problems = results_problems(results)
    if verified.problems:
        return verified  # nothing else it holds can be relied on
    history, fingerprint = results["history"], results["fingerprint"]
    scenario, scenario_problem = _run_dir_scenario(directory, fingerprint["scenario_hash"])
    path = directory / HISTORY
    problem, facts = check_history(path, history["sha256"], history["events"])
    if problem is not None:
        verified.problems.append(problem)
    elif facts is not None:
        verified.problems += judgement_problems(
            facts, results["verdicts"], fingerprint, results["violations"],
            judge(path, facts, scenario, scenario_problem))
    if scenario_problem is not None:
        verified.problems.append(scenario_problem)
    elif scenario is not None:
        verified.config = scenario.model_dump(mode="json", exclude_none=True)
    return verified


def _run_dir_scenario(directory: Path, expected_hash: str | None
                      ) -> tuple[Scenario | None, str | None]:
    """(the run directory's own scenario, None), or (None, why it cannot be used)."""
    text, problem = _read_scenario(directory)
    if text is None:
        return None, problem
    return run_scenario(text, str(directory / SCENARIO), expected_hash)


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


# -- campaign store rows -----------------------------------------------------------------------


def row_history(row: dict[str, Any], store_path: Path | None = None) -> Path | None:
    """Where a stored run's history is (a relative path is tried beside the store too)."""
    recorded = row.get("history_path")
    if not recorded or not isinstance(recorded, str):
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

    A row the store could not decode is named by `row["problem"]` (`Store.rows`). A
    completed row is the store's completion mark; its history must still be there, hash to
    the row's `history_sha256` and agree with its verdicts, and a results.json beside it must
    agree and be complete. A row stored without a history (the campaign asked for none) has
    nothing to re-judge: a problem when `require_history`, accepted otherwise."""
    if row.get("problem"):
        return [f"row unreadable ({row['problem']})"]
    if row.get("status") != "ok":
        error = (str(row.get("error") or "no detail").splitlines() or ["no detail"])[0]
        return [f"run errored ({printable(error, 200)})"]
    path = row_history(row, store_path)
    if path is None:
        return ["no history recorded (the campaign ran without histories)"] \
            if require_history else []
    problem, facts = check_history(path, row.get("history_sha256"), row.get("history_events"))
    if problem is not None:
        return [problem]
    assert facts is not None
    verdicts, fingerprint = row.get("verdicts"), row.get("fingerprint")
    fingerprint = fingerprint if isinstance(fingerprint, dict) else None
    verdicts = verdicts if isinstance(verdicts, dict) else None
    judgement: Judgement | str | None = None
    if verdicts is not None:
        # The run's scenario.toml lies beside its history (a campaign writes both).
        scenario, why = _run_dir_scenario(
            path.parent, (fingerprint or {}).get("scenario_hash") or row.get("scenario_hash"))
        judgement = judge(path, facts, scenario, why)
    problems = judgement_problems(facts, verdicts, fingerprint, None, judgement)
    results = path.parent / RESULTS
    if not results.exists():
        return problems
    saved, problem = read_results(results)
    if saved is None:
        return [*problems, "results.json beside the history unreadable"]
    if saved.get("complete") is False:
        problems.append("incomplete run (results.json beside the history says so)")
    recorded = saved.get("history")
    if isinstance(recorded, dict) and recorded.get("sha256") not in (None,
                                                                     row.get("history_sha256")):
        problems.append("results.json beside the history records another history")
    return problems
