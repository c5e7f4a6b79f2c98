"""The fee market: EIP-1559 arithmetic, the proposer's choice of bids, background demand.

Integer wei throughout, exactly as the specification computes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bridgelab.scenario.model import DemandSpike, Settlement
from bridgelab.settlement.transactions import BackgroundTx, Fee

if TYPE_CHECKING:
    from bridgelab.settlement.mempool import Pending

# Who sends the background bundles (never a bridge party: their costs are nobody's budget).
BACKGROUND_SENDER = "background"
GWEI = 10**9
ETHER = 10**18


def gwei(amount: float) -> int:
    return round(amount * GWEI)


def next_base_fee(
    parent_base_fee: int,
    parent_gas_used: int,
    parent_gas_limit: int,
    elasticity: int = 2,
    denominator: int = 8,
) -> int:
    """The child block's base fee: up when the parent was over target, down when under."""
    target = parent_gas_limit // elasticity
    if parent_gas_used == target:
        return parent_base_fee
    if parent_gas_used > target:
        delta = parent_base_fee * (parent_gas_used - target) // target // denominator
        return parent_base_fee + max(delta, 1)
    delta = parent_base_fee * (target - parent_gas_used) // target // denominator
    return parent_base_fee - delta


def effective_tip(base_fee: int, max_fee: int, max_priority_fee: int) -> int | None:
    """What the proposer earns per gas, or None when the bid is below the base fee."""
    if max_fee < base_fee:
        return None
    return min(max_priority_fee, max_fee - base_fee)


def choose_bids(
    pending: Iterable[Pending], base_fee: int, gas_limit: int
) -> tuple[list[tuple[int, Pending]], int]:
    """What a proposer includes: bids at or above the base fee, highest effective tip first
    (the oldest first among equal tips), each that still fits under the gas limit. Returns
    each chosen bid with its tip per gas, in inclusion order, and the gas they use."""
    eligible: list[tuple[int, int, Pending]] = []
    for item in pending:
        fee = item.tx.fee
        tip = effective_tip(base_fee, fee.max_fee, fee.priority_fee)
        if tip is not None:
            eligible.append((-tip, item.seq, item))
    eligible.sort(key=lambda entry: (entry[0], entry[1]))
    chosen: list[tuple[int, Pending]] = []
    gas_used = 0
    for negative_tip, _seq, item in eligible:
        gas = item.tx.fee.gas
        if gas_used + gas > gas_limit:
            continue
        chosen.append((-negative_tip, item))
        gas_used += gas
    return chosen, gas_used


class FeeMarket:
    """The base fee, and everyone else's demand for block space (with its spikes).

    The base fee follows each block's fullness (`next_base_fee`); background bundles arrive
    each slot, Poisson around `demand.gas_per_slot` times the spikes' factors, each bidding
    a lognormal fee cap and tip, so a rising base fee prices part of them out.
    """

    def __init__(self, config: Settlement, demand_rng: Any) -> None:
        self.config = config
        self.base_fee = gwei(config.initial_base_fee_gwei)
        self._rng = demand_rng
        self._extra_spikes: list[DemandSpike] = []

    def add_spike(self, spike: DemandSpike) -> None:
        """A demand spike injected during the run (congestion attack)."""
        self._extra_spikes.append(spike)

    def demand_factor(self, now: float) -> tuple[float, float]:
        """Multipliers on background gas and on its tips at `now` (spikes compose)."""
        factor = tips = 1.0
        for spike in [*self.config.demand.spikes, *self._extra_spikes]:
            if spike.start <= now < spike.end:
                factor *= spike.factor
                tips *= spike.priority_factor
        return factor, tips

    def background_arrivals(self, slot: int, now: float) -> list[BackgroundTx]:
        """The background bundles that arrive in `slot`."""
        config = self.config
        demand = config.demand
        factor, tip_factor = self.demand_factor(now)
        base_gas = demand.gas_per_slot
        if base_gas <= 0:
            if factor == 1.0:
                return []
            # No modelled background: a spike then means `factor` times the gas target.
            base_gas = config.gas_limit / config.elasticity
        rng = self._rng
        mean_bundles = base_gas * factor / demand.bundle_gas
        arrivals = []
        for index in range(_poisson(rng, mean_bundles)):
            max_fee = gwei(
                demand.max_fee_median_gwei * tip_factor
                * math.exp(demand.max_fee_sigma * rng.gauss(0.0, 1.0))
            )
            tip = gwei(
                demand.priority_fee_median_gwei * tip_factor * math.exp(0.5 * rng.gauss(0.0, 1.0))
            )
            arrivals.append(BackgroundTx(
                f"bg/{slot}/{index}", BACKGROUND_SENDER, now, Fee(demand.bundle_gas, tip, max_fee),
                slot + demand.expiry_slots,
            ))
        return arrivals

    def after_block(self, gas_used: int) -> None:
        """The next block's base fee, from how full this one was."""
        config = self.config
        self.base_fee = next_base_fee(
            self.base_fee, gas_used, config.gas_limit, config.elasticity,
            config.base_fee_change_denominator,
        )


def _poisson(rng: Any, mean: float) -> int:
    """A Poisson draw by inversion, bounded so a huge mean cannot loop forever."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count = 0
    product = rng.random()
    while product > limit and count < 1_000:
        count += 1
        product *= rng.random()
    return count
