"""Building blocks shared by every schema: strict models, units, latency distributions.

Kept free of other bridgelab imports so any schema module can use it without cycles.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

PositiveSeconds = Annotated[float, Field(gt=0)]
NonNegativeSeconds = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]


def invalid(key: str, expected: str, found: object) -> PydanticCustomError:
    """A cross-field error that names the offending key below the model being checked."""
    return PydanticCustomError(
        "bridgelab_invalid",
        "expected {expected}, found {found}",
        {"key": key, "expected": expected, "found": repr(found)},
    )


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fixed(Strict):
    dist: Literal["fixed"]
    value: NonNegativeSeconds


class Uniform(Strict):
    dist: Literal["uniform"]
    low: NonNegativeSeconds
    high: NonNegativeSeconds

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise invalid("high", f"a value >= low ({self.low})", self.high)
        return self


class LogNormal(Strict):
    """Latency with a given median and log-space spread, capped so queues stay bounded."""

    dist: Literal["lognormal"]
    median: PositiveSeconds
    sigma: Annotated[float, Field(ge=0, le=5)]
    cap: PositiveSeconds = 30.0


class Exponential(Strict):
    dist: Literal["exponential"]
    mean: PositiveSeconds
    cap: PositiveSeconds = 30.0


Latency = Annotated[Fixed | Uniform | LogNormal | Exponential, Field(discriminator="dist")]
