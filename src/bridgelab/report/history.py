"""Series read from a run's `history.jsonl`: per-transfer latencies, the minted-minus-locked
gap over time, fault windows, and the entities the adversary compromised.

One streaming pass per file; lines whose kind the report does not need are skipped before
they are parsed (settlement blocks dominate long histories).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bridgelab.report import words
from bridgelab.resultcheck import bounded_recursion

KIND = re.compile(r'"kind":"([^"]+)"')
WANTED = frozenset({
    "user.lock", "user.burn", "lock", "burn", "mint", "release", "settlement.reorg",
    "fault.start", "fault.heal", "attack.compromise",
})
MAX_POINTS = 400


def read_series(path: str | Path, config: dict[str, Any] | None) -> dict[str, Any] | None:
    """Latencies, the gap series and compromised entities of one run; None if unreadable."""
    path = Path(path)
    if not path.is_file():
        return None
    lock_started: dict[str, float] = {}
    burn_started: dict[str, float] = {}
    lock_tx: dict[int, str] = {}
    burn_tx: dict[int, str] = {}
    deposits: list[float] = []
    withdrawals: list[float] = []
    minted = burned = locked = released = 0
    points: list[tuple[float, int]] = [(0.0, 0)]
    seats: set[int] = set()
    end = 0.0
    try:
        # Parsed with a bounded recursion: a history (consistent with its recorded hash, but
        # not written by a run) nested deep enough would otherwise crash the process.
        with bounded_recursion(), path.open(encoding="utf-8") as handle:
            for line in handle:
                match = KIND.search(line)
                if match is None:
                    continue
                kind = match.group(1)
                if kind not in WANTED:
                    if kind == "run.end":
                        end = json.loads(line)["t"]
                    continue
                record = json.loads(line)
                t = record["t"]
                end = max(end, t)
                if kind == "user.lock":
                    lock_started[record["tx"]] = t
                elif kind == "user.burn":
                    burn_started[record["tx"]] = t
                elif kind == "lock":
                    lock_tx[record["nonce"]] = record["tx"]
                    locked += record["amount"]
                elif kind == "burn":
                    burn_tx[record["nonce"]] = record["tx"]
                    burned += record["amount"]
                elif kind == "mint":
                    minted += record["amount"]
                    started = lock_started.get(lock_tx.get(record["nonce"], ""))
                    if started is not None:
                        deposits.append(round(t - started, 3))
                elif kind == "release":
                    released += record["amount"]
                    started = burn_started.get(burn_tx.get(record["nonce"], ""))
                    if started is not None:
                        withdrawals.append(round(t - started, 3))
                elif kind == "settlement.reorg":
                    for item in record.get("reverted", []):
                        if item.get("kind") == "mint":
                            minted -= item["amount"]
                        elif item.get("kind") == "burn":
                            burned -= item["amount"]
                elif kind == "attack.compromise":
                    seats.update(record.get("held", record.get("seats", [])))
                if kind in ("lock", "burn", "mint", "release", "settlement.reorg"):
                    points.append((t, (minted - burned) - (locked - released)))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        # A history is hash-checked before it is read here; one that is still not as a run
        # writes it (its hash recorded with it) gives no series rather than a crash.
        return None
    points.append((end, points[-1][1]))
    compromised = None
    if seats and config is not None:
        compromised = len(words.entities_of_members(config, sorted(seats)))
    return {
        "deposit_latency_s": deposits,
        "withdrawal_latency_s": withdrawals,
        "gap": downsample(points),
        "end": end,
        "compromised_seats": len(seats),
        "compromised_entities": compromised,
    }


def downsample(points: list[tuple[float, int]], limit: int = MAX_POINTS) -> list[list[float]]:
    """At most `limit` step points, keeping every local extreme of each bucket."""
    if len(points) <= limit:
        return [[round(t, 3), v] for t, v in points]
    buckets = limit // 3
    size = len(points) / buckets
    kept: list[tuple[float, int]] = []
    for index in range(buckets):
        chunk = points[int(index * size): int((index + 1) * size)] or []
        if not chunk:
            continue
        low = min(chunk, key=lambda p: p[1])
        high = max(chunk, key=lambda p: p[1])
        for point in sorted({chunk[0], low, high}, key=lambda p: p[0]):
            kept.append(point)
    kept.append(points[-1])
    return [[round(t, 3), v] for t, v in kept]


def collect(records: list[Any], on_run=None, per_group: int = 60) -> dict[str, dict[str, Any]]:
    """Series for the records whose history is on disk, by run id: at most `per_group` runs
    per configuration and attack (the plots need a sample, not a large campaign's every run),
    but every key-compromise run (each adds a point to the loss plot)."""
    series: dict[str, dict[str, Any]] = {}
    taken: dict[tuple[str, str], int] = {}
    for count, record in enumerate(records, start=1):
        group = (record.config_key(), record.attack_key())
        wanted = taken.get(group, 0) < per_group or record.family == "key compromise"
        if record.history_path and wanted:
            taken[group] = taken.get(group, 0) + 1
            read = read_series(record.history_path, record.config)
            if read is not None:
                series[record.id] = read
        if on_run is not None:
            on_run(count)
    return series
