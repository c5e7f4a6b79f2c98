"""Execute one campaign run and turn it into a store row; the same code on every executor.

Pool workers are forked from a fork server that imported what a run needs once per campaign
(`campaign/forkserver.py`); Dask workers import bridgelab themselves. Either way a worker starts
from the state of fresh imports, and a run depends only on its (scenario, seed), never on
what the worker ran before, so the same run gives the same history hash on any worker.
"""

from __future__ import annotations

import inspect
import os
import socket
import threading
import time
import traceback
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bridgelab.campaign.runkeys import canonical
from bridgelab.campaign.runspec import RunSpec
from bridgelab.signals import ignore_in_worker

PARENT_POLL_S = 0.5
# The process that imported this module: a pool worker forked from the fork server finds
# the server's pid here, not its own (what tests/campaign/test_worker_imports.py checks).
IMPORTED_BY_PID = os.getpid()
_HAS_PROC = Path("/proc/self/stat").is_file()


def init_pool_worker(parent_pid: int) -> None:
    """Pool initialiser: exit when the campaign's process is gone (e.g. killed with SIGKILL);
    leave SIGINT and SIGTERM to it, which stops the campaign (the store keeps what is
    complete) and then the workers.

    A worker forked from the fork server is the server's child, not the campaign's, so it
    watches the campaign's process itself (its pid and start time), not its own parent."""
    ignore_in_worker()
    parent = process_identity(parent_pid)

    def watch() -> None:
        while True:
            if parent is None or process_identity(parent_pid) != parent:
                os._exit(0)
            time.sleep(PARENT_POLL_S)

    threading.Thread(target=watch, name="bridgelab-parent-watch", daemon=True).start()


def process_identity(pid: int) -> str | None:
    """What tells a live process from a pid reused by another: its start time where /proc
    has it (Linux), else only that the pid exists. None once it is gone or a zombie."""
    if not _HAS_PROC:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:  # alive, someone else's
            pass
        return str(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name (which may hold spaces): state, ..., start time (22nd).
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]


def probes(records: Iterable[dict[str, Any]], warmup: int) -> dict[str, Any]:
    """Campaign-level facts read from the history: seats compromised, relayer queue waits.

    The pure reference over a saved history; runs feed the same fold (`Probes`) as they go."""
    fold = Probes(warmup)
    for record in records:
        fold.add(record)
    return fold.result()


class Probes:
    """The fold behind `probes`, fed while the run writes its history (waits as flat floats)."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.seats: set[int] = set()
        self.waits: dict[str, array[float]] = {}

    def add(self, record: dict[str, Any]) -> None:
        kind = record["kind"]
        if kind == "attack.compromise":
            self.seats.update(record.get("held", record.get("seats", [])))
        elif kind == "relay.service":
            self.waits.setdefault(record["actor"], array("d")).append(record["wait"])

    def result(self) -> dict[str, Any]:
        waits, warmup = self.waits, self.warmup
        result: dict[str, Any] = {"compromised_seats": len(self.seats)}
        if waits:
            # The first relayer's queue (with one relayer, the only one) is the theory's M/M/1.
            first = waits[sorted(waits)[0]]
            kept = first[warmup:]
            result["queue"] = {
                "relayer": sorted(waits)[0],
                "served": len(first),
                "warmup": min(warmup, len(first)),
                "wait_sum_s": round(sum(kept), 6),
                "wait_mean_s": round(sum(kept) / len(kept), 6) if kept else None,
                "all_relayers_served": sum(len(w) for w in waits.values()),
            }
        return result


def execute_run(spec: RunSpec) -> dict[str, Any]:
    """Run one spec; never raises: a failing run becomes an `error` row (it is deterministic,
    so it would fail again)."""
    from bridgelab import runner
    from bridgelab.scenario import parse_scenario

    row: dict[str, Any] = {
        "campaign_hash": spec.campaign_hash,
        "run_key": spec.run_key,
        "ordinal": spec.ordinal,
        "config": spec.config,
        "arm": spec.arm,
        "seed": spec.seed,
        "params": canonical(spec.params),
        "profile": None if spec.profile is None else canonical(spec.profile),
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    started = time.perf_counter()  # wall-clock ok: reported run time, not model input
    try:
        scenario = parse_scenario(spec.scenario, spec.run_key)
        probe_fold = Probes(spec.warmup)

        def setup(bridge: Any) -> None:
            bridge.world.history.subscribe_records(probe_fold.add)

        kwargs: dict[str, Any] = {"setup": setup}
        if spec.base_dir is not None and "base_dir" in inspect.signature(runner.run).parameters:
            kwargs["base_dir"] = Path(spec.base_dir)
        out_dir = Path(spec.history_dir) if spec.history_dir else None
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        result = runner.run(scenario, spec.seed, out_dir, **kwargs)
        metrics = dict(result.metrics)
        performance = dict(metrics.get("performance", {}))
        performance.pop("wall_time_s", None)
        metrics["performance"] = performance
        failed = sorted(prop for prop, verdict in result.verdicts.items() if verdict == "fail")
        row.update(
            status="ok",
            exit_code=result.exit_code,
            safety_violation=int(any(prop.startswith("safety.") for prop in failed)),
            failed=canonical(failed),
            verdicts=canonical(result.verdicts),
            metrics=canonical(metrics),
            probes=canonical(probe_fold.result()),
            fingerprint=canonical(result.fingerprint),
            scenario_hash=result.fingerprint.get("scenario_hash"),
            scenario_data=canonical(scenario.model_dump(mode="json", exclude_none=True)),
            history_sha256=result.history_sha256,
            history_events=result.history_events,
            history_path=str(out_dir / "history.jsonl") if out_dir is not None else None,
            sim_time=round(result.sim_time, 6),
            settled=int(result.settled),
            error=None,
        )
    except Exception as exc:  # a broken run is a result, not a crash
        row.update(
            status="error",
            exit_code=None,
            safety_violation=None,
            failed=None,
            verdicts=None,
            metrics=None,
            probes=None,
            fingerprint=None,
            scenario_hash=None,
            scenario_data=None,
            history_sha256=None,
            history_events=None,
            history_path=None,
            sim_time=None,
            settled=None,
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}",
        )
    row["wall_time_s"] = round(time.perf_counter() - started, 6)
    return row


def execute_batch(specs: list[RunSpec]) -> list[dict[str, Any]]:
    """Several runs in one task (less IPC per run); each is still its own independent run."""
    return [execute_run(spec) for spec in specs]


# The files of a run directory that travel back from a remote worker (see `execute_shipped`).
SHIPPED_FILES = ("scenario.toml", "history.jsonl", "results.json")


def execute_shipped(spec: RunSpec) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Run one spec on a worker that may be another host: its run directory is made in a
    scratch folder there and its files come back (zlib-compressed) with the row, for the
    parent to write where the campaign keeps histories. A worker never writes to the
    parent's paths, which on another host would be its own disk."""
    import dataclasses
    import tempfile
    import zlib

    if spec.history_dir is None:
        return execute_run(spec), {}
    with tempfile.TemporaryDirectory(prefix="bridgelab-run-") as scratch:
        local = Path(scratch) / "run"
        row = execute_run(dataclasses.replace(spec, history_dir=str(local)))
        files = {name: zlib.compress((local / name).read_bytes())
                 for name in SHIPPED_FILES if (local / name).is_file()}
    if row.get("history_path") is not None:
        row["history_path"] = str(Path(spec.history_dir) / "history.jsonl")
    return row, files


def land_shipped(spec_dir: str, row: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """Write a shipped run directory under `spec_dir` (the parent's path) and check that the
    history written is the one the row's hash names; a mismatch makes the row an error."""
    import hashlib
    import zlib

    out = Path(spec_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, packed in files.items():
        if name in SHIPPED_FILES:
            (out / name).write_bytes(zlib.decompress(packed))
    expected = row.get("history_sha256")
    if expected is not None:
        written = (out / "history.jsonl").read_bytes() if (out / "history.jsonl").is_file() \
            else b""
        if hashlib.sha256(written).hexdigest() != expected:
            row = dict(row, status="error", exit_code=None,
                       error=f"the history shipped back to {out} does not match its hash")
    return row

