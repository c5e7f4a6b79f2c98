"""Run records from a campaign results store (`bridgelab.campaign.store`, SQLite).

A stored row holds the run's verdicts, metrics and fingerprint; the store keeps the scenario
of every run by its hash (the `scenarios` table), so the report needs neither the campaign
file nor its base scenario: each row's scenario is read from the store and trusted only if it
hashes to the row's `scenario_hash`. (A store written before that table existed falls back to
rebuilding the scenario from the campaign file it names, under the same hash check.) Each row
is verified as evidence (`bridgelab.evidence.row_problems`): a row that errored, or whose
history is missing or no longer hashes to `history_sha256`, is kept with its problems and
listed by the report, never used. Rows the campaign already gave a reproduce command keep
theirs; the others get one once their scenario is written out (`materialize`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from bridgelab.report.records import (
    RunRecord,
    display_path,
    reproduce_command,
    run_id,
    slug,
)
from bridgelab.safepaths import confined
from bridgelab.scenario_files import copy_files, names_files
from bridgelab.textsafe import printable


def _load_campaign(file: str, store_path: Path, expected_hash: str):
    """The campaign object, if its file is still there and still expands the same way."""
    from bridgelab.campaign.spec import load_campaign
    from bridgelab.scenario import ScenarioError

    if not isinstance(file, str) or not isinstance(expected_hash, str):
        return None
    for candidate in (Path(file), store_path.parent / file):
        if candidate.is_file():
            try:
                campaign = load_campaign(candidate)
            except (ScenarioError, OSError, ValueError, RecursionError):
                return None
            return campaign if campaign.hash == expected_hash else None
    return None


def _row_scenario(store: Any, campaign: Any, row: dict[str, Any]
                  ) -> tuple[dict[str, Any] | None, str | None]:
    """(the run's scenario as data, None), or (None, why it is not known): the store's copy,
    validated and checked against the row's scenario hash."""
    from bridgelab.scenario import ScenarioError, parse_scenario
    from bridgelab.scenario.load import scenario_hash

    digest = row.get("scenario_hash")
    if not digest:
        return None, "no scenario hash recorded"
    stored = store.scenario(digest)
    if stored is None:
        rebuilt = _scenario_for(campaign, row)
        if rebuilt is None:
            return None, ("scenario missing (not kept in the store, and the campaign file no"
                          " longer rebuilds it)")
        return rebuilt, None
    try:
        scenario = parse_scenario(stored, row["run_key"])
    except ScenarioError as error:
        return None, f"scenario invalid ({error.message})"
    except (RecursionError, ValueError) as error:  # a stored copy no scenario file could give
        return None, f"scenario invalid ({type(error).__name__})"
    if scenario_hash(scenario) != digest:
        return None, "scenario changed (its hash differs from the run's fingerprint)"
    return scenario.model_dump(mode="json", exclude_none=True), None


def _scenario_for(campaign: Any, row: dict[str, Any]) -> dict[str, Any] | None:
    """The validated scenario of one stored run, as data, or None if it cannot be rebuilt."""
    from bridgelab.scenario import ScenarioError, parse_scenario
    from bridgelab.scenario.load import scenario_hash

    if campaign is None or row["config"] >= len(campaign.configs):
        return None
    arms = {arm.name: arm for arm in campaign.arms}
    arm = arms.get(row["arm"])
    if arm is None:
        return None
    profile = campaign.swarm_profile(row["seed"])
    try:
        data = campaign.scenario_data(campaign.configs[row["config"]], arm, profile)
        scenario = parse_scenario(data, row["run_key"])
    except (ScenarioError, KeyError, ValueError):
        return None
    if row.get("scenario_hash") and scenario_hash(scenario) != row["scenario_hash"]:
        return None
    return scenario.model_dump(mode="json", exclude_none=True)


def load_store(path: Path) -> list[RunRecord]:
    """Every run of every campaign in the store, in expansion order, each verified. A store
    that is empty, not SQLite or damaged raises StoreError; it is opened read-only."""
    from bridgelab.campaign.runkeys import registered_campaign
    from bridgelab.campaign.store import Store
    from bridgelab.campaign.verdict import campaign_problem

    records: list[RunRecord] = []
    with Store(path, readonly=True) as store:
        for entry in store.campaigns(spec=True):
            entry["name"] = str(entry["name"])
            # Only the campaign's own runs count towards it, as the store registered it
            # (trusted only if that hashes to the campaign's hash).
            registered = registered_campaign(entry)
            keys = None if isinstance(registered, str) else registered.run_keys()
            entry.pop("spec")
            # The campaign file is read only for rows whose scenario the store does not keep
            # (a store that predates the `scenarios` table), and then once.
            campaign, tried = None, False
            stored = 0
            for row in store.rows(entry["campaign_hash"]):
                digest = row.get("scenario_hash")
                if not tried and digest and store.scenario(digest) is None:
                    campaign = _load_campaign(entry["file"], path, entry["campaign_hash"])
                    tried = True
                record = (_unreadable(path, entry, row) if row.get("problem")
                          else _record(store, path, entry, campaign, row))
                if names_files(record.config):
                    if not tried:
                        campaign = _load_campaign(entry["file"], path, entry["campaign_hash"])
                        tried = True
                    # The user's contract and property modules are read where the campaign
                    # read them.
                    record.scenario_dir = None if campaign is None else str(campaign.base_dir)
                problem = None if keys is None else campaign_problem(row, registered, keys)
                if problem is None:
                    stored += 1
                else:
                    record.problems.append(problem)
                records.append(record)
            if isinstance(registered, str):
                records.append(_uncounted(path, entry, registered))
            elif stored < entry["total_runs"]:
                records.append(_missing_runs(path, entry, stored))
        for campaign_hash, count in store.unregistered():
            records.append(_unregistered(path, campaign_hash, count))
    return records


def _unregistered(path: Path, campaign_hash: str, count: int) -> RunRecord:
    """Stored runs of a campaign the store does not register: nothing says what they are
    runs of, or how many there should be; one unusable entry, so no verdict leaves them out."""
    name = f"unregistered campaign {printable(campaign_hash, 64)[:12]}"
    return RunRecord(
        id=run_id("unregistered", 0, f"{campaign_hash}/unregistered"),
        scenario=name, seed=0, verdicts={}, metrics={}, campaign=name,
        results_path=display_path(path),
        problems=[f"{count} stored runs of a campaign the store does not register: they"
                  " cannot be checked against any campaign"],
    )


def _uncounted(path: Path, entry: dict[str, Any], why: str) -> RunRecord:
    """A campaign whose runs cannot be told from others: one unusable entry saying why, so
    that no verdict rests on a count nothing can check."""
    return RunRecord(
        id=run_id("uncounted", 0, f"{entry['campaign_hash']}/uncounted"),
        scenario=entry["name"], seed=0, verdicts={}, metrics={}, campaign=entry["name"],
        results_path=display_path(path),
        problems=[f"campaign not counted: {why}, so its stored runs cannot be told from others"],
    )


def _missing_runs(path: Path, entry: dict[str, Any], stored: int) -> RunRecord:
    """The runs of a campaign the store does not hold (it was interrupted, or capped with
    `--max-runs`): one unusable entry saying how many, so that no verdict rests on the part."""
    missing = entry["total_runs"] - stored
    return RunRecord(
        id=run_id("missing", 0, f"{entry['campaign_hash']}/missing"),
        scenario=entry["name"], seed=0, verdicts={}, metrics={}, campaign=entry["name"],
        results_path=display_path(path),
        problems=[f"campaign incomplete ({missing} of its {entry['total_runs']} runs were"
                  " never stored: finish it with `bridgelab campaign --resume`)"],
    )


def _contract_source(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """The scenario's `[settlement.contract_source]` (the user's own contract), if any."""
    if config is None:
        return None
    source = config.get("settlement", {}).get("contract_source")
    return source if isinstance(source, dict) else None


def _unreadable(path: Path, entry: dict[str, Any], row: dict[str, Any]) -> RunRecord:
    """A row the store could not decode: listed with its problem, nothing taken from it."""
    from bridgelab.evidence import row_problems

    seed = row.get("seed")
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 else 0
    key = str(row.get("run_key"))
    return RunRecord(
        id=run_id(f"{row.get('arm')}-c{row.get('config')}", seed,
                  f"{entry['campaign_hash']}/{key}"),
        scenario=entry["name"], seed=seed, verdicts={}, metrics={}, campaign=entry["name"],
        parameters={"run_key": key}, results_path=f"{display_path(path)}#{key}",
        problems=row_problems(row, path),
    )


def _record(store: Any, path: Path, entry: dict[str, Any], campaign: Any,
            row: dict[str, Any]) -> RunRecord:
    from bridgelab.evidence import row_history, row_problems

    fingerprint = row.get("fingerprint") or {}
    parameters = {
        **(row.get("params") or {}),
        "arm": row["arm"],
        "config_index": row["config"],
        "run_key": row["run_key"],
    }
    if row.get("profile"):
        parameters["profile"] = row["profile"]
    if campaign is not None and row["config"] < len(campaign.configs):
        parameters["config_label"] = campaign.group_label(row["config"])
    history = row_history(row, path)
    record = RunRecord(
        id=run_id(f"{row['arm']}-c{row['config']}", row["seed"],
                  f"{entry['campaign_hash']}/{row['run_key']}"),
        scenario=str(fingerprint.get("scenario", entry["name"])),
        seed=int(row["seed"]),
        verdicts=dict(row.get("verdicts") or {}),
        metrics=dict(row.get("metrics") or {}),
        fingerprint=dict(fingerprint),
        campaign=entry["name"],
        parameters=parameters,
        history_path=str(history) if history is not None and history.exists() else None,
        results_path=f"{display_path(path)}#{row['run_key']}",
        reproduce=row.get("reproduce"),
        probes=dict(row.get("probes") or {}),
        problems=row_problems(row, path),
    )
    if record.history_path is not None and not record.problems:
        _read_results(record, Path(record.history_path).parent / "results.json")
    if row["status"] == "ok":
        if row.get("exit_code") == 2 and record.exit_code != 2:
            # The row says inconclusive; without the reasons, say so rather than "pass".
            record.inconclusive.append("inconclusive (the campaign store records exit code 2)")
        config, problem = _row_scenario(store, campaign, row)
        if problem is not None:
            record.problems.append(problem)
        record.config = config if not record.problems else None
    if record.config is not None:
        record.parameters.setdefault("attack", row["arm"])
    # A command the campaign gave is trusted once the scenario it ran is verified.
    record.reproducible = record.usable and record.reproduce is not None
    return record


def _read_results(record: RunRecord, results: Path) -> None:
    """Violations, inconclusive reasons and the reproduce command from the run's results.json
    (verified beside its history by `row_problems`). One that is not as a run writes it makes
    the record unusable: its reasons would be missing from the report."""
    from bridgelab.evidence import read_results, results_problems

    if not results.exists():
        return
    saved, problem = read_results(results)
    problems = [problem] if saved is None else results_problems(saved)
    if problems:
        record.problems.append(f"{problems[0]} (beside the history)")
        return
    assert saved is not None
    record.violations = list(saved["violations"])
    record.inconclusive = list(saved["inconclusive"])
    record.reproduce = record.reproduce or saved.get("reproduce")


def materialize(records: list[RunRecord], directory: Path) -> int:
    """Write the scenario of every record that has one but no reproduce command into
    `directory` (one file per distinct scenario) and give the record its command.

    A file is written only if reading it back gives the run's scenario hash, so the command
    replays exactly the run it stands for. A scenario with the user's own contract or
    property modules goes in a folder of its own, `scenario.toml` with those files beside it
    at the paths it names, each copied only if its SHA-256 is the one the run's history
    recorded (`recorded_files`). Returns the number of scenarios written.
    """
    written: dict[str, Path | None] = {}
    for record in records:
        if record.reproduce is not None or record.config is None:
            continue
        canonical = json.dumps(record.config, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
        files = recorded_files(record)
        key = digest if files is None else f"{digest}/{json.dumps(files, sort_keys=True)}"
        if key not in written:
            written[key] = _write_scenario(record, directory, digest, files)
        file = written[key]
        if file is not None:
            record.scenario_path = display_path(file)
            record.reproduce = reproduce_command(record.scenario_path, record.seed)
            record.reproducible = True
    return sum(1 for file in written.values() if file is not None)


def _write_scenario(record: RunRecord, directory: Path, digest: str,
                    files: dict[str, str] | None) -> Path | None:
    """The record's scenario written under `directory` (with the files it read beside it
    when `files` is not None), or None when the copy would not replay the run."""
    from bridgelab.scenario import load_scenario
    from bridgelab.scenario.load import scenario_hash
    from bridgelab.scenario.toml_out import scenario_toml

    name = slug(str(record.parameters.get("arm", record.scenario)), 30)
    index = record.parameters.get("config_index", 0)
    stem = f"{name}-c{index}-{digest}"
    if files is not None:
        listed = json.dumps(files, sort_keys=True).encode()
        folder = confined(directory, directory / f"{stem}-{hashlib.sha256(listed).hexdigest()[:6]}")
        if not _copy_run_files(record, folder, files):
            return None
        file = folder / "scenario.toml"
    else:
        file = confined(directory, directory / f"{stem}.toml")
    file.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"Scenario of campaign {record.campaign!r}, run {record.parameters.get('run_key')}"
        "\n(written by `bridgelab report` so that the run can be replayed)."
    )
    # Comments carry user strings: keep them on comment lines only.
    file.write_text(scenario_toml(record.config, header.replace("\r", " ")))
    loaded = load_scenario(file)
    expected = record.fingerprint.get("scenario_hash")
    if expected is not None and scenario_hash(loaded) != expected:
        file.unlink()
        return None
    return file


# How far into a history the records naming a run's files may be (among the first records).
MAX_DEPLOYMENT_LINE = 1_000


def recorded_files(record: RunRecord) -> dict[str, str] | None:
    """The files a run read beside its scenario, by relative path with their SHA-256, as its
    history recorded them: the user's contract (`contract.deployed`) and the modules of its
    own properties (`checks.properties`). {} for a contract run whose record cannot be read;
    None for a run that read no such files, or whose history never named them."""
    config = record.config or {}
    wanted = {"contract.deployed"} if _contract_source(config) is not None else set()
    if (config.get("checks") or {}).get("properties"):
        wanted.add("checks.properties")
    if not wanted:
        return None
    found: dict[str, dict[str, str]] = {}
    if record.history_path is not None:
        found = _first_files(Path(record.history_path), wanted)
    if "contract.deployed" in wanted and "contract.deployed" not in found:
        return {}  # the contract's files are not known: nothing can be carried
    files = {path: digest for kind in sorted(found) for path, digest in found[kind].items()}
    return files or None


def _first_files(history: Path, kinds: set[str]) -> dict[str, dict[str, str]]:
    """The `files` of the first record of each of `kinds` among the history's first lines."""
    found: dict[str, dict[str, str]] = {}
    try:
        with open(history, encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                if number >= MAX_DEPLOYMENT_LINE or len(found) == len(kinds):
                    break
                event = json.loads(line)
                kind = event.get("kind")
                if kind in kinds and kind not in found:
                    files = event.get("files")
                    found[kind] = dict(files) if isinstance(files, dict) else {}
    except (OSError, ValueError):
        pass
    return found


def _copy_run_files(record: RunRecord, folder: Path, files: dict[str, str]) -> bool:
    """Copy each of `files` from the run's scenario directory into `folder` at the same
    relative path; False (and nothing kept) unless every copy has its recorded SHA-256."""
    if not files or record.scenario_dir is None:
        return False
    return copy_files(Path(record.scenario_dir), folder, files)
