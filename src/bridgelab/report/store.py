"""Run records from a campaign results store (`bridgelab.campaign.store`, SQLite).

A stored row holds the run's verdicts, metrics and fingerprint but not its scenario: the
scenario is rebuilt from the campaign file the store names (configuration × arm × the seed's
swarm profile, exactly as the campaign expanded it) and trusted only if its hash matches the
row's `scenario_hash`. Rows the campaign already gave a reproduce command keep theirs; the
others get one once their scenario is written out (`materialize`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from bridgelab.report.records import (
    RunRecord,
    ScenarioIndex,
    _display,
    reproduce_command,
    run_id,
    slug,
)


def _campaign_table(path: Path) -> list[dict[str, Any]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cursor = db.execute(
            "SELECT campaign_hash, name, file, total_runs, spec FROM campaigns ORDER BY created_at"
        )
        names = ("campaign_hash", "name", "file", "total_runs", "spec")
        return [dict(zip(names, row, strict=True)) for row in cursor]
    finally:
        db.close()


def _load_campaign(file: str, store_path: Path, expected_hash: str):
    """The campaign object, if its file is still there and still expands the same way."""
    from bridgelab.campaign.spec import load_campaign
    from bridgelab.scenario import ScenarioError

    for candidate in (Path(file), store_path.parent / file):
        if candidate.is_file():
            try:
                campaign = load_campaign(candidate)
            except (ScenarioError, OSError, ValueError):
                return None
            return campaign if campaign.hash == expected_hash else None
    return None


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


def load_store(path: Path, index: ScenarioIndex | None = None) -> list[RunRecord]:
    """Every completed run of every campaign in the store, in expansion order."""
    from bridgelab.campaign.store import Store

    del index  # the store names its campaign files itself
    records: list[RunRecord] = []
    campaigns = _campaign_table(path)
    with Store(path) as store:
        for entry in campaigns:
            campaign = _load_campaign(entry["file"], path, entry["campaign_hash"])
            for row in store.rows(entry["campaign_hash"]):
                if row["status"] != "ok":
                    continue
                fingerprint = row.get("fingerprint") or {}
                scenario = str(fingerprint.get("scenario", entry["name"]))
                parameters = {
                    **(row.get("params") or {}),
                    "arm": row["arm"],
                    "config_index": row["config"],
                    "run_key": row["run_key"],
                }
                if row.get("profile"):
                    parameters["profile"] = row["profile"]
                if campaign is not None:
                    parameters["config_label"] = campaign.group_label(row["config"])
                history = row.get("history_path")
                record = RunRecord(
                    id=run_id(f"{row['arm']}-c{row['config']}", row["seed"],
                              f"{entry['campaign_hash']}/{row['run_key']}"),
                    scenario=scenario,
                    seed=int(row["seed"]),
                    verdicts=dict(row.get("verdicts") or {}),
                    metrics=dict(row.get("metrics") or {}),
                    fingerprint=dict(fingerprint),
                    campaign=entry["name"],
                    parameters=parameters,
                    history_path=history if history and Path(history).exists() else None,
                    results_path=f"{_display(path)}#{row['run_key']}",
                    reproduce=row.get("reproduce"),
                    probes=dict(row.get("probes") or {}),
                )
                if record.history_path is not None:
                    results = Path(record.history_path).parent / "results.json"
                    if results.exists():
                        try:
                            saved = json.loads(results.read_text(encoding="utf-8"))
                        except (OSError, ValueError):
                            saved = {}
                        record.violations = list(saved.get("violations") or [])
                        record.inconclusive = list(saved.get("inconclusive") or [])
                        record.reproduce = record.reproduce or saved.get("reproduce")
                record.config = _scenario_for(campaign, row)
                if record.config is not None:
                    record.parameters.setdefault("attack", row["arm"])
                # A command the campaign gave is trusted once the scenario it ran is verified.
                record.reproducible = record.config is not None and record.reproduce is not None
                records.append(record)
    return records


def materialize(records: list[RunRecord], directory: Path) -> int:
    """Write the scenario of every record that has one but no reproduce command into
    `directory` (one file per distinct scenario) and give the record its command.

    A file is written only if reading it back gives the run's scenario hash, so the command
    replays exactly the run it stands for. Returns the number of files written.
    """
    from bridgelab.hunt.artefacts import scenario_toml
    from bridgelab.scenario import load_scenario
    from bridgelab.scenario.load import scenario_hash

    written: dict[str, Path | None] = {}
    for record in records:
        if record.reproduce is not None or record.config is None:
            continue
        canonical = json.dumps(record.config, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
        if digest not in written:
            name = slug(str(record.parameters.get("arm", record.scenario)), 30)
            file = directory / f"{name}-c{record.parameters.get('config_index', 0)}-{digest}.toml"
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
            record.scenario_path = _display(file)
            record.reproduce = reproduce_command(record.scenario_path, record.seed)
            record.reproducible = True
    return sum(1 for file in written.values() if file is not None)
