"""The world every component lives in: the SimPy clock, the seed's streams, history, network."""

from __future__ import annotations

from typing import Any

from bridgelab.core.engine import CountingEnvironment
from bridgelab.core.history import History
from bridgelab.core.network import Network
from bridgelab.core.rng import Streams
from bridgelab.scenario.model import Scenario


class World:
    """Shared context: simulated time only, one seed, one history."""

    def __init__(self, scenario: Scenario, seed: int, history: History) -> None:
        self.scenario = scenario
        self.seed = seed
        self.env = CountingEnvironment()
        self.streams = Streams(seed)
        self.history = history
        net = scenario.network
        self.network = Network(
            self.env, self.streams, history, net.latency, net.loss, net.inbox_capacity
        )

    @property
    def now(self) -> float:
        return self.env.now

    def record(self, actor: str, kind: str, **fields: Any) -> None:
        self.history.record_fields(self.env.now, actor, kind, fields)
