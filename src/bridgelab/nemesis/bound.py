"""What the configured defences leave an adaptive adversary, from the scenario alone.

- `deposit_limits`: the settlement contract's public outflow parameters, as the adversary
  reads them (the same mapping `runner.build` deploys: a challenge window queues every mint).
- `probe_horizon`: how long a cost-to-break probe must run for pacing to matter — the time
  to reach its target, at most the time to refill the bucket `PROBE_REFILLS` times, plus any
  delay it cannot dodge (always added); bounded.
- `loss_bound`: the most one incident can move through one direction before a pausing
  watcher stops it — the cap times the transfers admitted before the pause, and the bucket's
  capacity plus its refill over the time to pause — at the watcher's median, 99th percentile
  and longest detection delay. Unbounded when no watcher pauses the bridge (unless the
  bucket never refills), and when deposits go to the L2, whose inbox no L1 limit guards.

Pure and conservative: every figure is an upper bound (a transfer costs at least the base
and storage gas, the pause lands at most one slot after detection, and a delay the adversary
could queue behind adds its length to the time it goes unnoticed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from bridgelab.custody.base import MINT_STORAGE_GAS, TX_BASE_GAS
from bridgelab.nemesis import plan
from bridgelab.scenario.base import Exponential, Fixed, Latency, LogNormal, Uniform
from bridgelab.scenario.model import Scenario

# The probe lets the bucket refill this many times (when the target needs it).
PROBE_REFILLS = 3
# ... and never runs longer than this (30 days: a week-long challenge window still closes).
MAX_PROBE_SECONDS = 30 * 86_400.0
# Slots after the last forgery for it to land and the checker to see it.
PROBE_SETTLE_SLOTS = 4
# The cheapest mint there is: no calldata, no signature checked.
MIN_MINT_GAS = TX_BASE_GAS + MINT_STORAGE_GAS
QUANTILES = (("p50", 0.5), ("p99", 0.99))


def deposit_limits(scenario: Scenario) -> plan.Limits:
    """The settlement bridge's public limits, as deployed (see `runner.build`)."""
    limits = scenario.bridge.limits
    threshold, delay = limits.delay_threshold, limits.delay
    window = scenario.defences.challenge_window
    if window > 0:
        threshold, delay = 1, max(delay, window)
    return plan.Limits(
        limits.per_transfer_cap, limits.rate_capacity,
        limits.rate_per_second if limits.rate_capacity is not None else 0.0,
        threshold, delay,
    )


def probe_horizon(limits: plan.Limits, target: int, forgeries: int, slot_time: float) -> float:
    """Simulated seconds a probe runs after the keys are taken: the pacing time (at most
    `PROBE_REFILLS` refills of the bucket), plus a delay the adversary cannot dodge (always:
    a forged mint queued behind it must come due inside the probe), plus a few slots."""
    refills = math.inf
    if limits.bucket_capacity is not None and limits.bucket_rate > 0:
        refills = PROBE_REFILLS * limits.bucket_capacity / limits.bucket_rate
    _, queued = plan.size_limit(limits, target, forgeries)
    delay = limits.delay if queued else 0.0
    needed = plan.time_to_target(limits, target, forgeries)
    # `time_to_target` includes the delay when queued; None only when the bucket never
    # refills, and then what it holds goes at once.
    pacing = 0.0 if needed is None else max(0.0, needed - delay)
    seconds = min(pacing, refills) + delay
    return min(seconds, MAX_PROBE_SECONDS) + PROBE_SETTLE_SLOTS * slot_time


# Why the L1 limits bound nothing when deposits go to the L2 (report data, and the reason a
# cost search that did not forge through the inbox is incomplete).
L2_LANE = ("deposits are delivered to the L2 through its inbox, which checks no cap, rate"
           " limit or accountant: nothing bounds what one incident moves on that lane")


def delivers_to_l2(scenario: Scenario) -> bool:
    """Whether the bridge credits deposits on its L2, through the inbox no L1 limit guards
    (`l2/gateway.py`)."""
    return scenario.l2.enabled and scenario.l2.destination == "l2"


def quantile(latency: Latency, q: float) -> float:
    """The `q` quantile of a latency distribution (q = 1: its largest value)."""
    if isinstance(latency, Fixed):
        return latency.value
    if isinstance(latency, Uniform):
        return latency.low + q * (latency.high - latency.low)
    if isinstance(latency, LogNormal):
        if q >= 1:
            return latency.cap
        return min(latency.cap, latency.median * math.exp(latency.sigma * NormalDist().inv_cdf(q)))
    if isinstance(latency, Exponential):
        if q >= 1:
            return latency.cap
        return min(latency.cap, -latency.mean * math.log(1 - q))
    raise TypeError(f"unknown latency distribution {latency!r}")


@dataclass(frozen=True, slots=True)
class Exposure:
    """One direction's outflow before the pause, at one detection delay."""

    time_to_pause: float
    blocks: int
    by_cap: int | None
    by_rate: int | None

    @property
    def bound(self) -> int | None:
        bounds = [b for b in (self.by_cap, self.by_rate) if b is not None]
        return min(bounds) if bounds else None


def _exposure(limits: plan.Limits, seconds: float, slot: float, per_block: int) -> Exposure:
    blocks = math.floor(seconds / slot) + 1
    by_cap = None
    if limits.per_transfer_cap is not None:
        by_cap = limits.per_transfer_cap * per_block * blocks
    by_rate = None
    if limits.bucket_capacity is not None:
        by_rate = math.floor(limits.bucket_capacity + limits.bucket_rate * seconds)
    return Exposure(seconds, blocks, by_cap, by_rate)


def loss_bound(scenario: Scenario) -> dict[str, Any]:
    """The configured bound on one incident's outflow per direction, as report data;
    unbounded when deposits go to the L2, whose inbox ignores every L1 limit."""
    result = _l1_bound(scenario)
    if not delivers_to_l2(scenario):
        return result
    l1_only = {key: result[key] for key in ("at", "bounded")}
    # Every point stays (the report reads them) but bounds nothing.
    result["at"] = {name: {**point, "by_cap": None, "by_rate": None, "bound": None}
                    for name, point in result["at"].items() if name != "never"}
    result["bounded"] = False
    result["unbounded_lanes"] = {"l2": L2_LANE}
    result["l1_only"] = l1_only  # what the L1 limits alone bound, on the L1 lane
    return result


def _l1_bound(scenario: Scenario) -> dict[str, Any]:
    limits = deposit_limits(scenario)
    settlement = scenario.settlement
    slot = settlement.slot_time
    per_block = max(1, settlement.gas_limit // MIN_MINT_GAS)
    watcher = scenario.defences.watcher
    pausing = watcher.enabled and watcher.pause
    queueable = limits.delay_threshold is not None and limits.delay > 0
    # Undetected while queued, then one slot for the first forgery to land, the detection
    # delay, and one slot for the pause to land.
    lead = (limits.delay if queueable else 0.0) + 2 * slot
    result: dict[str, Any] = {
        "per_transfer_cap": limits.per_transfer_cap,
        "rate_capacity": limits.bucket_capacity,
        "rate_per_second": limits.bucket_rate,
        "delay_threshold": limits.delay_threshold,
        "delay": limits.delay,
        "pausing_watcher": pausing,
        "transfers_per_block": per_block,
        "at": {},
        "bounded": False,
    }
    if not pausing:
        if limits.bucket_capacity is not None and limits.bucket_rate <= 0:
            result["at"]["never"] = {"time_to_pause": None, "blocks": None, "by_cap": None,
                                     "by_rate": limits.bucket_capacity,
                                     "bound": limits.bucket_capacity}
            result["bounded"] = True
        return result
    points = [*QUANTILES, ("max", 1.0)]
    for name, q in points:
        exposure = _exposure(limits, lead + quantile(watcher.detection_delay, q), slot, per_block)
        result["at"][name] = {
            "time_to_pause": round(exposure.time_to_pause, 6), "blocks": exposure.blocks,
            "by_cap": exposure.by_cap, "by_rate": exposure.by_rate, "bound": exposure.bound,
        }
    result["bounded"] = result["at"]["max"]["bound"] is not None
    return result
