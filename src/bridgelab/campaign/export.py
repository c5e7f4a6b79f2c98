"""Export a campaign's rows to CSV or typed Parquet: one line per run, in run-key order.

Parameters, swarm draws, verdicts and the outcome metrics get a column each
(`param.committee.threshold`, `verdict.safety.supply-conservation`,
`outcome.value_extracted`, ...); the full metrics, verdicts and fingerprint stay as JSON.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BASE_COLUMNS = (
    "campaign_hash", "run_key", "ordinal", "config", "arm", "seed", "status", "exit_code",
    "safety_violation", "scenario_hash", "history_sha256", "history_events", "history_path",
    "sim_time", "settled", "wall_time_s", "worker", "finished_at", "error",
)
OUTCOME_COLUMNS = (
    "value_extracted", "unbacked_minted_peak", "unbacked_minted_final", "dwell_s",
    "time_to_detect_s", "time_to_pause_s",
)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def flat_rows(rows: Sequence[dict[str, Any]], lists: bool = False) -> list[dict[str, Any]]:
    """Decoded store rows -> flat records with one value per column; the failed properties
    and a profile's faults are lists with `lists`, else JSON text (for CSV)."""

    def listed(values: list[str]) -> Any:
        return list(values) if lists else _dumps(list(values))

    flat_list = []
    for row in rows:
        flat: dict[str, Any] = {name: row.get(name) for name in BASE_COLUMNS}
        flat["failed"] = listed(row["failed"]) if row.get("failed") is not None else None
        for path, value in (row.get("params") or {}).items():
            flat[f"param.{path}"] = value
        profile = row.get("profile")
        if profile is not None:
            for path, value in profile["draw"].items():
                flat[f"profile.{path}"] = value
            flat["profile.faults"] = listed(profile["faults"])
        for prop, verdict in (row.get("verdicts") or {}).items():
            flat[f"verdict.{prop}"] = verdict
        outcome = (row.get("metrics") or {}).get("outcome") or {}
        for name in OUTCOME_COLUMNS:
            flat[f"outcome.{name}"] = outcome.get(name)
        probes = row.get("probes") or {}
        flat["probe.compromised_seats"] = probes.get("compromised_seats")
        queue = probes.get("queue") or {}
        flat["probe.queue.served"] = queue.get("served")
        flat["probe.queue.wait_mean_s"] = queue.get("wait_mean_s")
        for name in ("params", "profile", "verdicts", "metrics", "probes", "fingerprint"):
            value = row.get(name)
            flat[f"{name}_json"] = None if value is None else _dumps(value)
        flat_list.append(flat)
    return flat_list if lists else _uniform(flat_list)


def _uniform(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Same columns in every record; a column of mixed types is JSON text (Parquet-safe)."""
    columns: list[str] = []
    seen: set[str] = set()
    for record in records:
        for name in record:
            if name not in seen:
                seen.add(name)
                columns.append(name)
    for name in columns:
        kinds = {type(r.get(name)) for r in records if r.get(name) is not None}
        if kinds <= {int, float} and len(kinds) == 2:
            for record in records:
                if record.get(name) is not None:
                    record[name] = float(record[name])
        elif len(kinds) > 1 or (kinds and not kinds <= {int, float, str, bool}):
            for record in records:
                if record.get(name) is not None:
                    record[name] = _dumps(record[name])
    return [{name: record.get(name) for name in columns} for record in records]


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> int:
    records = flat_rows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        columns = list(records[0]) if records else list(BASE_COLUMNS)
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(records)
    return len(records)


def write_parquet(rows: Sequence[dict[str, Any]], path: Path,
                  metadata: dict[str, str] | None = None) -> int:
    """A typed Parquet file (`campaign.table`): the same column types in every campaign."""
    from bridgelab.extras import require

    pa = require("pyarrow", "parquet", "Parquet export")
    pq = require("pyarrow.parquet", "parquet", "Parquet export")

    from bridgelab.campaign.table import TABLE_SCHEMA_VERSION, arrow_schema, typed_rows

    records, columns = typed_rows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = arrow_schema(columns, {"schema_version": TABLE_SCHEMA_VERSION, **(metadata or {})})
    pq.write_table(pa.Table.from_pylist(records, schema=schema), path)
    return len(records)
