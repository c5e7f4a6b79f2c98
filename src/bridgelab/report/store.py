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
    from bridgelab.campaign.store import Store

    records: list[RunRecord] = []
    with Store(path, readonly=True) as store:
        for entry in store.campaigns():
            entry["name"] = str(entry["name"])
            # The campaign file is read only for rows whose scenario the store does not keep
            # (a store that predates the `scenarios` table), and then once.
            campaign, tried = None, False
            for row in store.rows(entry["campaign_hash"]):
                digest = row.get("scenario_hash")
                if not tried and digest and store.scenario(digest) is None:
                    campaign = _load_campaign(entry["file"], path, entry["campaign_hash"])
                    tried = True
                records.append(_unreadable(path, entry, row) if row.get("problem")
                               else _record(store, path, entry, campaign, row))
    return records


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
    replays exactly the run it stands for. Returns the number of files written.
    """
    from bridgelab.scenario import load_scenario
    from bridgelab.scenario.load import scenario_hash
    from bridgelab.scenario.toml_out import scenario_toml

    written: dict[str, Path | None] = {}
    for record in records:
        if record.reproduce is not None or record.config is None:
            continue
        canonical = json.dumps(record.config, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
        if digest not in written:
            name = slug(str(record.parameters.get("arm", record.scenario)), 30)
            index = record.parameters.get("config_index", 0)
            file = confined(directory, directory / f"{name}-c{index}-{digest}.toml")
            directory.mkdir(parents=True, exist_ok=True)
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
                written[digest] = None
            else:
                written[digest] = file
        file = written[digest]
        if file is not None:
            record.scenario_path = display_path(file)
            record.reproduce = reproduce_command(record.scenario_path, record.seed)
            record.reproducible = True
    return sum(1 for file in written.values() if file is not None)
