"""The oracle and the tokenised asset: a NAV process, k-of-m reporters, a feed, its consumers.

`install_oracle` builds and starts them; the runner calls it when `scenario.oracle.enabled`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgelab.core.world import World
from bridgelab.oracle.feed import Feed, Reading, Report, StalePrice
from bridgelab.oracle.lending import LendingMarket, Pricing
from bridgelab.oracle.nav import NavProcess
from bridgelab.oracle.reporters import Reporter
from bridgelab.scenario.oracle_schema import Oracle

__all__ = [
    "Feed",
    "LendingMarket",
    "NavProcess",
    "OracleSystem",
    "Pricing",
    "Reading",
    "Report",
    "Reporter",
    "StalePrice",
    "install_oracle",
]


@dataclass(slots=True)
class OracleSystem:
    """Every oracle component of one run, with the hooks the nemesis drives."""

    world: World
    config: Oracle
    nav: NavProcess
    reporters: list[Reporter]
    feed: Feed
    pricing: Pricing
    lending: LendingMarket | None

    def value_at_risk(self) -> float:
        """Collateral overvaluation now: collateral x max(0, reported - true). Observer-only."""
        if self.lending is None:
            return 0.0
        over = max(0.0, self.feed.latest().value - self.nav.value)
        return self.lending.total_collateral * over


def install_oracle(world: World, config: Oracle) -> OracleSystem:
    """Build the oracle components and start their processes at the world's current time."""
    feed = Feed(world, config)
    nav = NavProcess(world, config)
    reporters = [Reporter(world, index, config, nav, feed) for index in range(config.reporters)]
    lending_config = config.lending
    lending = (
        LendingMarket(world, config, feed)
        if lending_config.enabled and lending_config.borrowers > 0
        else None
    )
    world.record(
        "oracle",
        "oracle.start",
        reporters=config.reporters,
        quorum=config.quorum,
        heartbeat=config.heartbeat,
        deviation=config.deviation,
        max_age=config.max_age,
        initial_nav=nav.value,
    )
    nav.start()
    feed.start()
    for reporter in reporters:
        reporter.start()
    if lending is not None:
        lending.start()
    pricing = Pricing(world, feed, config.refuse_when_stale)
    return OracleSystem(world, config, nav, reporters, feed, pricing, lending)
