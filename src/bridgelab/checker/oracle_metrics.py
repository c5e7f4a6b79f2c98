"""Oracle metrics from the history alone: staleness, the default's stale window, value at risk.

Value at risk is the lending market's overvaluation exposure, collateral x max(0, reported - true),
taken as piecewise constant between recorded events (true NAV within one basis point).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class _Sweep:
    """The running state of one pass over the records."""

    max_age: float
    updated_at: float | None = None
    stale_total: float = 0.0
    stale_longest: float = 0.0
    stale_episodes: int = 0
    true_nav: float | None = None
    reported: float | None = None
    collateral: int = 0
    var_peak: float = 0.0
    var_integral: float = 0.0
    overvaluation_peak: float = 0.0
    last_t: float | None = None

    def stale_gap(self, until: float) -> None:
        """Close the interval since the last update: stale beyond `max_age`."""
        if self.updated_at is None:
            return
        gap = until - (self.updated_at + self.max_age)
        if gap > 0:
            self.stale_total += gap
            self.stale_longest = max(self.stale_longest, gap)
            self.stale_episodes += 1

    def advance(self, t: float) -> None:
        """Integrate value at risk over [last_t, t] at the current state."""
        if self.last_t is not None and self.true_nav is not None and self.reported is not None:
            over = max(0.0, self.reported - self.true_nav)
            value_at_risk = self.collateral * over
            self.overvaluation_peak = max(self.overvaluation_peak, over)
            self.var_peak = max(self.var_peak, value_at_risk)
            self.var_integral += value_at_risk * max(0.0, t - self.last_t)
        self.last_t = t


def compute(records: Iterable[dict[str, Any]], end: float | None = None) -> dict[str, Any] | None:
    """One pass over history records; None when the run had no oracle (no `oracle.start`).

    `end` closes the last interval; by default it is the last record's time.
    """
    fold = OracleMetrics()
    for record in records:
        fold.add(record)
    return fold.result(end)


class OracleMetrics:
    """The fold behind `compute`, fed one record at a time; its state does not grow."""

    def __init__(self) -> None:
        self.sweep: _Sweep | None = None
        self.counts = {"updates": 0, "reports": 0, "liquidations": 0, "refused": 0, "paused": 0}
        self.bad_debt = 0.0
        self.default: dict[str, Any] | None = None

    def add(self, record: dict[str, Any]) -> None:
        kind = record["kind"]
        t = record["t"]
        if kind == "oracle.start":
            self.sweep = _Sweep(max_age=record["max_age"])
        sweep = self.sweep
        if sweep is None:
            return
        counts = self.counts
        sweep.advance(t)
        if kind in ("nav.update", "nav.default"):
            sweep.true_nav = record["value"] if kind == "nav.update" else record["after"]
            if kind == "nav.default":
                self.default = {
                    "at": t,
                    "before": record["before"],
                    "after": record["after"],
                    "reported_at": None,
                }
        elif kind == "oracle.update":
            sweep.stale_gap(t)
            sweep.updated_at = t
            sweep.reported = record["value"]
            counts["updates"] += 1 if record["round"] > 0 else 0
            default = self.default
            if default is not None and default["reported_at"] is None:
                value = record["value"]
                # Reflects the drop once closer to the written-down NAV than to the old one.
                if abs(value - default["after"]) < abs(value - default["before"]):
                    default["reported_at"] = t
        elif kind == "oracle.report":
            counts["reports"] += 1
        elif kind == "lending.start":
            sweep.collateral = record["total_collateral"]
        elif kind == "lending.liquidation":
            sweep.collateral -= record["collateral"]
            counts["liquidations"] += 1
            self.bad_debt += record["shortfall"]
        elif kind == "lending.refused":
            counts["refused"] += 1
        elif kind == "lending.paused":
            counts["paused"] += 1

    def result(self, end: float | None = None) -> dict[str, Any] | None:
        sweep = self.sweep
        if sweep is None:
            return None
        finish = sweep.last_t if end is None else end
        finish = 0.0 if finish is None else finish
        sweep.advance(finish)
        sweep.stale_gap(finish)
        return {
            **self.counts,
            "stale": {
                "max_age_s": sweep.max_age,
                "total_s": round(sweep.stale_total, 3),
                "longest_s": round(sweep.stale_longest, 3),
                "episodes": sweep.stale_episodes,
                "stale_at_end": sweep.updated_at is not None
                and finish - sweep.updated_at > sweep.max_age,
            },
            "default": _default_summary(self.default, finish),
            "value_at_risk": {
                "peak": round(sweep.var_peak, 3),
                "integral": round(sweep.var_integral, 3),  # currency x seconds
                "overvaluation_peak": round(sweep.overvaluation_peak, 6),  # currency per token
            },
            "bad_debt": round(self.bad_debt, 3),
        }


def _default_summary(default: dict[str, Any] | None, finish: float) -> dict[str, Any] | None:
    if default is None:
        return None
    reported_at = default["reported_at"]
    window = (finish if reported_at is None else reported_at) - default["at"]
    return {
        "at": default["at"],
        "before": default["before"],
        "after": default["after"],
        "reported_at": reported_at,
        "stale_window_s": round(window, 3),
    }
