"""Run metrics computed from the history alone: volumes, latencies, gas, consensus health."""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bridgelab.checker.start_times import StartTimes
from bridgelab.core.column import Column


def percentile(values: Sequence[float] | Column, q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100); None for no data."""
    return _percentile(_ascending(values), q)


def _percentile(ordered: Sequence[float], q: float) -> float | None:
    if not ordered:
        return None
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    fraction = rank - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def _ascending(values: Sequence[float] | Column) -> Sequence[float]:
    """`values` in ascending order. A column is sorted chunk by chunk and merged into an array
    of its own type: a long run's samples are never held as a list of number objects (about
    four times the array), which would make the run's end its peak of memory."""
    if not isinstance(values, Column):
        return sorted(values)
    runs = [array(values.typecode, sorted(chunk)) for chunk in values.chunks()]
    ordered = array(values.typecode)
    ordered.extend(heapq.merge(*runs))
    return ordered


def summarize(values: Sequence[float] | Column) -> dict[str, float | int | None]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    ordered = _ascending(values)  # once, for the three percentiles
    return {
        "count": len(values),
        "mean": rounded(sum(values) / len(values)) if values else None,
        "min": rounded(min(values)) if values else None,
        "p50": rounded(_percentile(ordered, 50)),
        "p95": rounded(_percentile(ordered, 95)),
        "p99": rounded(_percentile(ordered, 99)),
        "max": rounded(max(values)) if values else None,
    }


def compute(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One pass over history records (dicts with `t`, `kind` and the event's fields)."""
    fold = Metrics()
    for record in records:
        fold.add(record)
    return fold.result()


class Metrics:
    """The fold behind `compute`, fed one record at a time (the runner feeds it as the history
    is written). Per-transfer state is scalar maps and flat columns (`core/column.py`: their
    older chunks in a file), never records."""

    def __init__(self) -> None:
        # Submission time by nonce (through the tx, checker/start_times.py): a latency needs
        # both ends.
        self.lock_started = StartTimes()
        self.burn_started = StartTimes()
        self.deposit_latency = Column("d")
        self.withdrawal_latency = Column("d")
        self.totals = {"locked": 0, "minted": 0, "burned": 0, "released": 0}
        self.counts = {"locks": 0, "mints": 0, "burns": 0, "releases": 0}
        self.mint_gas = Column("q")
        self.fees_wei = {"mint": 0, "burn": 0}
        # Mints not final yet: nonce -> (settlement block, lock submission time).
        self.awaiting_finality: dict[int, tuple[int, float]] = {}
        self.deposit_final_latency = Column("d")
        self.base_fees_gwei = Column("d")
        self.verification_gas = Column("q")
        self.scheme: str | None = None
        # EVM mode: the gas the EVM metered per contract function, accepted calls only.
        self.contract: str | None = None
        self.evm_gas: dict[str, Column] = {}
        self.evm_reverted = 0
        self.kinds: dict[str, int] = {}
        self.last_time = 0.0
        # The custody and network figures the run's last event (`run.end`) records.
        self.closing: dict[str, Any] = {}

    def add(self, record: dict[str, Any]) -> None:
        kind = record["kind"]
        kinds = self.kinds
        kinds[kind] = kinds.get(kind, 0) + 1
        self.last_time = record["t"]
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, record)

    def _on_user_lock(self, record: dict[str, Any]) -> None:
        self.lock_started.submitted(record["tx"], record["t"])

    def _on_user_burn(self, record: dict[str, Any]) -> None:
        self.burn_started.submitted(record["tx"], record["t"])

    def _on_lock(self, record: dict[str, Any]) -> None:
        self.lock_started.resolve(record["nonce"], record["tx"])
        self.totals["locked"] += record["amount"]
        self.counts["locks"] += 1

    def _on_burn(self, record: dict[str, Any]) -> None:
        self.burn_started.resolve(record["nonce"], record["tx"])
        self.fees_wei["burn"] += record.get("fee_paid", 0)
        self.totals["burned"] += record["amount"]
        self.counts["burns"] += 1

    def _on_mint(self, record: dict[str, Any]) -> None:
        self.totals["minted"] += record["amount"]
        self.counts["mints"] += 1
        if record.get("layer") == "l2":
            # Credited on the L2: no L1 gas; its finality is its batch's (metrics.l2).
            started = self._lock_started(record["nonce"])
            if started is not None:
                self.deposit_latency.append(record["t"] - started)
            return
        self.mint_gas.append(record["gas"])
        self.verification_gas.append(record.get("verification_gas", 0))
        self.scheme = record["certificate"]["scheme"]
        self.fees_wei["mint"] += record.get("fee_paid", 0)
        started = self._lock_started(record["nonce"])
        if started is not None:
            self.deposit_latency.append(record["t"] - started)
            self.awaiting_finality[record["nonce"]] = (record["number"], started)

    def _on_settlement_final(self, record: dict[str, Any]) -> None:
        final = record["number"]
        awaiting = self.awaiting_finality
        done = [nonce for nonce, (number, _) in awaiting.items() if number <= final]
        for nonce in done:
            self.deposit_final_latency.append(record["t"] - awaiting.pop(nonce)[1])

    def _on_settlement_block(self, record: dict[str, Any]) -> None:
        self.base_fees_gwei.append(record["base_fee"] / 10**9)

    def _on_reorg(self, record: dict[str, Any]) -> None:
        for item in record["reverted"]:
            if item["kind"] == "mint":
                self.awaiting_finality.pop(item["nonce"], None)

    def _on_release(self, record: dict[str, Any]) -> None:
        self.totals["released"] += record["amount"]
        self.counts["releases"] += 1
        started = self.burn_started.started(record["nonce"])
        if started is not None:
            self.withdrawal_latency.append(record["t"] - started)

    def _on_contract_deployed(self, record: dict[str, Any]) -> None:
        self.contract = record["contract"]

    def _on_contract_tx(self, record: dict[str, Any]) -> None:
        if not record["ok"]:
            self.evm_reverted += 1
            return
        self.evm_gas.setdefault(record["function"], Column("q")).append(record["gas"])

    def _evm(self) -> dict[str, Any]:
        """EVM mode's figures: gas per accepted certificate (a `mint` call) as the EVM
        metered it, per function, and how often the contract accepted what the model
        refuses."""
        return {
            "contract": self.contract,
            "gas_per_certificate": summarize(self.evm_gas.get("mint", Column("q"))),
            "gas_by_function": {
                function: summarize(gas) for function, gas in sorted(self.evm_gas.items())
            },
            "reverted_calls": self.evm_reverted,
            "divergences": self.kinds.get("contract.divergence", 0),
        }

    def _on_run_end(self, record: dict[str, Any]) -> None:
        self.closing = {key: record[key] for key in ("custody", "network") if key in record}

    def _lock_started(self, nonce: int) -> float | None:
        return self.lock_started.started(nonce)  # type: ignore[return-value]

    def result(self) -> dict[str, Any]:
        kinds = self.kinds
        return {
            "transfers": {
                "deposits_submitted": kinds.get("user.lock", 0),
                "withdrawals_submitted": kinds.get("user.burn", 0),
                **self.counts,
            },
            "volume": self.totals,
            "deposit_latency_s": summarize(self.deposit_latency),
            "withdrawal_latency_s": summarize(self.withdrawal_latency),
            "deposit_final_latency_s": summarize(self.deposit_final_latency),
            "fees_paid_eth": {kind: round(wei / 10**18, 9) for kind, wei in self.fees_wei.items()},
            "base_fee_gwei": summarize(self.base_fees_gwei),
            "mint_gas": summarize(self.mint_gas),
            "verification_gas_per_certificate": {
                "scheme": self.scheme, **summarize(self.verification_gas)
            },
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
            # Batch certificates: one committee signature per member covers every message in one.
            "batch_endorsements": kinds.get("endorse.batch", 0),
            "batch_certificates": kinds.get("certificate.batch", 0),
            "last_event_time_s": self.last_time,
            "events_by_kind": dict(sorted(kinds.items())),
            **self.closing,
            **({"evm": self._evm()} if self.contract is not None else {}),
        }


# The record kinds the metrics read beyond counting them, each with its handler.
_HANDLERS: dict[str, Callable[[Metrics, dict[str, Any]], None]] = {
    "user.lock": Metrics._on_user_lock,
    "user.burn": Metrics._on_user_burn,
    "lock": Metrics._on_lock,
    "burn": Metrics._on_burn,
    "mint": Metrics._on_mint,
    "settlement.final": Metrics._on_settlement_final,
    "settlement.block": Metrics._on_settlement_block,
    "settlement.reorg": Metrics._on_reorg,
    "release": Metrics._on_release,
    "run.end": Metrics._on_run_end,
    "contract.deployed": Metrics._on_contract_deployed,
    "contract.tx": Metrics._on_contract_tx,
}
