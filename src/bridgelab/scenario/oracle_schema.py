"""The `[oracle]` section: the tokenised asset's NAV process, its reporters, feed and consumers.

Every field carries its unit and bounds; cross-field limits name the offending key like the
rest of the schema.
"""

from __future__ import annotations

from pydantic import Field, model_validator

# Imports the shared building blocks only: `scenario/model.py` imports this module.
from bridgelab.scenario.base import (
    Amount,
    Count,
    Delay,
    Fraction,
    Instant,
    Number,
    Period,
    Strict,
    invalid,
)

PER_YEAR_WHY = "a million a year is one every 30 simulated seconds, far beyond any real rate"
LOG_WHY = "exp(10) is a 22,000-fold move; larger overflows the NAV's arithmetic"


class Lending(Strict):
    """A lending market holding the wrapped token as collateral, priced by the feed."""

    enabled: bool = Field(True, description="model the lending market")
    borrowers: Count("borrowers", 0, 1000, "each borrower is checked every check_interval") = 10
    collateral_min: Amount("wrapped tokens per borrower, at least") = 1_000
    collateral_max: Amount("wrapped tokens per borrower, at most") = 100_000
    loan_to_value: Number(
        "each borrower's opening debt is this fraction of its collateral value, times"
        " U(0.5, 1)", "", "a loan at or above its collateral is no loan", gt=0, lt=1,
    ) = 0.6
    liquidation_threshold: Number(
        "liquidated when debt > collateral x price x this", "",
        "a share of the collateral's value", gt=0, le=1,
    ) = 0.8
    check_interval: Period(
        "simulated seconds between health checks", at_least=1.0,
        why="prices change once per settlement slot at most: a keeper checking faster than"
        " every second sees the same prices",
    ) = 60.0

    @model_validator(mode="after")
    def _bounds(self) -> Lending:
        if self.collateral_max < self.collateral_min:
            raise invalid(
                "collateral_max",
                f"a value >= collateral_min ({self.collateral_min})",
                self.collateral_max,
            )
        if self.loan_to_value >= self.liquidation_threshold:
            raise invalid(
                "loan_to_value",
                f"a value < liquidation_threshold ({self.liquidation_threshold}): borrowers"
                " must open healthy",
                self.loan_to_value,
            )
        return self


class Oracle(Strict):
    """The NAV of the tokenised structured product and the k-of-m feed that reports it."""

    enabled: bool = Field(False, description="model the NAV oracle")
    # The true NAV: geometric Brownian motion with Poisson jumps, stepped every `step`.
    initial_nav: Number(
        "the NAV at the start", "currency units per token",
        "prices beyond 1e12 lose the feed's relative precision", gt=0, le=1e12,
    ) = 100.0
    step: Period(
        "simulated seconds between NAV steps", at_least=1.0,
        why="a fund's NAV is computed at most every second; a finer step is only more events",
    ) = 60.0
    drift: Number(
        "annualised drift of the NAV", "per year", "e^10 a year is already no asset price",
        ge=-10.0, le=10.0,
    ) = 0.0
    volatility: Number(
        "annualised volatility of the NAV", "per square-root year",
        "500% a year is beyond any traded asset", ge=0, le=5,
    ) = 0.08
    jump_rate: Number("jumps per year (Poisson)", "per year", PER_YEAR_WHY, ge=0, le=1e6) = 2.0
    jump_mean: Number("mean log size of one jump", "", LOG_WHY, ge=-10.0, le=10.0) = -0.01
    jump_stdev: Number(
        "standard deviation of a jump's log size", "", LOG_WHY, ge=0, le=10.0
    ) = 0.02
    # The default on the underlying: at a fixed time and/or with a hazard rate, at most once.
    default_at: Instant("when the underlying defaults") | None = None
    default_hazard: Number(
        "defaults per year (Poisson hazard)", "per year", PER_YEAR_WHY, ge=0, le=1e6
    ) = 0.0
    write_down: Fraction("fraction of the NAV lost on default") = 0.4
    # The reporters: each observes the NAV and publishes on deviation or heartbeat.
    reporters: Count("reporters (m)", 1, 100, "each reporter polls the NAV on its own") = 5
    quorum: Count("distinct reporters a round needs (k of m)", 1, 100, "at most reporters") = 3
    poll_interval: Period(
        "simulated seconds between a reporter's observations", at_least=1.0,
        why="reports land once per settlement slot at most: polling faster than every second"
        " only queues them",
    ) = 30.0
    heartbeat: Delay(
        "simulated seconds: a reporter publishes at least this often", positive=True
    ) = 3_600.0
    deviation: Number(
        "relative move that forces a report", "", "a share of the price", ge=0, lt=1
    ) = 0.005
    noise: Number(
        "relative standard deviation of an observation", "",
        "beyond 10% an observation is no observation", ge=0, le=0.1,
    ) = 0.0005
    observation_latency: Delay("seconds from observation to the chain") = 2.0
    # The feed (on the settlement chain): reports are included at the next slot.
    round_window: Delay(
        "seconds a report waits for a quorum before expiring", positive=True
    ) = 600.0
    max_age: Delay(
        "seconds after which consumers treat the price as stale", positive=True
    ) = 3_900.0
    refuse_when_stale: bool = Field(
        True, description="consumers refuse to price or lend on a stale value"
    )
    lending: Lending = Lending()

    @model_validator(mode="after")
    def _policy(self) -> Oracle:
        if self.quorum > self.reporters:
            raise invalid("quorum", f"at most reporters ({self.reporters})", self.quorum)
        return self
