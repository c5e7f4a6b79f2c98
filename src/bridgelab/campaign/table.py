"""A stored campaign as one typed table: a column per fact, the same type in every campaign.

Fixed columns have fixed types (an empty column is still `float64`, never Arrow's `null`);
booleans are booleans, times are UTC timestamps, lists are lists. Columns that depend on the
campaign (`param.*`, `profile.*`, `verdict.*`) take the type their values share. Parquet files
carry the campaign's name, hash and the schema version in their metadata.
"""

from __future__ import annotations

import datetime
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgelab.campaign.export import flat_rows

TABLE_SCHEMA_VERSION = "1"

# Arrow type names: "string", "int64", "float64", "bool", "timestamp", "list<string>".
FIXED_TYPES: dict[str, str] = {
    "campaign_hash": "string", "run_key": "string", "ordinal": "int64", "config": "int64",
    "arm": "string", "seed": "int64", "status": "string", "exit_code": "int64",
    "safety_violation": "bool", "scenario_hash": "string", "history_sha256": "string",
    "history_events": "int64", "history_path": "string", "sim_time": "float64",
    "settled": "bool", "wall_time_s": "float64", "worker": "string",
    "finished_at": "timestamp", "error": "string", "failed": "list<string>",
    "profile.faults": "list<string>",
    "outcome.value_extracted": "float64", "outcome.unbacked_minted_peak": "float64",
    "outcome.unbacked_minted_final": "float64", "outcome.dwell_s": "float64",
    "outcome.time_to_detect_s": "float64", "outcome.time_to_pause_s": "float64",
    "probe.compromised_seats": "int64", "probe.queue.served": "int64",
    "probe.queue.wait_mean_s": "float64",
    "params_json": "string", "profile_json": "string", "verdicts_json": "string",
    "metrics_json": "string", "probes_json": "string", "fingerprint_json": "string",
}


def _shared_type(values: list[Any]) -> str:
    kinds = {type(value) for value in values if value is not None}
    if not kinds or kinds == {str}:
        return "string"
    if kinds == {bool}:
        return "bool"
    if kinds == {int}:
        return "int64"
    if kinds <= {int, float}:
        return "float64"
    return "json"  # anything else is kept as JSON text


def _convert(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "int64":
        return int(value)
    if kind == "float64":
        return float(value)
    if kind == "timestamp":
        stamp = datetime.datetime.fromisoformat(value)
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=datetime.UTC)
    if kind == "list<string>":
        return [str(item) for item in value]
    if kind == "json":
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def typed_rows(rows: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Flat rows with every value of its column's type, and the column types in order."""
    flat = flat_rows(rows, lists=True)
    columns: dict[str, str] = dict(FIXED_TYPES)
    for record in flat:
        for name in record:
            if name not in columns:
                columns[name] = ""  # typed below, from every row's value
    for name, kind in columns.items():
        if not kind:
            columns[name] = _shared_type([record.get(name) for record in flat])
    typed = [{name: _convert(record.get(name), kind) for name, kind in columns.items()}
             for record in flat]
    return typed, {name: ("string" if kind == "json" else kind) for name, kind in columns.items()}


def arrow_schema(columns: dict[str, str], metadata: dict[str, str]) -> Any:
    from bridgelab.extras import require

    pa = require("pyarrow", "parquet", "an Arrow table")

    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(),
             "bool": pa.bool_(), "timestamp": pa.timestamp("ms", tz="UTC"),
             "list<string>": pa.list_(pa.string())}
    return pa.schema([pa.field(name, types[kind]) for name, kind in columns.items()],
                     metadata={f"bridgelab.{key}": value for key, value in metadata.items()})


@dataclass
class CampaignResults:
    """A stored campaign's runs, one typed record per run, ready for a DataFrame.

    `to_pandas()` and `to_arrow()` need the `pandas` / `pyarrow` packages; `rows` and
    `columns` need nothing. In a notebook the object shows itself as a summary table.
    `total_runs` is None when the store's registration of the campaign does not check
    (`unregistered` says why): then nothing says how many runs it has, nor which are its."""

    name: str
    campaign_hash: str
    total_runs: int | None
    rows: list[dict[str, Any]]
    columns: dict[str, str]
    left_out: list[str] = field(default_factory=list)
    # Why each row in `left_out` is: not a run of the campaign, its history missing or
    # not what the row says, or a row the store could not decode.
    problems: dict[str, list[str]] = field(default_factory=dict)
    unregistered: str | None = None

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def complete(self) -> bool:
        return self.unregistered is None and len(self.rows) == self.total_runs

    @property
    def metadata(self) -> dict[str, str]:
        from bridgelab.version import __version__

        return {"schema_version": TABLE_SCHEMA_VERSION, "version": __version__,
                "campaign.name": self.name, "campaign.hash": self.campaign_hash,
                "campaign.total_runs": str(self.total_runs),
                "campaign.complete": str(self.complete).lower()}

    def to_arrow(self) -> Any:
        from bridgelab.extras import require

        pa = require("pyarrow", "parquet", "to_arrow()")

        return pa.Table.from_pylist(self.rows, schema=arrow_schema(self.columns, self.metadata))

    def to_pandas(self) -> Any:
        return self.to_arrow().to_pandas()

    def _repr_html_(self) -> str:
        failed = sum(1 for row in self.rows if row["exit_code"] == 1)
        total = "an unknown number of" if self.total_runs is None else f"{self.total_runs:,}"
        head = (f"<p><b>{html.escape(self.name)}</b> ({html.escape(self.campaign_hash[:12])}):"
                f" {len(self.rows):,} of {total} runs stored, {failed:,} with a"
                f" property failed, {len(self.left_out):,} left out (unreadable, their history"
                " missing or not what they say, or not its runs)</p>")
        if self.unregistered is not None:
            head += (f"<p>The store's registration of this campaign does not check"
                     f" ({html.escape(self.unregistered)}): its rows cannot be matched to"
                     " its runs.</p>")
        shown = ("run_key", "arm", "seed", "status", "exit_code", "safety_violation",
                 "outcome.value_extracted")
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(row.get(name)))}</td>" for name in shown)
            + "</tr>" for row in self.rows[:20])
        header = "".join(f"<th>{html.escape(name)}</th>" for name in shown)
        more = f"<p>… and {len(self.rows) - 20:,} more</p>" if len(self.rows) > 20 else ""
        return f"{head}<table><tr>{header}</tr>{cells}</table>{more}"


def load_campaign(store: str | Path, campaign: str | None = None) -> CampaignResults:
    """The runs of one campaign in a campaign store (SQLite), as typed records.

    `campaign` is a campaign's name or hash prefix; it may be left out when the store holds one
    campaign. The rows are those `campaign-export` would carry: a row under a key that is not
    one of the campaign's runs, a completed row whose history is missing or does not verify,
    or a row the store cannot decode is left out and named in `left_out`, with its reasons
    in `problems`. Every history is read and hashed, so a large campaign takes a while."""
    from bridgelab.campaign.runkeys import registered_campaign
    from bridgelab.campaign.store import Store
    from bridgelab.campaign.verdict import verified_rows

    store_path = Path(store)
    with Store(store_path, readonly=True) as opened:
        known = opened.campaigns(spec=True)
        chosen = [entry for entry in known if campaign is None
                  or entry["name"] == campaign or entry["campaign_hash"].startswith(campaign)]
        if len(chosen) != 1:
            names = ", ".join(f"{entry['name']} ({entry['campaign_hash'][:12]})"
                              for entry in known) or "none"
            raise ValueError(f"{store}: expected one campaign matching {campaign!r}; the store"
                             f" holds: {names}")
        entry = chosen[0]
        stored = opened.rows(entry["campaign_hash"])
    registered = registered_campaign(entry)
    unregistered = registered if isinstance(registered, str) else None
    rows, excluded = verified_rows(stored, store_path, None if unregistered else registered)
    typed, columns = typed_rows(rows)
    return CampaignResults(
        str(entry["name"]), str(entry["campaign_hash"]),
        None if unregistered else registered.total_runs(), typed, columns,
        [item["run_key"] for item in excluded],
        {item["run_key"]: item["problems"] for item in excluded}, unregistered,
    )
