"""Faults of the settlement chain itself: forced reorgs and demand spikes (congestion)."""

from __future__ import annotations

from bridgelab.nemesis.base import Attack
from bridgelab.scenario.model import DemandSpike


class Reorg(Attack):
    kind = "settlement.reorg"

    def begin(self, round_: int) -> None:
        self.bridge.settlement.reorg(self.params.depth, cause=self.actor)


class Congestion(Attack):
    kind = "settlement.congestion"

    def begin(self, round_: int) -> None:
        now = self.world.now
        self.bridge.settlement.fees.add_spike(
            DemandSpike(
                start=now, end=now + self.params.duration, factor=self.params.factor,
                priority_factor=self.params.priority_factor,
            )
        )
