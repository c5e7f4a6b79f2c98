"""The on-chain price feed: reports are included each settlement slot; k of them make a round.

A round's value is the median of the distinct reporters' pending reports: liars who are fewer
than half of a round cannot move it outside the honest values, but k liars can make a round alone.
"""

from __future__ import annotations

import heapq
import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import simpy

from bridgelab.core.world import World
from bridgelab.oracle.nav import quantize
from bridgelab.scenario.oracle_schema import Oracle

ACTOR = "oracle"
MAX_ROUNDS = 1_000  # rounds kept in memory; the history has them all
MAX_IN_FLIGHT = 10_000  # reports travelling to the chain; beyond this they are dropped
TIME_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Report:
    """One reporter's value, authenticated by the model (no signatures: crypto is elsewhere)."""

    reporter: int
    value: float
    observed_at: float
    arrival: float


class Reading(NamedTuple):
    """What a consumer reads: the latest round's value, when it was written, and its number."""

    value: float
    updated_at: float
    round: int


class StalePrice(Exception):
    """A consumer refused a price older than `max_age`."""

    def __init__(self, reading: Reading, age: float) -> None:
        self.reading = reading
        self.age = age
        super().__init__(f"price of round {reading.round} is {age:.1f} s old")


class Feed:
    """The aggregator contract: pending reports, completed rounds, and staleness for readers."""

    def __init__(self, world: World, config: Oracle) -> None:
        self.world = world
        self.config = config
        self.slot_time = world.scenario.settlement.slot_time
        self.rounds: deque[Reading] = deque(maxlen=MAX_ROUNDS)
        self.pending: dict[int, Report] = {}
        self.on_update: list[Callable[[Reading], None]] = []
        self.included = 0
        self.dropped = 0
        # Consumers' reads of the price: an attack on the reporters tested something only if
        # someone read the feed while it was on.
        self.reads = 0
        self.last_read_at = -1.0
        self.stale = False
        self._in_flight: list[tuple[float, int, Report]] = []
        self._seq = 0

    def start(self) -> None:
        # Deployed with the initial NAV as round 0, so a reader always has a value and an age.
        self._publish(quantize(self.config.initial_nav), [], self.world.now)
        self.world.env.process(self._slots())

    def submit(self, report: Report) -> bool:
        """A report on its way; it is included at the first slot at or after its arrival."""
        if len(self._in_flight) >= MAX_IN_FLIGHT:
            self.dropped += 1
            return False
        heapq.heappush(self._in_flight, (report.arrival, self._seq, report))
        self._seq += 1
        return True

    def latest(self) -> Reading:
        return self.rounds[-1]

    def age(self, now: float) -> float:
        return now - self.latest().updated_at

    def is_stale(self, now: float) -> bool:
        return self.age(now) > self.config.max_age

    def price(self, now: float, refuse_stale: bool) -> float:
        """The latest value; raises `StalePrice` when it is stale and the consumer refuses."""
        self.reads += 1
        self.last_read_at = now
        if refuse_stale and self.is_stale(now):
            raise StalePrice(self.latest(), self.age(now))
        return self.latest().value

    def _slots(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        while True:
            yield env.timeout(self.slot_time)
            self._include(env.now)
            if not self.stale and self.is_stale(env.now):
                self.stale = True
                reading = self.latest()
                self.world.record(
                    ACTOR,
                    "oracle.stale",
                    round=reading.round,
                    updated_at=reading.updated_at,
                    age=round(self.age(env.now), 6),
                )

    def _include(self, now: float) -> None:
        while self._in_flight and self._in_flight[0][0] <= now + TIME_EPSILON:
            _, _, report = heapq.heappop(self._in_flight)
            # A reporter's newer report replaces its older one: one vote per reporter per round.
            self.pending[report.reporter] = report
            self.included += 1
        horizon = now - self.config.round_window
        self.pending = {
            index: report
            for index, report in sorted(self.pending.items())
            if report.arrival >= horizon
        }
        if len(self.pending) < self.config.quorum:
            return
        reports = list(self.pending.values())
        self.pending = {}
        value = quantize(statistics.median(sorted(report.value for report in reports)))
        observed_at = min(report.observed_at for report in reports)
        self._publish(value, [report.reporter for report in reports], observed_at)

    def _publish(self, value: float, reporters: list[int], observed_at: float) -> None:
        number = self.rounds[-1].round + 1 if self.rounds else 0
        reading = Reading(value, self.world.now, number)
        self.rounds.append(reading)
        self.stale = False
        self.world.record(
            ACTOR,
            "oracle.update",
            round=number,
            value=value,
            reporters=reporters,
            observed_at=round(observed_at, 6),
        )
        for callback in self.on_update:
            callback(reading)
