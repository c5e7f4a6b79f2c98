"""Loading run records: from a directory of run outputs (each run verified as evidence by
`bridgelab.evidence`) or a campaign store (`report.store`), with the command that replays
each usable run attached."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bridgelab.report.records import (
    RunRecord,
    display_path,
    parse_reproduce,
    reproduce_command,
    run_id,
)

SQLITE_MAGIC = b"SQLite format 3\x00"


class RecordError(Exception):
    """RESULTS is neither a campaign store nor a directory holding results.json files."""


class ScenarioFiles:
    """Scenario files named by reproduce commands, each loaded once, with its hash. Used only
    to choose which command to print: a run's verdict never rests on these files."""

    def __init__(self) -> None:
        self._hashes: dict[str, str | None] = {}

    def hash_of(self, path: str) -> str | None:
        if path not in self._hashes:
            self._hashes[path] = self._load(path)
        return self._hashes[path]

    @staticmethod
    def _load(path: str) -> str | None:
        from bridgelab.evidence import MAX_SCENARIO_BYTES
        from bridgelab.scenario import load_scenario
        from bridgelab.scenario.load import scenario_hash

        # The path comes from a saved reproduce command: only a regular file of a scenario's
        # size is read (never a device, a pipe or a huge file someone named there).
        try:
            file = Path(path)
            if not file.is_file() or file.stat().st_size > MAX_SCENARIO_BYTES:
                return None
            return scenario_hash(load_scenario(file))
        except Exception:  # any refusal of the loader: the recorded command is not used
            return None


def attach_reproduce(record: RunRecord, directory: Path, files: ScenarioFiles) -> None:
    """Give a verified run a command that replays it: the recorded one while the scenario it
    names still has the run's hash, else one naming the run's own scenario.toml."""
    from bridgelab.evidence import SCENARIO

    parsed = parse_reproduce(record.reproduce) if record.reproduce else None
    if parsed is not None:
        record.scenario_path = parsed[0]
    if not record.usable:
        return
    digest = record.fingerprint.get("scenario_hash")
    if parsed is None or files.hash_of(parsed[0]) != digest:
        record.reproduce = reproduce_command(display_path(directory / SCENARIO), record.seed)
    else:
        # The file the run was made from, unchanged: the files it names (its own contract,
        # its properties) are read beside it (a search checks them against the history).
        record.scenario_dir = str(Path(parsed[0]).resolve().parent)
    record.reproducible = True


def record_from_results(
    data: dict[str, Any], origin: str, results_path: Path | None = None
) -> RunRecord:
    """The record of a results.json whose shape was checked (`evidence.results_problems`)."""
    fingerprint = data.get("fingerprint") or {}
    scenario = str(fingerprint.get("scenario", "unnamed"))
    seed = int(fingerprint.get("seed", 0))
    history = None
    if results_path is not None and (results_path.parent / "history.jsonl").exists():
        history = display_path(results_path.parent / "history.jsonl")
    campaign = data.get("campaign")
    if isinstance(campaign, dict):
        campaign = campaign.get("name")
    return RunRecord(
        id=run_id(scenario, seed, origin),
        scenario=scenario,
        seed=seed,
        verdicts=dict(data.get("verdicts") or {}),
        metrics=dict(data.get("metrics") or {}),
        violations=list(data.get("violations") or []),
        inconclusive=list(data.get("inconclusive") or []),
        fingerprint=dict(fingerprint),
        reproduce=data.get("reproduce"),
        campaign=campaign,
        parameters=dict(data.get("parameters") or {}),
        history_path=history,
        results_path=display_path(results_path) if results_path is not None else None,
    )


def _interrupted(directory: Path, problem: str) -> RunRecord:
    """A run directory with no usable results.json: named from its history's first event."""
    from bridgelab.evidence import HISTORY, first_record

    history = directory / HISTORY
    start = first_record(history) if history.is_file() else {}
    scenario = start.get("scenario")
    scenario = scenario[:200] if isinstance(scenario, str) and scenario else directory.name
    seed = start.get("seed")
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 else 0
    digest = start.get("scenario_hash")
    return RunRecord(
        id=run_id(scenario, seed, str(directory.resolve())),
        scenario=scenario,
        seed=seed,
        verdicts={},
        metrics={},
        fingerprint={"scenario": scenario, "seed": seed,
                     "scenario_hash": digest if isinstance(digest, str) else None},
        history_path=display_path(history) if history.is_file() else None,
        results_path=display_path(directory / "results.json"),
        problems=[problem],
    )

RUN_KEYS = frozenset({"verdicts", "complete", "fingerprint", "history"})


def load_run_dir(directory: Path, files: ScenarioFiles | None = None) -> RunRecord | None:
    """The run in `directory`, verified; None if the directory holds no run at all.

    Whatever the files hold, the answer is a record (usable, or with its problems) or None:
    a results.json that cannot be read or is not shaped as a run writes it makes the run
    unusable, named from its history's first event."""
    from bridgelab.evidence import (
        HISTORY,
        RESULTS,
        SCENARIO,
        read_results,
        results_problems,
        verify_run_dir,
    )

    results_path = directory / RESULTS
    beside = (directory / HISTORY).is_file() or (directory / SCENARIO).is_file()
    if not results_path.exists():
        if beside:
            return _interrupted(directory, "incomplete run (no results.json: the run did not"
                                           " finish)")
        return None
    data, problem = read_results(results_path)
    if data is None:
        return _interrupted(directory, problem or "results.json unreadable")
    if not beside and not (RUN_KEYS & set(data)):
        return None  # some other results.json, not a run's
    problems = results_problems(data)
    if problems:
        return _interrupted(directory, problems[0])
    record = record_from_results(data, str(results_path.resolve()), results_path)
    verified = verify_run_dir(directory, data)
    record.problems = verified.problems
    record.config = verified.config if verified.ok else None
    attach_reproduce(record, directory, files or ScenarioFiles())
    return record


def load_directory(root: Path, files: ScenarioFiles | None = None) -> list[RunRecord]:
    """Every run under `root`: each directory holding a results.json or a history.jsonl, or
    the scenario.toml a run writes first (a run stopped before its history was opened)."""
    from bridgelab.evidence import is_run_scenario

    files = files or ScenarioFiles()
    directories = {path.parent for path in root.rglob("results.json")}
    directories |= {path.parent for path in root.rglob("history.jsonl")}
    directories |= {path.parent for path in root.rglob("scenario.toml") if is_run_scenario(path)}
    records = []
    for directory in sorted(directories):
        record = load_run_dir(directory, files)
        if record is None:
            continue
        # A directory of runs is its own campaign: cite it by its path.
        record.campaign = record.campaign or display_path(root)
        records.append(record)
    return records


def is_store(path: Path) -> bool:
    """An SQLite file (or an empty one, which `load_store` refuses as a truncated store)."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return header in (SQLITE_MAGIC, b"") or (path.suffix in (".sqlite", ".db") and bool(header))


def load_records(
    sources: Iterable[Path], on_record: Callable[[int], None] | None = None
) -> list[RunRecord]:
    """Runs from each source: a campaign store (SQLite) or a directory of run outputs."""
    records: list[RunRecord] = []
    files = ScenarioFiles()
    for source in sources:
        if is_store(source):
            from bridgelab.campaign.store import StoreError
            from bridgelab.report.store import load_store

            try:
                loaded = load_store(source)
            except StoreError as error:
                raise RecordError(str(error)) from None
        elif source.is_dir():
            loaded = load_directory(source, files)
        else:
            raise RecordError(
                f"{source}: expected a campaign store (SQLite file) or a directory of run"
                " outputs (**/results.json), found "
                + ("nothing" if not source.exists() else "another kind of file")
            )
        records.extend(loaded)
        if on_record is not None:
            on_record(len(records))
    unique = distinct(records)
    for record in unique:
        read_deployed_code(record)
    return unique


def read_deployed_code(record: RunRecord) -> None:
    """Set an EVM-mode run's `deployed_code` from its verified history (read only there:
    the contract's files may have changed since, and the scenario names only their paths)."""
    settlement = (record.config or {}).get("settlement") or {}
    if settlement.get("contract", "model") == "model" or record.history_path is None:
        return
    if record.problems:
        return
    from bridgelab.rundir.history import first_record

    deployed = first_record(Path(record.history_path), "contract.deployed")
    code = deployed.get("code_sha256")
    if not isinstance(code, str):
        record.deployed_code = None
        return
    # The runtime code alone does not tell two builds apart whose constructors set different
    # storage (or whose adapter differs): every source file's hash goes in with it.
    files = deployed.get("files")
    record.deployed_code = code if not files else hashlib.sha256(
        json.dumps({"code": code, "files": files}, sort_keys=True).encode()).hexdigest()


def distinct(records: list[RunRecord]) -> list[RunRecord]:
    """Each run once: a run read twice (a source given twice, or directories that overlap)
    is dropped, judged by where it was read from, never by its id alone. Two different runs
    whose ids agree (one campaign in two stores, a short id's tag shared) are both kept, the
    later one renamed: dropping it could drop the run that failed."""
    seen: set[tuple[str, str | None]] = set()
    ids: set[str] = set()
    unique = []
    for record in records:
        source = (record.id, record.results_path)
        if source in seen:
            continue
        seen.add(source)
        if record.id in ids:
            base = record.id
            record.id = next(f"{base}-{n}" for n in range(2, len(records) + 3)
                             if f"{base}-{n}" not in ids)
        ids.add(record.id)
        unique.append(record)
    return unique
