"""Building blocks shared by every schema: strict models, quantities with physical bounds,
latency distributions.

Every number of a scenario is a quantity built here: its unit, its bounds and why they are
what they are go into the field's description (what `bridgelab schema` shows), and a value
outside them is refused with a message that says why. Every float is finite: a NaN compares
false with everything and would slip through any later check, and an infinite time never
comes.

Kept free of other bridgelab imports (but `display`) so any schema module can use it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bridgelab.scenario.display import show

# The history records simulated time to the microsecond (core/history.py, TIME_DECIMALS).
CLOCK_RESOLUTION = 1e-6
# A timer that repeats must advance time by many ticks of that clock: one firing faster
# than every millisecond keeps simulated time crawling (1e-9 s: it never leaves 0 in
# practice) while events and memory grow.
MIN_PERIOD = 1e-3
# Seconds as a float keep a microsecond's resolution up to about 2**53 µs = 9e9 s.
MAX_SECONDS = 1e9
# The longest run: a year of simulated time (the slowest periodic processes, settlement
# slots and NAV steps, already take millions of events over it).
MAX_DURATION = 365 * 86_400.0
# Token amounts are whole units below 2**128 (uint128 balances hold any real supply).
AMOUNT_LIMIT = 2**128
# The longest free text (descriptions) and the longest name, in characters.
MAX_TEXT = 10_000
MAX_NAME = 100

PERIOD_WHY = (
    "a repeating timer faster than 1 ms keeps simulated time from advancing: the history"
    " records time to 1 µs"
)
DELAY_WHY = "the history records time to 1 µs, and seconds lose that precision above 1e9"
TIME_WHY = "seconds lose the history's 1 µs precision above 1e9"
AMOUNT_WHY = "token amounts are whole units below 2**128"

_BOUND_ERRORS = frozenset({
    "greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number",
})


def invalid(key: str, expected: str, found: object) -> PydanticCustomError:
    """A cross-field error that names the offending key below the model being checked."""
    return PydanticCustomError(
        "bridgelab_invalid",
        "expected {expected}, found {found}",
        {"key": key, "expected": expected, "found": show(found)},
    )


def _refusal(range_text: str, why: str, gap: tuple[float, float] | None) -> WrapValidator:
    """Validate with the field's own constraints; a value out of range is refused with
    the whole range and the reason. `gap` is an open interval refused besides (above 0,
    below the floor of a quantity where 0 means "off")."""

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            result = handler(value)
        except ValidationError as error:
            if error.errors()[0]["type"] not in _BOUND_ERRORS:
                raise
            raise invalid("", f"{range_text} ({why})", value) from None
        if gap is not None and gap[0] < result < gap[1]:
            raise invalid("", f"{range_text} ({why})", value)
        return result

    return WrapValidator(check)


def _fmt(value: float, kind: type) -> str:
    if kind is not int:
        return f"{value:,.0f}" if value == int(value) and abs(value) < 1e15 else f"{value:g}"
    whole = int(value)
    if whole >= 2**32 and whole & (whole - 1) == 0:
        return f"2**{whole.bit_length() - 1}"  # not 340,282,366,920,938,463,463,...
    return f"{whole:,}"


def _quantity(kind: type, what: str, unit: str, why: str, *, ge: float | None = None,
              gt: float | None = None, le: float | None = None, lt: float | None = None,
              zero_or_at_least: float | None = None) -> Any:
    if zero_or_at_least is not None:
        low = f"0 or at least {_fmt(zero_or_at_least, kind)}"
    elif ge is not None:
        low = f"at least {_fmt(ge, kind)}"
    else:
        low = f"above {_fmt(gt, kind)}" if gt is not None else ""
    if le is not None:
        high = f"at most {_fmt(le, kind)}"
    else:
        high = f"below {_fmt(lt, kind)}" if lt is not None else ""
    bounds = " and ".join(part for part in (low, high) if part) + (f" {unit}" if unit else "")
    range_text = f"a finite number, {bounds}" if kind is float else f"an integer, {bounds}"
    gap = (0.0, zero_or_at_least) if zero_or_at_least is not None else None
    description = f"{what} ({bounds}: {why})"
    return Annotated[
        kind,
        # Strict: `true` is no 1, "9" and 9.0 are no integer (an integer is still a float).
        Field(strict=True, ge=ge, gt=gt, le=le, lt=lt, description=description,
              json_schema_extra={"unit": unit} if unit else None),
        _refusal(range_text, why, gap),
    ]


def Period(what: str, *, off: bool = False, at_least: float = MIN_PERIOD,
           why: str = PERIOD_WHY) -> Any:
    """Seconds between repeats (or a timeout that re-arms): at least `at_least` (1 ms, or
    a physical floor with its own `why`), or 0 if `off`."""
    assert at_least >= MIN_PERIOD, "no timer may repeat faster than the clock allows"
    if off:
        return _quantity(float, what + "; 0 switches it off", "s", why, ge=0.0,
                         le=MAX_SECONDS, zero_or_at_least=at_least)
    return _quantity(float, what, "s", why, ge=at_least, le=MAX_SECONDS)


def Delay(what: str, *, positive: bool = False, high: float = MAX_SECONDS) -> Any:
    """A one-off wait in seconds: 0 (unless `positive`) or at least the clock's 1 µs."""
    if positive:
        return _quantity(float, what, "s", DELAY_WHY, ge=CLOCK_RESOLUTION, le=high)
    return _quantity(float, what, "s", DELAY_WHY, ge=0.0, le=high,
                     zero_or_at_least=CLOCK_RESOLUTION)


def Instant(what: str) -> Any:
    """A moment of simulated time, in seconds from the start of the run."""
    return _quantity(float, what, "s", TIME_WHY, ge=0.0, le=MAX_SECONDS)


def Count(what: str, low: int, high: int, why: str) -> Any:
    """A whole number of things, with the reason for its upper bound."""
    return _quantity(int, what, "", why, ge=low, le=high)


def Amount(what: str, *, low: int = 1) -> Any:
    """Token units: whole, below 2**128."""
    return _quantity(int, what, "token units", AMOUNT_WHY, ge=low, lt=AMOUNT_LIMIT)


def Number(what: str, unit: str, why: str, *, ge: float | None = None, gt: float | None = None,
           le: float | None = None, lt: float | None = None) -> Any:
    """Any other finite float: a factor, a rate, a fee, with its unit and bounds."""
    return _quantity(float, what, unit, why, ge=ge, gt=gt, le=le, lt=lt)


def Fraction(what: str, *, positive: bool = False) -> Any:
    """A probability or a share, in [0, 1]; above 0 if `positive` (where 0 would make a
    fault do nothing while its run reads as having withstood it)."""
    if positive:
        return _quantity(float, what, "", "a fault that never strikes tests nothing",
                         gt=0.0, le=1.0)
    return _quantity(float, what, "", "a probability or share", ge=0.0, le=1.0)


def Text(what: str, *, low: int = 0, high: int = MAX_TEXT) -> Any:
    """A string of `low`..`high` characters (control characters are refused on read)."""
    return Annotated[str, Field(min_length=low, max_length=high,
                                description=f"{what} ({low}..{high} characters)")]


def Name(what: str) -> Any:
    """A non-empty name of at most MAX_NAME characters."""
    return Text(what, low=1, high=MAX_NAME)


class Strict(BaseModel):
    # No unknown keys (a typo is an error, not a default), no NaN or infinity anywhere.
    # Validators are built on first use, not at import: a scenario's root model builds those
    # of its sections as part of its own, and a section built alone would repeat that work.
    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True,
    )


class Fixed(Strict):
    """Every message takes the same time."""

    dist: Literal["fixed"] = Field(description="the distribution: every latency the same")
    value: Delay("the latency of every message")


class Uniform(Strict):
    """Latency drawn uniformly between two bounds."""

    dist: Literal["uniform"] = Field(description="the distribution: uniform in [low, high]")
    low: Delay("the shortest latency")
    high: Delay("the longest latency")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise invalid("high", f"a value >= low ({self.low})", self.high)
        return self


class LogNormal(Strict):
    """Latency with a given median and log-space spread, capped so queues stay bounded."""

    dist: Literal["lognormal"] = Field(
        description="the distribution: log-normal with a median and a spread, capped"
    )
    median: Delay("the median latency", positive=True)
    sigma: Number("the spread of log latency", "", "beyond 5 the tail is all cap", ge=0, le=5)
    cap: Delay("the longest latency drawn", positive=True) = 30.0


class Exponential(Strict):
    """Latency with a given mean and an exponential tail, capped so queues stay bounded."""

    dist: Literal["exponential"] = Field(
        description="the distribution: exponential with a mean, capped"
    )
    mean: Delay("the mean latency", positive=True)
    cap: Delay("the longest latency drawn", positive=True) = 30.0


Latency = Annotated[Fixed | Uniform | LogNormal | Exponential, Field(discriminator="dist")]
