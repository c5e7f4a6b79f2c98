"""The standard workload benchmark: transfers and events per wall-clock second, peak memory
and the share of time spent in cryptography, per custody scheme and backend.

Each configuration runs in its own interpreter (`python -m bridgelab.bench.workload ...`), so
peak memory is that run's alone. This is a benchmark that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bridgelab.scenario import parse_scenario
from bridgelab.scenario.model import Scenario

STANDARD = {
    "committee_members": 21,
    "committee_threshold": 15,
    "validators": 7,
    "relayers": 3,
    "transfers_each_way": 1_000,
}
CONFIGS = {
    "threshold-bls/arkworks": ("threshold-bls", "arkworks"),
    "threshold-bls/py-ecc": ("threshold-bls", "py-ecc"),
    "multisig": ("multisig", "arkworks"),
}


def standard_scenario(
    custody: str, backend: str, transfers: int, members: int = 21, threshold: int | None = None
) -> Scenario:
    """Committee 21 with threshold 15, 7 validators, 3 relayers, `transfers` each way."""
    threshold = threshold or (2 * members) // 3 + 1
    data = {
        "scenario": {"name": f"bench-{custody}-{backend}-{members}-{transfers}",
                     "duration": 10_000_000.0},
        "consortium": {"validators": STANDARD["validators"]},
        "relayers": {"count": STANDARD["relayers"]},
        "committee": {"members": members, "threshold": threshold, "required": [],
                      "custody": custody, "bls_backend": backend},
        "settlement": {"finality_slots": 4},
        "workload": {"users": 50, "deposits": transfers, "withdrawals": transfers,
                     "deposit_interval": 2.0, "withdraw_delay": 30.0},
    }
    return parse_scenario(data, "<bench>")


_CRYPTO_SECONDS = [0.0]


def _timed(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()  # wall-clock ok: benchmark instrumentation
        try:
            return function(*args, **kwargs)
        finally:
            _CRYPTO_SECONDS[0] += time.perf_counter() - started  # wall-clock ok: benchmark

    return wrapper


def _instrument() -> None:
    """Count the time spent in signing, verifying, combining and hashing."""
    from bridgelab.crypto import ed25519, secp256k1
    from bridgelab.crypto.bls import backend

    ed25519.Ed25519Signer.sign = _timed(ed25519.Ed25519Signer.sign)
    ed25519._verify = _timed(ed25519._verify)
    secp256k1.EcdsaSigner.sign_digest = _timed(secp256k1.EcdsaSigner.sign_digest)
    secp256k1._ecrecover = _timed(secp256k1._ecrecover)
    for cls in (backend.ArkworksBackend, backend.PyEccBackend):
        for name in ("sign", "verify", "g2_lincomb", "g1_lincomb", "g1_mul_gen", "pairing_check"):
            if hasattr(cls, name):
                setattr(cls, name, _timed(getattr(cls, name)))


def measure(custody: str, backend: str, transfers: int, members: int) -> dict[str, Any]:
    """Run one configuration here and now; returns its figures."""
    from bridgelab.runner import run

    _instrument()
    scenario = standard_scenario(custody, backend, transfers, members)
    started = time.perf_counter()  # wall-clock ok: benchmark
    result = run(scenario, 1, keep_history=False)
    wall = time.perf_counter() - started  # wall-clock ok: benchmark
    done = result.metrics["transfers"]["mints"] + result.metrics["transfers"]["releases"]
    return {
        "custody": custody,
        "backend": backend,
        "members": members,
        "transfers_each_way": transfers,
        "transfers_completed": done,
        "all_pass": all(v != "fail" for v in result.verdicts.values()),
        "wall_seconds": round(wall, 3),
        "transfers_per_second": round(done / wall, 2),
        "events_per_second": round(result.sim_steps / wall, 1),
        "history_events": result.history_events,
        "crypto_share": round(_CRYPTO_SECONDS[0] / wall, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def measure_in_subprocess(custody: str, backend: str, transfers: int, members: int) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "bridgelab.bench.workload", "--one", custody, backend,
         str(transfers), str(members)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_bench(
    transfers: int = 1_000, pyecc_transfers: int = 20, sizes: tuple[int, ...] = (4, 21, 100),
    scaling_transfers: tuple[int, ...] = (100, 1_000),
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    rows = []
    for label, (custody, backend) in CONFIGS.items():
        count = pyecc_transfers if backend == "py-ecc" else transfers
        if progress:
            progress(f"{label}: {count} transfers each way")
        rows.append({"config": label, **measure_in_subprocess(custody, backend, count, 21)})
    committee = []
    for members in sizes:
        if progress:
            progress(f"committee scaling: multisig, n = {members}")
        committee.append(measure_in_subprocess("multisig", "arkworks", 100, members))
    length = []
    for count in scaling_transfers:
        if progress:
            progress(f"length scaling: multisig, {count} transfers each way")
        length.append(measure_in_subprocess("multisig", "arkworks", count, 21))
    return {"standard": STANDARD, "configs": rows, "committee_scaling": committee,
            "length_scaling": length}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", nargs=4, metavar=("CUSTODY", "BACKEND", "TRANSFERS", "MEMBERS"))
    args = parser.parse_args(argv)
    if args.one:
        custody, backend, transfers, members = args.one
        print(json.dumps(measure(custody, backend, int(transfers), int(members))))


if __name__ == "__main__":
    main()
