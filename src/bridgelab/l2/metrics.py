"""L2 metrics from the history alone: soft-confirmation and settlement lag, batches, redemptions.

Pure functions over history records (dicts with `t`, `kind` and the event's fields), so a live
run and a saved `history.jsonl` give the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bridgelab.checker.metrics import summarize


@dataclass(slots=True)
class DepositTimes:
    """One L2 deposit's milestones (simulated seconds); None until reached."""

    ref: str
    requested: float | None = None
    approved: float | None = None
    soft: float | None = None
    block: int | None = None
    final: float | None = None

    @property
    def settlement_lag(self) -> float | None:
        """Accepted on L2 (soft confirmation) to its batch final on L1."""
        if self.soft is None or self.final is None:
            return None
        return self.final - self.soft


def deposit_times(records: Iterable[dict[str, Any]]) -> list[DepositTimes]:
    """Every deposit's milestones, in order of first appearance."""
    by_ref: dict[str, DepositTimes] = {}
    waiting: list[DepositTimes] = []  # soft-confirmed, batch not yet final; block order
    for record in records:
        kind = record["kind"]
        if kind == "l2.deposit.request" and record["accepted"]:
            by_ref.setdefault(record["ref"], DepositTimes(record["ref"])).requested = record["t"]
        elif kind == "l2.deposit.approved":
            by_ref.setdefault(record["ref"], DepositTimes(record["ref"])).approved = record["t"]
        elif kind == "l2.soft_confirm" and record["tx_kind"] == "deposit":
            times = by_ref.setdefault(record["ref"], DepositTimes(record["ref"]))
            times.soft = record["t"]
            times.block = record["block"]
            waiting.append(times)
        elif kind == "l2.batch.final":
            last = record["last_block"]
            still = []
            for times in waiting:
                if times.block is not None and times.block <= last:
                    times.final = record["t"]
                else:
                    still.append(times)
            waiting = still
    return list(by_ref.values())


def _queue_stats(changes: list[tuple[float, int]], end: float) -> dict[str, float | int]:
    """Max and time-weighted mean of a queue length given (time, delta) steps."""
    length = 0
    peak = 0
    area = 0.0
    start = changes[0][0] if changes else 0.0
    last = start
    for time, delta in changes:
        area += length * (time - last)
        last = time
        length += delta
        peak = max(peak, length)
    area += length * (end - last)
    span = end - start
    return {
        "max": peak,
        "mean": round(area / span, 3) if span > 0 else float(length),
        "final": length,
    }


def compute(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The L2 section of results.json."""
    rows = list(records)
    deposits = deposit_times(rows)
    withdraw_requested: dict[str, float] = {}
    withdrawal_finality: list[float] = []
    queue: list[tuple[float, int]] = []
    counts: dict[str, int] = {}
    attempts = 0
    resubmits = 0
    escape_paid = 0
    escape_opened_at = None
    runs: list[dict[str, Any]] = []  # redemption runs (the l2.redemption_run attack)
    end = rows[-1]["t"] if rows else 0.0
    for record in rows:
        kind = record["kind"]
        if not kind.startswith("l2."):
            continue
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "l2.withdraw.request" and record["accepted"]:
            withdraw_requested[record["tx"]] = record["t"]
            queue.append((record["t"], 1))
        elif kind == "l2.withdraw.final":
            started = withdraw_requested.pop(record["tx"], None)
            if started is not None:
                withdrawal_finality.append(record["t"] - started)
                queue.append((record["t"], -1))
        elif kind in ("l2.tx.dropped", "l2.tx.rejected") and record["tx_kind"] == "withdraw":
            if withdraw_requested.pop(record["tx"], None) is not None:
                queue.append((record["t"], -1))
        elif kind == "l2.batch.posted":
            attempts += 1
            resubmits += record["attempt"] > 1
        elif kind == "l2.escape.open":
            escape_opened_at = record["t"]
        elif kind == "l2.escape.withdraw":
            escape_paid += record["amount"]
        elif kind == "l2.redemption.run":
            runs.append({"at": record["t"], "withdrawals": record["withdrawals"],
                         "amount": record["amount"], "drained_after_s": None,
                         "outstanding": record["withdrawals"]})
        elif kind == "l2.redemption.drained" and runs:
            runs[-1]["drained_after_s"] = record["after"]
            runs[-1]["outstanding"] = record["outstanding"]

    def lags(start: str, stop: str) -> list[float]:
        values = []
        for times in deposits:
            begin, finish = getattr(times, start), getattr(times, stop)
            if begin is not None and finish is not None:
                values.append(finish - begin)
        return values

    batches = counts.get("l2.batch.final", 0)
    return {
        "deposits": {
            "requested": sum(1 for times in deposits if times.requested is not None),
            "approved": counts.get("l2.deposit.approved", 0),
            "soft_confirmed": len(lags("requested", "soft")),
            "final": len(lags("soft", "final")),
        },
        "deposit_approval_s": summarize(lags("requested", "approved")),
        "deposit_soft_confirm_s": summarize(lags("requested", "soft")),
        "deposit_settlement_lag_s": summarize(lags("soft", "final")),
        "deposit_finality_s": summarize(lags("requested", "final")),
        "withdrawal_finality_s": summarize(withdrawal_finality),
        "redemption_queue": _queue_stats(queue, end),
        "redemption_runs": runs,
        "batches": {
            "posted": attempts - resubmits,
            "attempts": attempts,
            "resubmitted": resubmits,
            "included": counts.get("l2.batch.included", 0),
            "final": batches,
        },
        "sequencer": {
            "blocks": counts.get("l2.block", 0),
            "halts": counts.get("l2.sequencer.halt", 0),
            "censored_txs": counts.get("l2.censored", 0),
            "dropped_txs": counts.get("l2.tx.dropped", 0),
            "rejected_txs": counts.get("l2.tx.rejected", 0),
        },
        "escape": {
            "opened": escape_opened_at is not None,
            "opened_at": escape_opened_at,
            "withdrawals": counts.get("l2.escape.withdraw", 0),
            "refused": counts.get("l2.escape.refused", 0),
            "paid": escape_paid,
        },
    }

