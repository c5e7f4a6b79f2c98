"""The results store: SQLite (embedded, WAL), one row per completed run.

Crash safety comes from three rules: only the campaign's parent process writes; a row is
inserted only once its run is complete, in its own transaction, so it is either wholly there
or absent; and the primary key (campaign hash, run key) with `INSERT OR IGNORE` makes a
second write of the same run a no-op. A campaign killed at any moment, even with SIGKILL,
therefore resumes by skipping the keys already stored: no run is lost, none is duplicated.
Readers order rows by the campaign's expansion order (`ordinal`, a function of the run key),
never by completion time, so statistics do not depend on scheduling.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

COLUMNS: list[tuple[str, str]] = [
    ("campaign_hash", "TEXT NOT NULL"),
    ("run_key", "TEXT NOT NULL"),
    ("ordinal", "INTEGER NOT NULL"),
    ("config", "INTEGER NOT NULL"),
    ("arm", "TEXT NOT NULL"),
    ("seed", "INTEGER NOT NULL"),
    ("params", "TEXT NOT NULL"),
    ("profile", "TEXT"),
    ("status", "TEXT NOT NULL"),
    ("exit_code", "INTEGER"),
    ("safety_violation", "INTEGER"),
    ("failed", "TEXT"),
    ("verdicts", "TEXT"),
    ("metrics", "TEXT"),
    ("probes", "TEXT"),
    ("fingerprint", "TEXT"),
    ("scenario_hash", "TEXT"),
    ("history_sha256", "TEXT"),
    ("history_events", "INTEGER"),
    ("history_path", "TEXT"),
    ("sim_time", "REAL"),
    ("settled", "INTEGER"),
    ("error", "TEXT"),
    ("wall_time_s", "REAL"),
    ("worker", "TEXT"),
    ("finished_at", "TEXT"),
]
COLUMN_NAMES = [name for name, _ in COLUMNS]
JSON_COLUMNS = ("params", "profile", "failed", "verdicts", "metrics", "probes", "fingerprint")
# Columns that describe how a run was executed rather than what it produced.
EXECUTION_COLUMNS = ("wall_time_s", "worker", "finished_at")


class Store:
    """One SQLite file that can hold several campaigns (keyed by campaign hash)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a committed row survives the process being killed at any point (the
        # OS holds the write); FULL would also survive power loss at one fsync per row.
        self.db.execute("PRAGMA synchronous=NORMAL")
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
        self.db.executescript(
            f"""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS campaigns (
                campaign_hash TEXT PRIMARY KEY, name TEXT NOT NULL, file TEXT NOT NULL,
                total_runs INTEGER NOT NULL, spec TEXT NOT NULL, created_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS runs (
                {columns},
                PRIMARY KEY (campaign_hash, run_key)
            );
            CREATE INDEX IF NOT EXISTS runs_order ON runs (campaign_hash, ordinal);
            CREATE TABLE IF NOT EXISTS scenarios (
                scenario_hash TEXT PRIMARY KEY, data TEXT NOT NULL
            );
            INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');
            """
        )
        self._insert = (
            f"INSERT OR IGNORE INTO runs ({', '.join(COLUMN_NAMES)})"
            f" VALUES ({', '.join('?' for _ in COLUMN_NAMES)})"
        )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def register(self, campaign_hash: str, name: str, file: str, total_runs: int,
                 spec: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO campaigns VALUES (?, ?, ?, ?, ?, ?)",
            (campaign_hash, name, file, total_runs, json.dumps(spec, sort_keys=True), _now()),
        )

    def add(self, row: dict[str, Any]) -> bool:
        """Store a completed run; False if the run was already there (nothing changes).

        A row's `scenario_data` (the validated scenario as canonical JSON) is kept once per
        scenario hash, before the row: the store holds the scenario of every run it holds,
        whatever happens later to the campaign file or its base scenario."""
        values = dict(row)
        values.setdefault("finished_at", _now())
        if values.get("scenario_data") and values.get("scenario_hash"):
            self.db.execute(
                "INSERT OR IGNORE INTO scenarios VALUES (?, ?)",
                (values["scenario_hash"], values["scenario_data"]),
            )
        cursor = self.db.execute(self._insert, [values.get(name) for name in COLUMN_NAMES])
        return cursor.rowcount == 1

    def done_keys(self, campaign_hash: str) -> set[str]:
        return {
            key for (key,) in self.db.execute(
                "SELECT run_key FROM runs WHERE campaign_hash = ?", (campaign_hash,)
            )
        }

    def count(self, campaign_hash: str) -> int:
        (count,) = self.db.execute(
            "SELECT COUNT(*) FROM runs WHERE campaign_hash = ?", (campaign_hash,)
        ).fetchone()
        return count

    def delete(self, campaign_hash: str) -> int:
        cursor = self.db.execute("DELETE FROM runs WHERE campaign_hash = ?", (campaign_hash,))
        return cursor.rowcount

    def rows(self, campaign_hash: str, decode: bool = True) -> list[dict[str, Any]]:
        """Every stored run of a campaign, in run-key (expansion) order."""
        cursor = self.db.execute(
            f"SELECT {', '.join(COLUMN_NAMES)} FROM runs WHERE campaign_hash = ?"
            " ORDER BY ordinal, run_key",
            (campaign_hash,),
        )
        rows = [dict(zip(COLUMN_NAMES, values, strict=True)) for values in cursor]
        if decode:
            for row in rows:
                for name in JSON_COLUMNS:
                    if row[name] is not None:
                        row[name] = json.loads(row[name])
        return rows

    def scenario(self, scenario_hash: str) -> dict[str, Any] | None:
        """The stored scenario data of that hash (not yet re-validated), or None."""
        found = self.db.execute(
            "SELECT data FROM scenarios WHERE scenario_hash = ?", (scenario_hash,)
        ).fetchone()
        return None if found is None else json.loads(found[0])

    def campaigns(self) -> list[dict[str, Any]]:
        cursor = self.db.execute(
            "SELECT campaign_hash, name, file, total_runs, created_at FROM campaigns"
            " ORDER BY created_at"
        )
        names = ("campaign_hash", "name", "file", "total_runs", "created_at")
        return [dict(zip(names, values, strict=True)) for values in cursor]


def result_columns(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """What two executions of a campaign must agree on: rows without where, when and by
    whom they ran (execution columns, the history's location, the source commit)."""
    results = []
    for row in rows:
        kept = {
            key: value for key, value in row.items()
            if key not in EXECUTION_COLUMNS and key != "history_path"
        }
        fingerprint = kept.get("fingerprint")
        if isinstance(fingerprint, dict):
            kept["fingerprint"] = {k: v for k, v in fingerprint.items() if k != "commit"}
        results.append(kept)
    return results


def _now() -> str:
    # wall-clock ok: when a row was stored, for people reading the store; not model input
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
