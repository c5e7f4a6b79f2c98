"""Run metrics computed from the history alone: volumes, latencies, gas, consensus health."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100); None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    fraction = rank - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def summarize(values: Sequence[float]) -> dict[str, float | int | None]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {
        "count": len(values),
        "mean": rounded(sum(values) / len(values)) if values else None,
        "min": rounded(min(values)) if values else None,
        "p50": rounded(percentile(values, 50)),
        "p95": rounded(percentile(values, 95)),
        "p99": rounded(percentile(values, 99)),
        "max": rounded(max(values)) if values else None,
    }


def compute(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One pass over history records (dicts with `t`, `kind` and the event's fields)."""
    lock_submitted: dict[str, float] = {}
    burn_submitted: dict[str, float] = {}
    lock_tx_of_nonce: dict[int, str] = {}
    burn_tx_of_nonce: dict[int, str] = {}
    deposit_latency: list[float] = []
    withdrawal_latency: list[float] = []
    totals = {"locked": 0, "minted": 0, "burned": 0, "released": 0}
    counts = {"locks": 0, "mints": 0, "burns": 0, "releases": 0}
    mint_gas: list[int] = []
    fees_wei = {"mint": 0, "burn": 0}
    awaiting_finality: dict[int, tuple[int, float]] = {}
    deposit_final_latency: list[float] = []
    base_fees: list[int] = []
    verification_gas: list[int] = []
    scheme = None
    kinds: dict[str, int] = {}
    last_time = 0.0
    for record in records:
        kind = record["kind"]
        kinds[kind] = kinds.get(kind, 0) + 1
        last_time = record["t"]
        if kind == "user.lock":
            lock_submitted[record["tx"]] = record["t"]
        elif kind == "user.burn":
            burn_submitted[record["tx"]] = record["t"]
        elif kind == "lock":
            lock_tx_of_nonce[record["nonce"]] = record["tx"]
            totals["locked"] += record["amount"]
            counts["locks"] += 1
        elif kind == "burn":
            burn_tx_of_nonce[record["nonce"]] = record["tx"]
            fees_wei["burn"] += record.get("fee_paid", 0)
            totals["burned"] += record["amount"]
            counts["burns"] += 1
        elif kind == "mint" and record.get("layer") == "l2":
            # Credited on the L2: no L1 gas; its finality is its batch's (metrics.l2).
            totals["minted"] += record["amount"]
            counts["mints"] += 1
            started = lock_submitted.get(lock_tx_of_nonce.get(record["nonce"], ""))
            if started is not None:
                deposit_latency.append(record["t"] - started)
        elif kind == "mint":
            totals["minted"] += record["amount"]
            counts["mints"] += 1
            mint_gas.append(record["gas"])
            verification_gas.append(record.get("verification_gas", 0))
            scheme = record["certificate"]["scheme"]
            fees_wei["mint"] += record.get("fee_paid", 0)
            started = lock_submitted.get(lock_tx_of_nonce.get(record["nonce"], ""))
            if started is not None:
                deposit_latency.append(record["t"] - started)
                awaiting_finality[record["nonce"]] = (record["number"], started)
        elif kind == "settlement.final":
            final = record["number"]
            done = [nonce for nonce, (number, _) in awaiting_finality.items() if number <= final]
            for nonce in done:
                deposit_final_latency.append(record["t"] - awaiting_finality.pop(nonce)[1])
        elif kind == "settlement.block":
            base_fees.append(record["base_fee"])
        elif kind == "settlement.reorg":
            for item in record["reverted"]:
                if item["kind"] == "mint":
                    awaiting_finality.pop(item["nonce"], None)
        elif kind == "release":
            totals["released"] += record["amount"]
            counts["releases"] += 1
            started = burn_submitted.get(burn_tx_of_nonce.get(record["nonce"], ""))
            if started is not None:
                withdrawal_latency.append(record["t"] - started)
    return {
        "transfers": {
            "deposits_submitted": kinds.get("user.lock", 0),
            "withdrawals_submitted": kinds.get("user.burn", 0),
            **counts,
        },
        "volume": totals,
        "deposit_latency_s": summarize(deposit_latency),
        "withdrawal_latency_s": summarize(withdrawal_latency),
        "deposit_final_latency_s": summarize(deposit_final_latency),
        "fees_paid_eth": {kind: round(wei / 10**18, 9) for kind, wei in fees_wei.items()},
        "base_fee_gwei": summarize([fee / 10**9 for fee in base_fees]),
        "mint_gas": summarize(mint_gas),
        "verification_gas_per_certificate": {"scheme": scheme, **summarize(verification_gas)},
        "consortium": {
            "blocks": kinds.get("block.committed", 0),
            "view_changes": kinds.get("view.change", 0),
        },
        "settlement": {
            "blocks": kinds.get("settlement.block", 0),
            "reverted_txs": kinds.get("tx.reverted", 0),
            "reorgs": kinds.get("settlement.reorg", 0),
        },
        "endorsements": kinds.get("endorse", 0),
        "endorsements_refused": kinds.get("endorse.refused", 0),
        "certificates": kinds.get("certificate", 0),
        "last_event_time_s": last_time,
        "events_by_kind": dict(sorted(kinds.items())),
    }
