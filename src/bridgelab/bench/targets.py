"""The performance targets, each judged from the rows of one benchmark run (None: not measured).

Rates are in-run transfers per CPU-second (committee 21, threshold 15, batched unless said).
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]

# EVM mode should run at no less than this share of model mode's transfers per second.
EVM_SHARE = 1 / 3
REAL_BLS = ("threshold-bls/blst", "threshold-bls/arkworks")


def _rate(rows: list[Row], label: str, mode: str = "batched") -> float | None:
    found = [row["transfers_per_cpu_second"] for row in rows
             if row["config"] == label and row["mode"] == mode]
    return found[0] if found else None


def _field(rows: list[Row], label: str, key: str, mode: str = "batched") -> float | None:
    found = [row.get(key) for row in rows if row["config"] == label and row["mode"] == mode]
    return found[0] if found else None


def _fastest_bls(rows: list[Row], mode: str) -> tuple[str | None, float | None]:
    measured = [(rate, label) for label in REAL_BLS
                if (rate := _rate(rows, label, mode)) is not None]
    if not measured:
        return None, None
    rate, label = max(measured)
    return label, rate


def targets(rows: list[Row], committee: list[Row], length: list[Row],
            campaigns: list[Row] | None = None) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []

    def at_least(name: str, value: float | None, bound: float) -> None:
        checks.append({"target": name, "measured": value, "bound": bound, "kind": ">=",
                       "met": None if value is None else value >= bound})

    def at_most(name: str, value: float | None, bound: float) -> None:
        checks.append({"target": name, "measured": value, "bound": bound, "kind": "<=",
                       "met": None if value is None else value <= bound})

    label, rate = _fastest_bls(rows, "batched")
    at_least(f"threshold BLS batched transfers/CPU-s ({label or 'not run'})", rate, 400)
    label_pm, rate_pm = _fastest_bls(rows, "per-message")
    at_least(f"threshold BLS per message transfers/CPU-s ({label_pm or 'not run'})", rate_pm, 100)
    at_least("multisig batched transfers/CPU-s", _rate(rows, "multisig"), 1_200)
    evm, model = _rate(rows, "multisig/evm"), _rate(rows, "multisig")
    at_least("EVM mode / model mode transfers/CPU-s (multisig, batched)",
             round(evm / model, 3) if evm and model else None, round(EVM_SHARE, 3))
    at_least("symbolic multisig batched transfers/CPU-s", _rate(rows, "multisig/symbolic"), 6_000)
    at_most(f"threshold BLS actual/crypto floor ({label or 'not run'})",
            _field(rows, label, "actual_over_floor") if label else None, 1.25)
    at_most("multisig actual/crypto floor", _field(rows, "multisig", "actual_over_floor"), 1.4)
    fast = _rate(rows, "threshold-bls/arkworks", "per-message")
    slow = _rate(rows, "threshold-bls/py-ecc", "per-message")
    at_least("arkworks / py-ecc in-run speed-up (per message)",
             round(fast / slow, 1) if fast and slow else None, 100)
    at_least("campaign: two jobs over one (>= 200 runs)", campaign_speedup(campaigns or []),
             1.8)
    for custody in ("multisig", "threshold-bls"):
        sized = sorted((row["members"], row["cpu_ms_per_transfer"]) for row in committee
                       if row["custody"] == custody)
        if len(sized) >= 2:
            (small_n, small_cost), (large_n, large_cost) = sized[0], sized[-1]
            growth = round(large_cost / small_cost, 2) if small_cost else None
            at_most(f"{custody}: cost per transfer grows at most linearly in n", growth,
                    large_n / small_n)
    largest = max(length, key=lambda row: row["transfers_each_way"], default=None)
    if largest is not None:
        at_most(f"peak memory at {largest['transfers_each_way']:,} each way (MB)",
                largest["peak_rss_mb"], 500)
    for config, measured, longest in _memory_growth(length):
        at_most(f"{config}: peak memory at {longest:,} each way over at {BASE_LENGTH:,}",
                measured, MEMORY_GROWTH)
    return checks


def campaign_speedup(campaigns: list[Row]) -> float | None:
    """Two jobs' runs per second over one job's, on campaigns of at least 200 runs: the
    median of the ratios within each round (the machine's drift between rounds cancels),
    or of the two rows when they carry no rounds."""
    by_jobs = {row["jobs"]: row for row in campaigns if row["runs"] >= 200}
    if 1 not in by_jobs or 2 not in by_jobs:
        return None
    one, two = by_jobs[1], by_jobs[2]
    rounds_one, rounds_two = one.get("rates_by_round"), two.get("rates_by_round")
    if not rounds_one or not rounds_two:
        rounds_one, rounds_two = [one["runs_per_second"]], [two["runs_per_second"]]
    if len(rounds_one) != len(rounds_two):
        return None  # rounds that do not pair up give no ratio
    ratios = sorted(b / a for a, b in zip(rounds_one, rounds_two, strict=True) if a)
    # The lower middle of an even count, as every median of the benchmark.
    return round(ratios[(len(ratios) - 1) // 2], 2) if ratios else None


# Flat memory (per-transfer state pruned once final): the peak at the longest run measured
# is within 25% of the peak at 1,000 transfers each way, per configuration.
BASE_LENGTH = 1_000
MEMORY_GROWTH = 1.25


def _memory_growth(length: list[Row]) -> list[tuple[str, float | None, int]]:
    """(config, longest peak / peak at BASE_LENGTH, longest) for each configuration whose
    run-length rows include BASE_LENGTH and a longer run."""
    found = []
    for config in sorted({row["config"] for row in length}):
        rows = [row for row in length if row["config"] == config]
        base = [row["peak_rss_mb"] for row in rows if row["transfers_each_way"] == BASE_LENGTH]
        longest = max(rows, key=lambda row: row["transfers_each_way"])
        if base and longest["transfers_each_way"] > BASE_LENGTH:
            ratio = round(longest["peak_rss_mb"] / base[0], 2) if base[0] else None
            found.append((config, ratio, longest["transfers_each_way"]))
    return found
