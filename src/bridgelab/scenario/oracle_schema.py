"""The `[oracle]` section: the tokenised asset's NAV process, its reporters, feed and consumers.

Every field carries its unit; cross-field limits name the offending key like the rest of the schema.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

# `scenario/model.py` imports this module to add `Scenario.oracle`, so importing from it would be
# circular (even lazily: the defaults below are validated while model.py is still loading).
# `_Strict` and `_invalid` are therefore model.py's `Strict` and `invalid`, verbatim.

PositiveSeconds = Annotated[float, Field(gt=0)]
NonNegativeSeconds = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
PerYear = Annotated[float, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _invalid(key: str, expected: str, found: object) -> PydanticCustomError:
    """A cross-field error that names the offending key (the loader reports it like any other)."""
    return PydanticCustomError(
        "bridgelab_invalid",
        "expected {expected}, found {found}",
        {"key": key, "expected": expected, "found": repr(found)},
    )


class Lending(_Strict):
    """A lending market holding the wrapped token as collateral, priced by the feed."""

    enabled: bool = True
    borrowers: Annotated[int, Field(ge=0, le=1000)] = 10
    collateral_min: Annotated[int, Field(ge=1)] = 1_000  # wrapped tokens per borrower
    collateral_max: Annotated[int, Field(ge=1)] = 100_000  # wrapped tokens per borrower
    # Each borrower's opening debt is this fraction of its collateral value, times U(0.5, 1).
    loan_to_value: Annotated[float, Field(gt=0, lt=1)] = 0.6
    # Liquidated when debt > collateral x price x liquidation_threshold.
    liquidation_threshold: Annotated[float, Field(gt=0, le=1)] = 0.8
    check_interval: PositiveSeconds = 60.0  # simulated seconds between health checks

    @model_validator(mode="after")
    def _bounds(self) -> Lending:
        if self.collateral_max < self.collateral_min:
            raise _invalid(
                "collateral_max",
                f"a value >= collateral_min ({self.collateral_min})",
                self.collateral_max,
            )
        if self.loan_to_value >= self.liquidation_threshold:
            raise _invalid(
                "loan_to_value",
                f"a value < liquidation_threshold ({self.liquidation_threshold}): borrowers"
                " must open healthy",
                self.loan_to_value,
            )
        return self


class Oracle(_Strict):
    """The NAV of the tokenised structured product and the k-of-m feed that reports it."""

    enabled: bool = False
    # The true NAV: geometric Brownian motion with Poisson jumps, stepped every `step`.
    initial_nav: Annotated[float, Field(gt=0)] = 100.0  # currency units per token
    step: PositiveSeconds = 60.0  # simulated seconds between NAV steps
    drift: float = 0.0  # per year (annualised drift of the NAV)
    volatility: Annotated[float, Field(ge=0, le=5)] = 0.08  # per square-root year
    jump_rate: PerYear = 2.0  # jumps per year (Poisson)
    jump_mean: float = -0.01  # mean log size of one jump
    jump_stdev: Annotated[float, Field(ge=0)] = 0.02  # standard deviation of a jump's log size
    # The default on the underlying: at a fixed time and/or with a hazard rate, at most once.
    default_at: NonNegativeSeconds | None = None  # simulated seconds
    default_hazard: PerYear = 0.0  # defaults per year (Poisson hazard)
    write_down: Fraction = 0.4  # fraction of the NAV lost on default
    # The reporters: each observes the NAV and publishes on deviation or heartbeat.
    reporters: Annotated[int, Field(ge=1, le=100)] = 5  # m
    quorum: Annotated[int, Field(ge=1)] = 3  # k distinct reporters per round
    poll_interval: PositiveSeconds = 30.0  # simulated seconds between a reporter's observations
    heartbeat: PositiveSeconds = 3_600.0  # simulated seconds: publish at least this often
    deviation: Annotated[float, Field(ge=0, lt=1)] = 0.005  # relative move that forces a report
    noise: Annotated[float, Field(ge=0, le=0.1)] = 0.0005  # relative std. dev. of observation
    observation_latency: NonNegativeSeconds = 2.0  # seconds from observation to the chain
    # The feed (on the settlement chain): reports are included at the next slot.
    round_window: PositiveSeconds = 600.0  # seconds a report waits for a quorum before expiring
    max_age: PositiveSeconds = 3_900.0  # seconds after which consumers treat the price as stale
    refuse_when_stale: bool = True  # consumers refuse to price or lend on a stale value
    lending: Lending = Lending()

    @model_validator(mode="after")
    def _policy(self) -> Oracle:
        if self.quorum > self.reporters:
            raise _invalid("quorum", f"at most reporters ({self.reporters})", self.quorum)
        return self
