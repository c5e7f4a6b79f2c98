"""One case of the standard workload, measured in this interpreter: CPU and wall time, the
set-up (keys, DKG) apart from the run, SimPy events, peak memory and, when instrumented, the
crypto floor.

`bench.method` runs each case in its own interpreter (`python -m bridgelab.bench.workload`), so
peak memory and caches are that run's alone. This is a benchmark that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from bridgelab.scenario import parse_scenario

if TYPE_CHECKING:  # annotations only: the models load when a scenario is read
    from bridgelab.scenario.model import Scenario

STANDARD = {
    "committee_members": 21,
    "committee_threshold": 15,
    "validators": 7,
    "relayers": 3,
    "transfers_each_way": 1_000,
    # A deposit every 2 s on average, each withdrawn 30 s (on average) after it is minted.
    "deposit_interval_s": 2.0,
    "withdraw_delay_s": 30.0,
    # Batch certificates, when on: up to 64 messages per signed root, held open up to 30 s.
    "batch_max": 64,
    "batch_window_s": 30.0,
}
# label -> (custody, BLS backend, signatures)
CONFIGS = {
    "threshold-bls/blst": ("threshold-bls", "blst", "real"),
    "threshold-bls/arkworks": ("threshold-bls", "arkworks", "real"),
    "threshold-bls/py-ecc": ("threshold-bls", "py-ecc", "real"),
    "multisig": ("multisig", "arkworks", "real"),
    "threshold-bls/symbolic": ("threshold-bls", "arkworks", "symbolic"),
    "multisig/symbolic": ("multisig", "arkworks", "symbolic"),
    # EVM mode: every mint and burn executed by the contract's bytecode (batched only).
    "multisig/evm": ("multisig", "arkworks", "real"),
}
# The configurations whose bridge contract is not the model: label -> `[settlement] contract`.
CONTRACTS = {"multisig/evm": "evm"}
MODES = ("batched", "per-message")


@dataclass(frozen=True, slots=True)
class Case:
    """One benchmark run: a configuration of the standard workload."""

    custody: str
    backend: str = "arkworks"
    signatures: str = "real"
    batched: bool = True
    transfers: int = 1_000
    members: int = 21
    # Seconds between deposits: 2.0 is the standard workload; a busy bridge packs more
    # transfers into each consortium block and each batch.
    deposit_interval: float = 2.0
    # "model", or "evm": the bridge contract as bytecode in the in-process EVM.
    contract: str = "model"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def standard_scenario(
    custody: str, backend: str, transfers: int, members: int = 21, threshold: int | None = None,
    signatures: str = "real", batched: bool = False, deposit_interval: float | None = None,
    contract: str = "model",
) -> Scenario:
    """Committee `members` (threshold > 2/3), 7 validators, 3 relayers, `transfers` each way."""
    threshold = threshold or (2 * members) // 3 + 1
    relayers: dict[str, Any] = {"count": STANDARD["relayers"]}
    if batched:
        relayers.update(batch_max=STANDARD["batch_max"], batch_window=STANDARD["batch_window_s"])
    data = {
        "scenario": {"name": f"bench-{custody}-{backend}-{members}-{transfers}",
                     "duration": 10_000_000.0},
        "consortium": {"validators": STANDARD["validators"]},
        "relayers": relayers,
        "committee": {"members": members, "threshold": threshold, "required": [],
                      "custody": custody, "bls_backend": backend, "signatures": signatures},
        "settlement": {"finality_slots": 4, "contract": contract},
        "workload": {"users": 50, "deposits": transfers, "withdrawals": transfers,
                     "deposit_interval": deposit_interval or STANDARD["deposit_interval_s"],
                     "withdraw_delay": STANDARD["withdraw_delay_s"]},
    }
    return parse_scenario(data, "<bench>")


def measure(case: Case, instrumented: bool = False) -> dict[str, Any]:
    """Run one case here and now; returns its figures.

    CPU time is the process's (time.process_time); the set-up (building the world: keys, DKG)
    is timed apart, so rates are in-run transfers per CPU-second. An `instrumented` run also
    reports the crypto floor: operations per transfer and their CPU cost (it runs slower, so
    its own times are not the case's rate; they give only its actual/floor)."""
    from bridgelab.bench.floor import instrument
    from bridgelab.runner import run

    ledger = instrument() if instrumented else None
    scenario = standard_scenario(
        case.custody, case.backend, case.transfers, case.members,
        signatures=case.signatures, batched=case.batched,
        deposit_interval=case.deposit_interval, contract=case.contract,
    )
    built: list[float] = []

    def built_at(_bridge: Any) -> None:
        built.append(time.process_time())
        if ledger is not None:
            ledger.reset()  # the floor is the run's, not the set-up's key generation

    load = os.getloadavg()[0]
    cpu_started = time.process_time()
    wall_started = time.perf_counter()  # wall-clock ok: benchmark
    result = run(scenario, 1, keep_history=False, setup=built_at)
    wall = time.perf_counter() - wall_started  # wall-clock ok: benchmark
    cpu_done = time.process_time()
    setup_cpu = built[0] - cpu_started
    run_cpu = cpu_done - built[0]
    done = result.metrics["transfers"]["mints"] + result.metrics["transfers"]["releases"]
    latency = result.metrics["deposit_latency_s"]
    row: dict[str, Any] = {
        **asdict(case),
        "crypto": result.fingerprint["crypto"],
        "transfers_each_way": case.transfers,
        "transfers_completed": done,
        "all_pass": all(v != "fail" for v in result.verdicts.values()),
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu_done - cpu_started, 3),
        "setup_cpu_seconds": round(setup_cpu, 3),
        "run_cpu_seconds": round(run_cpu, 3),
        "transfers_per_cpu_second": round(done / max(run_cpu, 1e-9), 2),
        "cpu_ms_per_transfer": round(1000 * run_cpu / max(done, 1), 3),
        "simpy_events_per_transfer": round(result.sim_steps / max(done, 1), 2),
        "history_events_per_transfer": round(result.history_events / max(done, 1), 2),
        "load_average": round(load, 2),
        "deposit_latency_p50_s": latency.get("p50"),
        "signatures_per_transfer": round(
            (result.metrics["endorsements"] + result.metrics["batch_endorsements"])
            / max(done, 1), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if ledger is not None:
        row["floor_cpu_ms_per_transfer"] = round(1000 * ledger.total_cpu() / max(done, 1), 3)
        row["operations"] = ledger.per_transfer(done)
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", help="one case as JSON (used by measure_in_subprocess)")
    parser.add_argument("--instrumented", action="store_true",
                        help="time the cryptography too, for the crypto share")
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(measure(Case(**json.loads(args.case)), args.instrumented)))


if __name__ == "__main__":
    main()
