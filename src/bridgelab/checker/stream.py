"""The run's metrics as folds fed while the history is written.

Each checker is a pure function of the history (`compute(records)` in its module) and a fold
(`add(record)`, then `result()`) that the function drives; the runner feeds the folds one
record at a time instead of keeping every event: what stays per transfer is only what the
latency figures need (its submission time and transaction), not the events.
The records are the ones `compute` reads from a saved history, so the figures are the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bridgelab.checker.l2_metrics import L2Metrics
from bridgelab.checker.metrics import Metrics
from bridgelab.checker.oracle_metrics import OracleMetrics
from bridgelab.checker.outcome import Outcome
from bridgelab.core.history import History


class RunFolds:
    """The metrics, outcome and (when enabled) oracle and L2 folds of one run."""

    def __init__(self, oracle: bool = False, l2: bool = False) -> None:
        self.metrics = Metrics()
        self.outcome = Outcome()
        self.oracle = OracleMetrics() if oracle else None
        self.l2 = L2Metrics() if l2 else None

    def attach(self, history: History) -> RunFolds:
        """Fold every event `history` records from now on, in `seq` order."""
        history.subscribe_records(self.add)
        return self

    def add(self, record: dict[str, Any]) -> None:
        self.metrics.add(record)
        self.outcome.add(record)
        if self.oracle is not None:
            self.oracle.add(record)
        if self.l2 is not None:
            self.l2.add(record)

    def result(self, end: float, violations: Iterable[tuple[str, float]] = ()
               ) -> dict[str, Any]:
        """The `metrics` section the history gives (`end` closes the oracle's last interval),
        with the (property, time) of the violations the checker found in it; call it once,
        when the history is complete."""
        metrics = self.metrics.result()
        if self.oracle is not None:
            metrics["oracle"] = self.oracle.result(end)
        if self.l2 is not None:
            metrics["l2"] = self.l2.result()
        metrics["outcome"] = self.outcome.result(violations)
        return metrics
