"""The tokenised asset's true net asset value: seeded diffusion, jumps and a possible default.

Only the simulator sees this value; consumers on chain see it only through the oracle's reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy

from bridgelab.core.world import World
from bridgelab.scenario.oracle_schema import Oracle

ACTOR = "nav"
STREAM = "oracle/nav"
SECONDS_PER_YEAR = 365.0 * 86_400.0
NAV_DECIMALS = 6
# A diffusion move below this fraction of the last recorded value is not recorded: the history
# stays small, and a metric rebuilt from it is off by less than one basis point.
RECORD_EPSILON = 1e-4


def quantize(value: float) -> float:
    """Round a price to fixed decimals, so state and history are byte-identical per seed."""
    return round(value, NAV_DECIMALS)


class NavProcess:
    """Geometric Brownian motion with Poisson jumps (at most one per step) and one default.

    Each step draws the same four numbers from `oracle/nav`, whatever the configuration, so
    turning jumps or a hazard on never shifts the diffusion path of the same seed.
    """

    def __init__(self, world: World, config: Oracle) -> None:
        self.world = world
        self.config = config
        self.value = quantize(config.initial_nav)
        self.defaulted = False
        self.default_time: float | None = None
        self.steps = 0
        self._recorded = self.value
        self._rng = world.streams.get(STREAM)

    def start(self) -> None:
        self.world.record(ACTOR, "nav.update", value=self.value, cause="start")
        self.world.env.process(self._run())
        if self.config.default_at is not None:
            self.force_default(self.config.default_at, self.config.write_down, "scheduled")

    def force_default(self, at: float, write_down: float, cause: str = "forced") -> None:
        """At simulated time `at`, write the NAV down by `write_down` (a fraction); once only."""
        self._schedule(at, lambda: self._default(write_down, cause))

    def force_jump(self, at: float, fraction: float) -> None:
        """At simulated time `at`, move the NAV by `fraction` (-0.02 is a 2% drop)."""
        self._schedule(at, lambda: self._move(self.value * (1.0 + fraction), "jump"))

    def _schedule(self, at: float, action: Callable[[], None]) -> None:
        def wait() -> simpy.events.ProcessGenerator:
            yield self.world.env.timeout(max(0.0, at - self.world.now))
            action()

        self.world.env.process(wait())

    def _run(self) -> simpy.events.ProcessGenerator:
        config = self.config
        dt = config.step / SECONDS_PER_YEAR
        drift = (config.drift - 0.5 * config.volatility**2) * dt
        scale = config.volatility * math.sqrt(dt)
        jump_probability = 1.0 - math.exp(-config.jump_rate * dt)
        default_probability = 1.0 - math.exp(-config.default_hazard * dt)
        rng = self._rng
        while True:
            yield self.world.env.timeout(config.step)
            self.steps += 1
            shock = rng.gauss(0.0, 1.0)
            jump_draw = rng.random()
            jump_size = rng.gauss(config.jump_mean, config.jump_stdev)
            default_draw = rng.random()
            log_return = drift + scale * shock
            jumped = jump_draw < jump_probability
            if jumped:
                log_return += jump_size
            self._move(self.value * math.exp(log_return), "jump" if jumped else "diffusion")
            if default_draw < default_probability:
                self._default(config.write_down, "hazard")

    def _move(self, value: float, cause: str) -> None:
        self.value = quantize(max(0.0, value))
        moved = abs(self.value - self._recorded) > RECORD_EPSILON * self._recorded
        if cause != "diffusion" or moved:
            self.world.record(ACTOR, "nav.update", value=self.value, cause=cause)
            self._recorded = self.value

    def _default(self, write_down: float, cause: str) -> None:
        if self.defaulted:
            return
        before = self.value
        self.value = quantize(before * (1.0 - write_down))
        self.defaulted = True
        self.default_cause = cause
        self.default_time = self.world.now
        self._recorded = self.value
        self.world.record(
            ACTOR,
            "nav.default",
            before=before,
            after=self.value,
            write_down=write_down,
            cause=cause,
        )
