"""The campaign file's schema: a base scenario, a sweep, attack arms, seeds, an optional swarm
and theory, each validated with its bounds (`bridgelab.campaign.spec` expands it into runs).

    [campaign]
    name = "demo"
    base = "../attacks/baseline.toml"   # optional, relative to this file
    seeds = 20                          # 1..20; or [3, 5, 8]; or { start = 100, count = 50 }

    [base]                              # deep-merged over the base file (or the whole scenario)
    workload = { deposits = 5, withdrawals = 2 }
    committee = { signatures = "symbolic" }  # optional: stand-in signatures for big sweeps
                                             # (not cryptography; results say crypto = symbolic)

    [sweep.grid]                        # every combination of these values
    "committee.custody" = ["multisig", "threshold-bls"]

    [[sweep.cases]]                     # hand-picked combinations (a product with the grid)
    "committee.members" = 5
    "committee.threshold" = 3

    [sweep.random]                      # `sweep.samples` random draws of these
    "network.loss" = { uniform = [0.0, 0.05] }

    [[attacks]]                         # attack arms; none = the base scenario's own attacks
    name = "none"
    [[attacks]]
    name = "bernoulli"
    kind = "key.bernoulli"              # one attack, as in a scenario's [[attacks]]
    params = { p = 0.3 }                # (or [[attacks.compose]] entries for several at once)

    [swarm]                             # fault profile drawn per seed, recorded with the run
    draw = { "network.loss" = { uniform = [0.0, 0.2] } }
    [[swarm.faults]]
    enable = 0.5                        # included in a seed's run with this probability
    kind = "node.crash"

Sweep keys are dotted paths into the scenario (list items by index: `attacks.0.params.p`),
applied after the arm's attacks are appended to the base scenario's.
"""

from __future__ import annotations

import copy
import datetime
import math
import random
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from bridgelab.scenario.base import Count, Fraction, Number, Strict, invalid
from bridgelab.scenario.reader import MAX_KEY_PARTS
from bridgelab.scenario.sizes import MAX_SEED, SEED_WHY

DISTRIBUTIONS = ("uniform", "loguniform", "randint", "choice")
MAX_RUNS = 10_000_000
RUNS_WHY = "a campaign of ten million runs already takes days"
# Every configuration x arm is validated as a scenario before a single run starts.
MAX_SCENARIOS = 10_000
SCENARIOS_WHY = "each configuration x arm is validated as a scenario before any run starts"
MAX_VALUES = 10_000
SEED = Count("a seed", 0, MAX_SEED, SEED_WHY)


class SeedRange(Strict):
    """`count` consecutive seeds from `start`."""

    start: SEED = 1
    count: Count("seeds", 1, MAX_RUNS, RUNS_WHY)


class Distribution(Strict):
    """Exactly one of: uniform = [lo, hi], loguniform = [lo, hi], randint = [lo, hi]
    (inclusive), choice = [values...]."""

    uniform: tuple[float, float] | None = Field(None, description="[low, high]: uniform")
    loguniform: tuple[float, float] | None = Field(
        None, description="[low, high]: uniform in log space (low above 0)"
    )
    randint: tuple[int, int] | None = Field(
        None, description="[low, high]: an integer, both ends included"
    )
    choice: list[Any] | None = Field(None, max_length=MAX_VALUES,
                                     description="one of these values, each equally likely")

    @model_validator(mode="after")
    def _one(self) -> Distribution:
        given = [name for name in DISTRIBUTIONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise invalid("", f"exactly one of {list(DISTRIBUTIONS)}", given or "none")
        for name in ("uniform", "loguniform", "randint"):
            bounds = getattr(self, name)
            if bounds is not None and bounds[1] < bounds[0]:
                raise invalid(name, "[low, high] with low <= high", list(bounds))
        if self.loguniform is not None and self.loguniform[0] <= 0:
            raise invalid("loguniform", "a positive lower bound", self.loguniform[0])
        if self.choice is not None and not self.choice:
            raise invalid("choice", "at least one value", [])
        return self

    def draw(self, rng: random.Random) -> Any:
        if self.uniform is not None:
            return rng.uniform(*self.uniform)
        if self.loguniform is not None:
            low, high = self.loguniform
            return math.exp(rng.uniform(math.log(low), math.log(high)))
        if self.randint is not None:
            return rng.randint(*self.randint)
        assert self.choice is not None
        return copy.deepcopy(self.choice[rng.randrange(len(self.choice))])


def _is_distribution(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in DISTRIBUTIONS


def flatten(table: dict[str, Any], leaf=lambda value: not isinstance(value, dict)) -> dict:
    """`{"a": {"b": 1}}` and `{"a.b": 1}` both become `{"a.b": 1}`."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if leaf(value):
            flat[key] = value
        else:
            for sub, inner in flatten(value, leaf).items():
                flat[f"{key}.{sub}"] = inner
    return flat


SCENARIO_VALUE = "a number, string, boolean, array or table (a scenario value)"


def _check_scenario_value(where: str, value: Any) -> None:
    """A TOML date or time is no scenario value: refused here, where the campaign names it,
    rather than met later by code that writes sweep values out as JSON."""
    if isinstance(value, datetime.date | datetime.time):
        raise invalid(where, SCENARIO_VALUE, value)
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_scenario_value(f"{where}.{index}", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_scenario_value(f"{where}.{key}", item)


class Sweep(Strict):
    """The configurations: a grid, hand-picked cases and random draws of scenario keys."""

    grid: dict[str, Annotated[list[Any], Field(max_length=MAX_VALUES)]] = Field(
        default_factory=dict, max_length=64,
        description="dotted scenario keys, each with a list of values: every combination",
    )
    cases: list[dict[str, Any]] = Field(
        default_factory=list, max_length=MAX_SCENARIOS,
        description="hand-picked combinations of dotted keys (a product with the grid)",
    )
    random: dict[str, Distribution] = Field(
        default_factory=dict, max_length=64,
        description="dotted scenario keys drawn from a distribution, `samples` times",
    )
    samples: Count("random draws of the sweep", 1, MAX_SCENARIOS, SCENARIOS_WHY) = 1
    seed: SEED = 0

    @field_validator("grid", mode="before")
    @classmethod
    def _flat_grid(cls, value: Any) -> Any:
        return flatten(value, lambda v: not isinstance(v, dict)) if isinstance(value, dict) \
            else value

    @field_validator("cases", mode="before")
    @classmethod
    def _flat_cases(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [flatten(case) if isinstance(case, dict) else case for case in value]
        return value

    @field_validator("random", mode="before")
    @classmethod
    def _flat_random(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return flatten(value, lambda v: not isinstance(v, dict) or _is_distribution(v))
        return value

    @model_validator(mode="after")
    def _non_empty(self) -> Sweep:
        for path, values in self.grid.items():
            if not values:
                raise invalid(f"grid.{path}", "at least one value", [])
        paths = [*self.grid, *self.random, *(path for case in self.cases for path in case)]
        for path in paths:
            if path.count(".") >= MAX_KEY_PARTS:
                raise invalid("", f"paths of at most {MAX_KEY_PARTS} parts", path)
        for where, value in self._values():
            _check_scenario_value(where, value)
        return self

    def _values(self) -> list[tuple[str, Any]]:
        """Every value the sweep may put into a scenario, with its key path."""
        values = [(f"grid.{path}.{index}", value) for path, choices in self.grid.items()
                  for index, value in enumerate(choices)]
        values += [(f"cases.{index}.{path}", value) for index, case in enumerate(self.cases)
                   for path, value in case.items()]
        values += [(f"random.{path}.choice.{index}", value)
                   for path, distribution in self.random.items()
                   for index, value in enumerate(distribution.choice or ())]
        return values

    def configurations(self) -> int:
        """How many configurations the sweep expands to (before expanding it)."""
        total = max(1, len(self.cases)) * (self.samples if self.random else 1)
        for values in self.grid.values():
            total *= len(values)
        return total


class Arm(Strict):
    """An attack arm: a name, and the attacks it adds (none, one inline, or `compose`)."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.+-]+$",
                      description="the arm's name (none: the base scenario's own attacks)")
    kind: str | None = Field(None, description="an attack kind (`bridgelab attacks list`)")
    targets: dict[str, Any] | None = Field(None, description="whom it hits, as in [[attacks]]")
    schedule: dict[str, Any] | None = Field(None, description="when, as in [[attacks]]")
    heal: dict[str, Any] | None = Field(None, description="when it heals, as in [[attacks]]")
    params: dict[str, Any] | None = Field(None, description="the kind's parameters")
    compose: list[dict[str, Any]] = Field(
        default_factory=list, max_length=100,
        description="several attacks at once, each as a scenario's [[attacks]] entry",
    )

    @model_validator(mode="after")
    def _either(self) -> Arm:
        inline = [k for k in ("targets", "schedule", "heal", "params") if getattr(self, k)]
        if inline and self.kind is None:
            raise invalid("kind", "an attack kind with targets/schedule/heal/params", "none")
        if self.kind is not None and self.compose:
            raise invalid("compose", "either an inline attack (kind = ...) or compose", "both")
        return self

    def attacks(self) -> list[dict[str, Any]]:
        if self.kind is None:
            return copy.deepcopy(self.compose)
        spec: dict[str, Any] = {"kind": self.kind}
        for key in ("targets", "schedule", "heal", "params"):
            value = getattr(self, key)
            if value is not None:
                spec[key] = copy.deepcopy(value)
        return [spec]


class SwarmFault(Strict):
    """A fault the swarm switches on for a seed with probability `enable`."""

    enable: Fraction("chance the fault is part of a seed's run") = 0.5
    kind: str = Field(description="an attack kind (`bridgelab attacks list`)")
    name: str = Field("", description="a label for the fault's events")
    targets: dict[str, Any] | None = Field(None, description="whom it hits, as in [[attacks]]")
    schedule: dict[str, Any] | None = Field(None, description="when, as in [[attacks]]")
    heal: dict[str, Any] | None = Field(None, description="when it heals, as in [[attacks]]")
    params: dict[str, Any] | None = Field(None, description="the kind's parameters")

    def attack(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"kind": self.kind}
        if self.name:
            spec["name"] = self.name
        for key in ("targets", "schedule", "heal", "params"):
            value = getattr(self, key)
            if value is not None:
                spec[key] = copy.deepcopy(value)
        return spec


class Swarm(Strict):
    """A fault profile drawn per seed: scenario keys and faults switched on by chance."""

    draw: dict[str, Distribution] = Field(
        default_factory=dict, max_length=64,
        description="dotted scenario keys drawn per seed from a distribution",
    )
    faults: list[SwarmFault] = Field(default_factory=list, max_length=100,
                                     description="faults each seed includes by chance")

    @field_validator("draw", mode="before")
    @classmethod
    def _flat_draw(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return flatten(value, lambda v: not isinstance(v, dict) or _is_distribution(v))
        return value


class Theory(Strict):
    """What the campaign's estimates must agree with (see `bridgelab.campaign.theory`).

    binomial: P(safety violation) vs P(Binomial(committee.members, p) >= threshold), with p
    the first `key.bernoulli` attack's `p`. mm1: the relayer's mean queueing wait vs
    W_q = λ / (μ (μ − λ)), λ = 1 / workload.deposit_interval, μ = 1 / service_time_mean.
    """

    kind: Literal["binomial", "mm1"] = Field(
        description="the model the estimate is checked against"
    )
    confidence: Number(
        "confidence of the interval the estimate must fall in", "",
        "a two-sided interval of confidence at most one half says nothing", gt=0.5, lt=1,
    ) = 0.95
    warmup: Count(
        "mm1: customers served at the start of each run left out (the queue starts empty)",
        0, MAX_RUNS, "no run serves more",
    ) = 0


class CampaignMeta(Strict):
    """The campaign's name, its base scenario file and its seeds."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.+-]+$",
                      description="the campaign's name (letters, digits, _.+-)")
    description: str = Field("", description="what the campaign measures")
    base: str | None = Field(None, description="the base scenario file, relative to this file")
    seeds: Count("seeds 1..N", 1, MAX_RUNS, RUNS_WHY) | Annotated[
        list[SEED], Field(max_length=MAX_RUNS)
    ] | SeedRange = 10
    histories: bool = Field(True, description="keep every run's history.jsonl")

    @field_validator("seeds")
    @classmethod
    def _distinct(cls, value: Any) -> Any:
        if isinstance(value, list) and (not value or len(set(value)) != len(value)):
            raise ValueError("a non-empty list of distinct seeds")
        return value

    def seed_sequence(self) -> Sequence[int]:
        """The seeds in order: a `range` when the file gives a count or a range (a campaign
        may have millions, and a range holds none of them), else the file's list."""
        if isinstance(self.seeds, int):
            return range(1, self.seeds + 1)
        if isinstance(self.seeds, SeedRange):
            return range(self.seeds.start, self.seeds.start + self.seeds.count)
        return list(self.seeds)

    def seed_count(self) -> int:
        return len(self.seed_sequence())


class CampaignFile(Strict):
    campaign: CampaignMeta
    base: dict[str, Any] = Field(
        default_factory=dict,
        description="scenario keys deep-merged over the base file (or the whole scenario)",
    )
    sweep: Sweep = Sweep()
    attacks: list[Arm] = Field(default_factory=list, max_length=1_000,
                               description="attack arms, each run on every configuration")
    swarm: Swarm | None = None
    theory: Theory | None = None

    @model_validator(mode="after")
    def _unique_arms(self) -> CampaignFile:
        names = [arm.name for arm in self.attacks]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise invalid(f"attacks.{index}.name", "a unique arm name", name)
        return self
