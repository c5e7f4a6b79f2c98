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
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bridgelab.scenario import parse_scenario
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
    "threshold-bls/arkworks": ("threshold-bls", "arkworks", "real"),
    "threshold-bls/py-ecc": ("threshold-bls", "py-ecc", "real"),
    "multisig": ("multisig", "arkworks", "real"),
    "threshold-bls/symbolic": ("threshold-bls", "arkworks", "symbolic"),
    "multisig/symbolic": ("multisig", "arkworks", "symbolic"),
}
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

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def standard_scenario(
    custody: str, backend: str, transfers: int, members: int = 21, threshold: int | None = None,
    signatures: str = "real", batched: bool = False, deposit_interval: float | None = None,
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
        "settlement": {"finality_slots": 4},
        "workload": {"users": 50, "deposits": transfers, "withdrawals": transfers,
                     "deposit_interval": deposit_interval or STANDARD["deposit_interval_s"],
                     "withdraw_delay": STANDARD["withdraw_delay_s"]},
    }
    return parse_scenario(data, "<bench>")


_CRYPTO_SECONDS = [0.0]
# Only the outermost timed call counts: a symbolic BLS operation calls timed arkworks ones.
_TIMED_DEPTH = [0]
# Longer cases report no crypto share: a second, instrumented run would double their time.
CRYPTO_SHARE_MAX_TRANSFERS = 1_000
_INSTRUMENTED: list[bool] = []  # non-empty once the crypto calls are wrapped


def _timed(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _TIMED_DEPTH[0] += 1
        started = time.perf_counter()  # wall-clock ok: benchmark instrumentation
        try:
            return function(*args, **kwargs)
        finally:
            _TIMED_DEPTH[0] -= 1
            if _TIMED_DEPTH[0] == 0:
                _CRYPTO_SECONDS[0] += time.perf_counter() - started  # wall-clock ok: benchmark

    return wrapper


def _instrument() -> None:
    """Count the time spent in signing, verifying, combining and hashing to the curve,
    real or symbolic (the symbolic stand-ins are timed the same way)."""
    from bridgelab.core import memo
    from bridgelab.crypto import ed25519, secp256k1, symbolic
    from bridgelab.crypto.bls import backend

    if _INSTRUMENTED:
        return
    _INSTRUMENTED.append(True)
    ed25519.Ed25519Signer.sign = _timed(ed25519.Ed25519Signer.sign)
    # The raw computations behind the memos: only a look-up's miss runs them, as in a run.
    for memoised in (symbolic.recover_signer, ed25519.verify):
        memoised.memo.function = _timed(memo.raw(memoised))
    symbolic.symbolic_ed25519_verify = _timed(symbolic.symbolic_ed25519_verify)
    secp256k1.EcdsaSigner.sign_digest = _timed(secp256k1.EcdsaSigner.sign_digest)
    symbolic.SymbolicEcdsaSigner.sign_digest = _timed(symbolic.SymbolicEcdsaSigner.sign_digest)
    symbolic.SymbolicEd25519Signer.sign = _timed(symbolic.SymbolicEd25519Signer.sign)
    for cls in (backend.ArkworksBackend, backend.PyEccBackend, symbolic.SymbolicBackend):
        for name in ("sign", "verify", "g2_lincomb", "g1_lincomb", "g1_mul_gen", "pairing_check"):
            if name in vars(cls):
                setattr(cls, name, _timed(getattr(cls, name)))


def measure(case: Case, instrumented: bool = False) -> dict[str, Any]:
    """Run one case here and now; returns its figures.

    Timing every signature call slows a run, so a timed run is not instrumented and reports
    no crypto share; an `instrumented` run reports the share of its time in cryptography."""
    from bridgelab.runner import run

    if instrumented:
        _instrument()
        _CRYPTO_SECONDS[0] = 0.0
    scenario = standard_scenario(
        case.custody, case.backend, case.transfers, case.members,
        signatures=case.signatures, batched=case.batched,
        deposit_interval=case.deposit_interval,
    )
    started = time.perf_counter()  # wall-clock ok: benchmark
    result = run(scenario, 1, keep_history=False)
    wall = time.perf_counter() - started  # wall-clock ok: benchmark
    done = result.metrics["transfers"]["mints"] + result.metrics["transfers"]["releases"]
    latency = result.metrics["deposit_latency_s"]
    return {
        **asdict(case),
        "crypto": result.fingerprint["crypto"],
        "transfers_each_way": case.transfers,
        "transfers_completed": done,
        "all_pass": all(v != "fail" for v in result.verdicts.values()),
        "wall_seconds": round(wall, 3),
        "transfers_per_second": round(done / wall, 2),
        "ms_per_transfer": round(1000 * wall / max(done, 1), 3),
        "events_per_second": round(result.sim_steps / wall, 1),
        "history_events_per_second": round(result.history_events / wall, 1),
        "history_events": result.history_events,
        "crypto_share": round(_CRYPTO_SECONDS[0] / wall, 3) if instrumented else None,
        "deposit_latency_p50_s": latency.get("p50"),
        "signatures_per_transfer": round(
            (result.metrics["endorsements"] + result.metrics["batch_endorsements"])
            / max(done, 1), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def measure_in_subprocess(case: Case) -> dict[str, Any]:
    """One case in a fresh interpreter, so peak memory and caches are that run's alone; for
    cases of up to `CRYPTO_SHARE_MAX_TRANSFERS` each way, the crypto share comes from an
    instrumented run of the same case in another fresh interpreter."""
    row = _in_subprocess(case, instrumented=False)
    if case.transfers <= CRYPTO_SHARE_MAX_TRANSFERS:
        row["crypto_share"] = _in_subprocess(case, instrumented=True)["crypto_share"]
    return row


def _in_subprocess(case: Case, instrumented: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", "bridgelab.bench.workload", "--case", case.to_json()]
    completed = subprocess.run(
        command + (["--instrumented"] if instrumented else []),
        capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark case {case} failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def campaign_rate(runs: int, jobs: int) -> dict[str, Any]:
    """Runs per second of the shipped throughput campaign (small complete bridges)."""
    from bridgelab.campaign.execute import run_campaign
    from bridgelab.campaign.spec import load_campaign
    from bridgelab.campaign.store import Store

    campaign = load_campaign(Path(__file__).resolve().parents[3] / "campaigns/throughput.toml")
    with tempfile.TemporaryDirectory() as scratch, Store(Path(scratch) / "bench.db") as store:
        tally = run_campaign(campaign, store, jobs=jobs, fresh=True, max_runs=runs)
    return {
        "campaign": "campaigns/throughput.toml", "runs": tally.done, "jobs": jobs,
        "errors": tally.errors, "elapsed_s": round(tally.elapsed_s, 2),
        "runs_per_second": round(tally.runs_per_s, 2),
        "steady_runs_per_second": (None if tally.steady_runs_per_s is None
                                   else round(tally.steady_runs_per_s, 2)),
    }


def run_bench(
    transfers: int = 1_000, pyecc_transfers: int = 20, sizes: tuple[int, ...] = (4, 21, 100),
    lengths: tuple[int, ...] = (100, 1_000, 10_000), symbolic_lengths: tuple[int, ...] = (),
    modes: tuple[str, ...] = MODES, configs: tuple[str, ...] = tuple(CONFIGS),
    scaling_transfers: int = 200, campaign_runs: int = 200, campaign_jobs: tuple[int, ...] = (1,),
    deposit_interval: float = STANDARD["deposit_interval_s"], repeats: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The whole benchmark: configurations, committee scaling, run-length scaling, campaigns.

    Each standard-workload row is the median of `repeats` runs by transfers per second (a
    shared machine's speed varies from run to run); the row lists every run's rate."""

    def step(text: str, case: Case, times: int = 1) -> dict[str, Any]:
        runs = []
        for attempt in range(times):
            if progress:
                progress(text if times == 1 else f"{text} (run {attempt + 1} of {times})")
            runs.append(measure_in_subprocess(case))
        runs.sort(key=lambda row: row["transfers_per_second"])
        return {**runs[(len(runs) - 1) // 2],
                "runs_transfers_per_second": [row["transfers_per_second"] for row in runs]}

    rows = []
    for label in configs:
        custody, backend, signatures = CONFIGS[label]
        count = pyecc_transfers if backend == "py-ecc" else transfers
        for mode in modes:
            case = Case(custody, backend, signatures, mode == "batched", count,
                        deposit_interval=deposit_interval)
            rows.append({"config": label, "mode": mode,
                         **step(f"{label}, {mode}: {count} transfers each way", case,
                                1 if backend == "py-ecc" else repeats)})
    committee = []
    for custody in ("multisig", "threshold-bls"):
        for members in sizes:
            case = Case(custody, transfers=scaling_transfers, members=members)
            committee.append({"config": f"{custody} n={members}", "mode": "batched",
                              **step(f"committee scaling: {custody}, n = {members}", case)})
    length = []
    for count in lengths:
        case = Case("multisig", transfers=count)
        length.append({"config": "multisig", "mode": "batched",
                       **step(f"length scaling: multisig, {count} each way", case)})
    for count in symbolic_lengths:
        case = Case("multisig", signatures="symbolic", transfers=count)
        length.append({"config": "multisig/symbolic", "mode": "batched",
                       **step(f"length scaling: multisig/symbolic, {count} each way", case)})
    campaigns = []
    for jobs in campaign_jobs:
        if progress:
            progress(f"campaign throughput: {campaign_runs} runs, {jobs} job(s)")
        campaigns.append(campaign_rate(campaign_runs, jobs))
    return {"standard": {**STANDARD, "deposit_interval_s": deposit_interval}, "configs": rows,
            "committee_scaling": committee, "length_scaling": length, "campaigns": campaigns,
            "targets": targets(rows, committee, length)}


def targets(rows: list[dict], committee: list[dict], length: list[dict]) -> list[dict[str, Any]]:
    """The performance targets, each judged from the figures above (None: not measured)."""

    def rate(label: str, mode: str = "batched") -> float | None:
        found = [row["transfers_per_second"] for row in rows
                 if row["config"] == label and row["mode"] == mode]
        return found[0] if found else None

    checks: list[dict[str, Any]] = []

    def at_least(name: str, value: float | None, bound: float) -> None:
        checks.append({"target": name, "measured": value, "bound": bound,
                       "met": None if value is None else value >= bound})

    at_least("threshold BLS (arkworks) transfers/s", rate("threshold-bls/arkworks"), 100)
    at_least("multisig transfers/s", rate("multisig"), 300)
    symbolic = [rate("multisig/symbolic"), rate("threshold-bls/symbolic")]
    best_symbolic = max((value for value in symbolic if value), default=None)
    at_least("symbolic transfers/s", best_symbolic, 3_000)
    # Per-message rows where measured: one signature per message on both backends, so the
    # ratio is the backends', not the batching's.
    mode = "per-message" if rate("threshold-bls/py-ecc", "per-message") else "batched"
    fast, slow = rate("threshold-bls/arkworks", mode), rate("threshold-bls/py-ecc", mode)
    at_least("arkworks / py-ecc speed-up", None if not (fast and slow) else round(fast / slow, 1),
             100)
    for custody in ("multisig", "threshold-bls"):
        sized = sorted((row["members"], row["ms_per_transfer"]) for row in committee
                       if row["custody"] == custody)
        if len(sized) >= 2:
            (small_n, small_cost), (large_n, large_cost) = sized[0], sized[-1]
            growth = large_cost / small_cost
            checks.append({"target": f"{custody}: cost per transfer grows at most linearly in n",
                           "measured": round(growth, 2), "bound": large_n / small_n,
                           "met": growth <= large_n / small_n})
    largest = max(length, key=lambda row: row["transfers_each_way"], default=None)
    if largest is not None:
        checks.append({"target": "peak memory at the longest run (MB)",
                       "measured": largest["peak_rss_mb"], "bound": 500,
                       "transfers_each_way": largest["transfers_each_way"],
                       "met": largest["peak_rss_mb"] <= 500})
    return checks


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
