"""The results store: SQLite (embedded, WAL), one row per completed run.

Crash safety comes from three rules: only the campaign's parent process writes; a row is
inserted only once its run is complete, in its own transaction, so it is either wholly there
or absent; and the primary key (campaign hash, run key) with `INSERT OR IGNORE` makes a
second write of the same run a no-op. A campaign killed at any moment, even with SIGKILL,
therefore resumes by skipping the keys already stored: no run is lost, none is duplicated.
Readers order rows by the campaign's expansion order (`ordinal`, a function of the run key),
never by completion time, so statistics do not depend on scheduling.

A store is read as untrusted input. Opening one checks that it is an SQLite file (an empty
file is not a store: a truncated one looks like that) and that SQLite finds it intact
(`PRAGMA quick_check`); a damaged or foreign file raises `StoreError`, one line, which the
commands report as bad input (exit 3) rather than trust what part of it can still be read.
Commands that only read (`campaign-stats`, `campaign-export`, `report`) open it read-only,
so reading never changes it, and refuse an empty file; `campaign`, which writes, takes an
empty file for a new store, as SQLite does (a reader that connects before the store is
created leaves one). Each row is checked as it is decoded: a row whose columns are
not what a run stores is returned with a `problem` (and is never used as evidence).
"""

from __future__ import annotations

import datetime
import functools
import json
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from bridgelab.outpaths import blocking_ancestor
from bridgelab.resultcheck import loads, row_problem
from bridgelab.textsafe import printable

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


SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100
REQUIRED_TABLES = ("campaigns", "runs")


class StoreError(Exception):
    """The file is not a campaign store SQLite can read intact (one line, bad input)."""


F = TypeVar("F", bound=Callable[..., Any])


def _reading(method: F) -> F:
    """SQLite's refusals while reading (a damaged page, a missing table) as StoreError."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as error:
            raise StoreError(_message(self.path, error)) from None

    return wrapper  # type: ignore[return-value]


def _message(path: Path, error: BaseException) -> str:
    return (f"{printable(path)}: expected an intact campaign store, found"
            f" {printable(error, 200)} (restore it, or start over with --fresh)")


def check_file(path: Path, allow_empty: bool = False) -> None:
    """Refuse a file at `path` that cannot be a store: empty (a truncated store looks like
    that; `allow_empty` for a writer, to which an empty file is a new store, as it is to
    SQLite), without SQLite's header, or shorter than its header records. No file at all is
    left to the caller."""
    try:
        if not path.exists():
            blocker = blocking_ancestor(path)
            if blocker is not None:
                raise StoreError(f"{printable(path)}: expected a campaign store path, found"
                                 f" {printable(blocker)} in it, which is not a directory")
            return
        if not path.is_file():
            raise StoreError(f"{printable(path)}: expected a campaign store (SQLite file),"
                             " found a directory or device")
        with path.open("rb") as handle:
            header = handle.read(HEADER_BYTES)
        size = path.stat().st_size
    except OSError as error:
        raise StoreError(f"{printable(path)}: expected a readable campaign store, found"
                         f" {printable(error.strerror or error, 80)}") from None
    if not header and allow_empty:
        return
    if not header:
        raise StoreError(f"{printable(path)}: expected a campaign store (SQLite file), found"
                         " an empty file (a truncated store? remove it to start afresh)")
    if not header.startswith(SQLITE_MAGIC):
        raise StoreError(f"{printable(path)}: expected a campaign store (SQLite file), found"
                         " a file that is not an SQLite database")
    expected = _header_size(header)
    if expected is not None and size < expected:
        raise StoreError(_message(path, sqlite3.DatabaseError(
            f"a truncated store ({size:,} of the {expected:,} bytes its header records)")))


def _header_size(header: bytes) -> int | None:
    """The file size SQLite's header records (page size x page count), when the header says
    that count is valid (its change counter equals its version-valid-for number); SQLite
    reads missing pages past the end of a truncated file as zeros, and its own checks do not
    always notice."""
    if len(header) < HEADER_BYTES or header[24:28] != header[92:96]:
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    return page_size * pages if pages else None


class Store:
    """One SQLite file that can hold several campaigns (keyed by campaign hash).

    `readonly`: the store must exist, and is read without being changed."""

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path)
        check_file(self.path, allow_empty=not readonly)
        if readonly and not self.path.exists():
            raise StoreError(f"{printable(self.path)}: expected a campaign store, found no"
                             " such file")
        try:
            self._open(readonly)
        except sqlite3.DatabaseError as error:
            raise StoreError(_message(self.path, error)) from None
        self._insert = (
            f"INSERT OR IGNORE INTO runs ({', '.join(COLUMN_NAMES)})"
            f" VALUES ({', '.join('?' for _ in COLUMN_NAMES)})"
        )

    def _check_intact(self) -> None:
        """SQLite's own check of every page (before anything is written to the file)."""
        verdict = self.db.execute("PRAGMA quick_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            raise sqlite3.DatabaseError(
                f"a store SQLite reports damaged ({verdict[0] if verdict else 'no answer'})")

    def _open(self, readonly: bool) -> None:
        if readonly:
            self.db = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True,
                                      timeout=60.0, isolation_level=None)
            self._check_intact()
            found = {name for (name,) in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [name for name in REQUIRED_TABLES if name not in found]
            if missing:
                raise sqlite3.DatabaseError(f"an SQLite file without the table {missing[0]}")
            self._has_scenarios = "scenarios" in found
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        existed = self.path.exists() and self.path.stat().st_size > 0
        self.db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        if existed:
            self._check_intact()
        self._has_scenarios = True
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

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def register(self, campaign_hash: str, name: str, file: str, total_runs: int,
                 registration: dict[str, Any]) -> None:
        """Record a campaign once, with what its hash is of (`Campaign.registration`): a
        reader without the campaign file rebuilds its run keys from that. Registering it
        again writes the registration again (one from before registrations were hashed is
        replaced; any other, for the same hash, is the same)."""
        self.db.execute(
            "INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (campaign_hash) DO UPDATE SET spec = excluded.spec",
            (campaign_hash, name, file, total_runs, json.dumps(registration, sort_keys=True),
             _now()),
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

    @_reading
    def done_keys(self, campaign_hash: str) -> set[str]:
        return {
            key for (key,) in self.db.execute(
                "SELECT run_key FROM runs WHERE campaign_hash = ?", (campaign_hash,)
            )
        }

    @_reading
    def count(self, campaign_hash: str) -> int:
        (count,) = self.db.execute(
            "SELECT COUNT(*) FROM runs WHERE campaign_hash = ?", (campaign_hash,)
        ).fetchone()
        return count

    @_reading
    def unregistered(self) -> list[tuple[str, int]]:
        """(campaign hash, rows) for stored runs whose campaign the store does not register:
        only a damaged or edited store holds any."""
        return [(str(digest), count) for digest, count in self.db.execute(
            "SELECT campaign_hash, COUNT(*) FROM runs WHERE campaign_hash NOT IN"
            " (SELECT campaign_hash FROM campaigns) GROUP BY campaign_hash ORDER BY 1"
        )]

    def delete(self, campaign_hash: str) -> int:
        cursor = self.db.execute("DELETE FROM runs WHERE campaign_hash = ?", (campaign_hash,))
        return cursor.rowcount

    @_reading
    def rows(self, campaign_hash: str, decode: bool = True) -> list[dict[str, Any]]:
        """Every stored run of a campaign, in run-key (expansion) order. Decoded rows are
        checked (`decode_row`): one that is not as a run stores it carries a `problem`."""
        cursor = self.db.execute(
            f"SELECT {', '.join(COLUMN_NAMES)} FROM runs WHERE campaign_hash = ?"
            " ORDER BY ordinal, run_key",
            (campaign_hash,),
        )
        rows = [dict(zip(COLUMN_NAMES, values, strict=True)) for values in cursor]
        if decode:
            for row in rows:
                decode_row(row)
        return rows

    @_reading
    def scenario(self, scenario_hash: str) -> dict[str, Any] | None:
        """The stored scenario data of that hash (not yet re-validated), or None (also when
        the stored copy is not a JSON table: the caller then rebuilds or refuses the run)."""
        if not self._has_scenarios:
            return None
        found = self.db.execute(
            "SELECT data FROM scenarios WHERE scenario_hash = ?", (scenario_hash,)
        ).fetchone()
        if found is None:
            return None
        data = _json(found[0])
        return data if isinstance(data, dict) else None

    @_reading
    def campaigns(self, spec: bool = False) -> list[dict[str, Any]]:
        """The campaigns the store holds (with each one's `spec`, as stored, if asked)."""
        names = ("campaign_hash", "name", "file", "total_runs", "created_at") \
            + (("spec",) if spec else ())
        cursor = self.db.execute(f"SELECT {', '.join(names)} FROM campaigns ORDER BY created_at")
        return [dict(zip(names, values, strict=True)) for values in cursor]


class _NotJson:
    """What a column holds when it is not JSON (kept apart from a JSON null)."""


NOT_JSON = _NotJson()


def _json(text: Any) -> Any:
    if not isinstance(text, str | bytes):
        return NOT_JSON
    try:
        return loads(text)
    except (ValueError, RecursionError):
        return NOT_JSON


def decode_row(row: dict[str, Any]) -> None:
    """Decode a row's JSON columns in place and check it (`resultcheck.row_problem`); a row
    that fails gets `row["problem"]`, and its undecodable columns become None."""
    problem = None
    for name in JSON_COLUMNS:
        if row[name] is None:
            continue
        value = _json(row[name])
        if value is NOT_JSON:
            problem = problem or f"{name}: expected JSON, found something else"
            value = None
        row[name] = value
    problem = problem or row_problem(row)
    if problem is not None:
        row["problem"] = problem


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
