"""L2 metrics from the history alone: soft-confirmation and settlement lag, batches, redemptions.

Pure functions over history records (dicts with `t`, `kind` and the event's fields), so a live
run and a saved `history.jsonl` give the same numbers.
"""

from __future__ import annotations

from array import array
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
    fold = _DepositFold()
    for record in records:
        fold.add(record)
    return list(fold.by_ref.values())


class _DepositFold:
    """Deposit milestones, one record at a time: a latency needs both of its ends."""

    def __init__(self) -> None:
        self.by_ref: dict[str, DepositTimes] = {}
        self.waiting: list[DepositTimes] = []  # soft-confirmed, batch not yet final; block order

    def add(self, record: dict[str, Any]) -> None:
        kind = record["kind"]
        by_ref = self.by_ref
        if kind == "l2.deposit.request" and record["accepted"]:
            by_ref.setdefault(record["ref"], DepositTimes(record["ref"])).requested = record["t"]
        elif kind == "l2.deposit.approved":
            by_ref.setdefault(record["ref"], DepositTimes(record["ref"])).approved = record["t"]
        elif kind == "l2.soft_confirm" and record["tx_kind"] == "deposit":
            times = by_ref.setdefault(record["ref"], DepositTimes(record["ref"]))
            times.soft = record["t"]
            times.block = record["block"]
            self.waiting.append(times)
        elif kind == "l2.batch.final":
            last = record["last_block"]
            still = []
            for times in self.waiting:
                if times.block is not None and times.block <= last:
                    times.final = record["t"]
                else:
                    still.append(times)
            self.waiting = still


@dataclass(slots=True)
class _Queue:
    """A queue's length from (time, delta) steps: its maximum and time-weighted mean."""

    length: int = 0
    peak: int = 0
    area: float = 0.0
    start: float | None = None
    last: float = 0.0

    def step(self, time: float, delta: int) -> None:
        if self.start is None:
            self.start = self.last = time
        self.area += self.length * (time - self.last)
        self.last = time
        self.length += delta
        self.peak = max(self.peak, self.length)

    def stats(self, end: float) -> dict[str, float | int]:
        start = 0.0 if self.start is None else self.start
        last = start if self.start is None else self.last
        area = self.area + self.length * (end - last)
        span = end - start
        return {
            "max": self.peak,
            "mean": round(area / span, 3) if span > 0 else float(self.length),
            "final": self.length,
        }


def compute(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The L2 section of results.json, in one pass."""
    fold = L2Metrics()
    for record in records:
        fold.add(record)
    return fold.result()


class L2Metrics:
    """The fold behind `compute`, fed one record at a time. Withdrawals are forgotten once
    final; deposits keep their milestones (their lags are reported in deposit order)."""

    def __init__(self) -> None:
        self.deposits = _DepositFold()
        self.withdraw_requested: dict[str, float] = {}
        self.withdrawal_finality = array("d")
        self.queue = _Queue()
        self.counts: dict[str, int] = {}
        self.attempts = 0
        self.resubmits = 0
        self.escape_paid = 0
        self.escape_opened_at: float | None = None
        self.runs: list[dict[str, Any]] = []  # redemption runs (the l2.redemption_run attack)
        self.end = 0.0

    def add(self, record: dict[str, Any]) -> None:
        self.end = record["t"]
        kind = record["kind"]
        if not kind.startswith("l2."):
            return
        self.deposits.add(record)
        counts = self.counts
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "l2.withdraw.request" and record["accepted"]:
            self.withdraw_requested[record["tx"]] = record["t"]
            self.queue.step(record["t"], 1)
        elif kind == "l2.withdraw.final":
            started = self.withdraw_requested.pop(record["tx"], None)
            if started is not None:
                self.withdrawal_finality.append(record["t"] - started)
                self.queue.step(record["t"], -1)
        elif kind in ("l2.tx.dropped", "l2.tx.rejected") and record["tx_kind"] == "withdraw":
            if self.withdraw_requested.pop(record["tx"], None) is not None:
                self.queue.step(record["t"], -1)
        elif kind == "l2.batch.posted":
            self.attempts += 1
            self.resubmits += record["attempt"] > 1
        elif kind == "l2.escape.open":
            self.escape_opened_at = record["t"]
        elif kind == "l2.escape.withdraw":
            self.escape_paid += record["amount"]
        elif kind == "l2.redemption.run":
            self.runs.append({"at": record["t"], "withdrawals": record["withdrawals"],
                              "amount": record["amount"], "drained_after_s": None,
                              "outstanding": record["withdrawals"]})
        elif kind == "l2.redemption.drained" and self.runs:
            self.runs[-1]["drained_after_s"] = record["after"]
            self.runs[-1]["outstanding"] = record["outstanding"]

    def result(self) -> dict[str, Any]:
        deposits = list(self.deposits.by_ref.values())
        counts = self.counts

        def lags(start: str, stop: str) -> list[float]:
            values = []
            for times in deposits:
                begin, finish = getattr(times, start), getattr(times, stop)
                if begin is not None and finish is not None:
                    values.append(finish - begin)
            return values

        batches = counts.get("l2.batch.final", 0)
        attempts, resubmits = self.attempts, self.resubmits
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
            "withdrawal_finality_s": summarize(self.withdrawal_finality),
            "redemption_queue": self.queue.stats(self.end),
            "redemption_runs": self.runs,
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
                "opened": self.escape_opened_at is not None,
                "opened_at": self.escape_opened_at,
                "withdrawals": counts.get("l2.escape.withdraw", 0),
                "refused": counts.get("l2.escape.refused", 0),
                "paid": self.escape_paid,
            },
        }
