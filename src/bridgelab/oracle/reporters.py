"""Oracle reporters: each observes the NAV with noise and publishes on deviation or heartbeat.

The nemesis drives the attack hooks: `delay` (late reports), `silenced` (no reports), `bias`
and `override` (false reports from a colluding subset).
"""

from __future__ import annotations

import simpy

from bridgelab.core.world import World
from bridgelab.oracle.feed import TIME_EPSILON, Feed, Report
from bridgelab.oracle.nav import NavProcess, quantize
from bridgelab.scenario.oracle_schema import Oracle


class Reporter:
    """One of the m reporters, polling every `poll_interval` from its own random stream."""

    def __init__(
        self, world: World, index: int, config: Oracle, nav: NavProcess, feed: Feed
    ) -> None:
        self.world = world
        self.index = index
        self.config = config
        self.nav = nav
        self.feed = feed
        self.actor = f"reporter-{index}"
        # Attack hooks, honest by default.
        self.delay = 0.0  # extra seconds before a report reaches the chain
        self.silenced = False  # observes but never publishes
        self.bias = 0.0  # reports observed x (1 + bias)
        # Reports an attack changed: withheld while silenced, or sent late or biased. An
        # oracle attack tested something only if it changed one a consumer then read.
        self.affected = 0
        self.override: float | None = None  # reports this value whatever it observes
        self.last_value: float | None = None
        self.last_sent: float | None = None
        self.sent = 0
        self._rng = world.streams.get(f"oracle/reporter/{index}")

    def start(self) -> None:
        self.world.env.process(self._run())

    def observe(self) -> float:
        """The value this reporter would publish now (one noise draw per call)."""
        noise = self._rng.gauss(0.0, 1.0)
        if self.override is not None:
            return quantize(self.override)
        observed = self.nav.value * (1.0 + self.config.noise * noise)
        return quantize(observed * (1.0 + self.bias))

    def due(self, value: float, now: float) -> str | None:
        """Why `value` should be published now ("heartbeat", "deviation"), or None."""
        if self.last_sent is None or self.last_value is None:
            return "heartbeat"
        if now - self.last_sent >= self.config.heartbeat - TIME_EPSILON:
            return "heartbeat"
        # Against this reporter's own last report, not the feed: no reporter floods while the
        # feed is stale for want of a quorum.
        threshold = self.config.deviation * self.last_value
        return "deviation" if abs(value - self.last_value) > threshold else None

    def _run(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        while True:
            # Observe even when silenced, so silencing never shifts this reporter's stream.
            value = self.observe()
            reason = self.due(value, env.now)
            if reason is not None:
                if self.silenced or self.delay > 0 or self.bias != 0:
                    self.affected += 1
                if not self.silenced:
                    self._publish(value, reason)
            yield env.timeout(self.config.poll_interval)

    def _publish(self, value: float, reason: str) -> None:
        now = self.world.now
        arrival = now + self.config.observation_latency + self.delay
        self.last_value = value
        self.last_sent = now
        self.sent += 1
        accepted = self.feed.submit(Report(self.index, value, now, arrival))
        self.world.record(
            self.actor,
            "oracle.report",
            reporter=self.index,
            value=value,
            reason=reason,
            arrival=round(arrival, 6),
            accepted=accepted,
        )
