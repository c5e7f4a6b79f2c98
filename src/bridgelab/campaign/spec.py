"""Campaign files: a base scenario, a sweep, attack arms, seeds, an optional swarm and theory.

A campaign expands into run specs, one per (configuration, attack arm, seed), each with a
stable run key. Everything is data: the expansion depends only on the file (and the base
scenario it names), never on the order runs finish in, so a resumed campaign expands to the
same keys and skips the ones already stored.

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
import hashlib
import itertools
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from bridgelab import __version__
from bridgelab.safepaths import component_problem, confined, fold
from bridgelab.scenario.base import Count, Fraction, Number, Strict, invalid
from bridgelab.scenario.load import (
    ScenarioError,
    _expected,
    _found,
    _key_path,
    deep_merge,
    parse_scenario,
)
from bridgelab.scenario.model import Scenario
from bridgelab.scenario.reader import MAX_KEY_PARTS, read_toml
from bridgelab.scenario.suggest import suggestion

DISTRIBUTIONS = ("uniform", "loguniform", "randint", "choice")
MAX_RUNS = 10_000_000
RUNS_WHY = "a campaign of ten million runs already takes days"
# Every configuration x arm is validated as a scenario before a single run starts.
MAX_SCENARIOS = 10_000
SCENARIOS_WHY = "each configuration x arm is validated as a scenario before any run starts"
MAX_VALUES = 10_000
SEED = Count("a seed", 0, 2**64 - 1, "seeds are 64-bit")


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
        return self

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

    def seed_count(self) -> int:
        """len(seed_list()), without building the list (a campaign may have millions)."""
        if isinstance(self.seeds, int):
            return self.seeds
        if isinstance(self.seeds, SeedRange):
            return self.seeds.count
        return len(self.seeds)

    def seed_list(self) -> list[int]:
        if isinstance(self.seeds, int):
            return list(range(1, self.seeds + 1))
        if isinstance(self.seeds, SeedRange):
            return list(range(self.seeds.start, self.seeds.start + self.seeds.count))
        return list(self.seeds)


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


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One run of a campaign: everything a worker needs, picklable, no open handles."""

    campaign_hash: str
    run_key: str
    ordinal: int
    config: int
    arm: str
    seed: int
    params: dict[str, Any]
    profile: dict[str, Any] | None
    scenario: dict[str, Any]
    history_dir: str | None = None
    base_dir: str | None = None
    warmup: int = 0


@dataclass(slots=True)
class Campaign:
    """A validated campaign file with its base scenario resolved."""

    path: Path
    spec: CampaignFile
    base_data: dict[str, Any]
    base_dir: Path
    hash: str = ""
    configs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.campaign.name

    @property
    def arms(self) -> list[Arm]:
        return self.spec.attacks or [Arm(name="base")]

    def scenario_data(self, config: dict[str, Any], arm: Arm,
                      profile: dict[str, Any] | None = None) -> dict[str, Any]:
        data = copy.deepcopy(self.base_data)
        data.setdefault("attacks", [])
        data["attacks"] = list(data["attacks"]) + arm.attacks()
        if profile:
            data["attacks"] += [copy.deepcopy(a) for a in profile.get("faults_attacks", [])]
        for path, value in config.items():
            set_path(data, path, value)
        if profile:
            for path, value in profile.get("draw", {}).items():
                set_path(data, path, value)
        return data

    def scenario(self, config_index: int, arm: Arm) -> Scenario:
        return parse_scenario(self.scenario_data(self.configs[config_index], arm), str(self.path))

    def swarm_profile(self, seed: int) -> dict[str, Any] | None:
        """The fault profile the swarm draws for `seed` (the same for every configuration)."""
        swarm = self.spec.swarm
        if swarm is None:
            return None
        rng = random.Random(_stream_seed("swarm", seed))
        draw = {path: swarm.draw[path].draw(rng) for path in sorted(swarm.draw)}
        enabled = [rng.random() < fault.enable for fault in swarm.faults]
        return {
            "draw": draw,
            "faults": [fault.kind for fault, on in zip(swarm.faults, enabled, strict=True) if on],
            "faults_attacks": [
                fault.attack() for fault, on in zip(swarm.faults, enabled, strict=True) if on
            ],
        }

    def expand(self, history_root: Path | None = None) -> list[RunSpec]:
        """Every run of the campaign, in a fixed order (configuration, arm, seed)."""
        seeds = self.spec.campaign.seed_list()
        warmup = self.spec.theory.warmup if self.spec.theory else 0
        profiles = {seed: self.swarm_profile(seed) for seed in seeds}
        runs: list[RunSpec] = []
        ordinal = 0
        if history_root is not None and self.spec.campaign.histories:
            # Arm names are checked when the campaign is read (`check_run_paths`); resolving
            # one run's directory per arm confirms it, without a resolve per run.
            for arm in self.arms:
                confined(history_root, history_root / self.hash[:12]
                         / run_key(0, arm.name, seeds[0]))
        for config_index, config in enumerate(self.configs):
            for arm in self.arms:
                for seed in seeds:
                    key = run_key(config_index, arm.name, seed)
                    profile = profiles[seed]
                    history_dir = None
                    if history_root is not None and self.spec.campaign.histories:
                        history_dir = str(history_root / self.hash[:12] / key)
                    runs.append(RunSpec(
                        self.hash, key, ordinal, config_index, arm.name, seed, dict(config),
                        _public_profile(profile),
                        self.scenario_data(config, arm, profile), history_dir,
                        str(self.base_dir), warmup,
                    ))
                    ordinal += 1
        return runs

    def total_runs(self) -> int:
        return len(self.configs) * len(self.arms) * self.spec.campaign.seed_count()

    def group_label(self, config_index: int) -> str:
        config = self.configs[config_index]
        if not config:
            return "base"
        return ", ".join(f"{path}={_short(value)}" for path, value in config.items())


def _public_profile(profile: dict[str, Any] | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {"draw": profile["draw"], "faults": profile["faults"]}


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return json.dumps(value) if not isinstance(value, str) else value


def run_key(config_index: int, arm: str, seed: int) -> str:
    return f"c{config_index:04d}/{arm}/s{seed}"


def _stream_seed(purpose: str, *parts: object) -> int:
    material = "/".join(["bridgelab/campaign", purpose, "v1", *map(str, parts)]).encode()
    return int.from_bytes(hashlib.sha256(material).digest(), "big")


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path (`committee.threshold`, `attacks.0.params.p`), creating tables."""
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise KeyError(f"{'.'.join(parts[:depth])} has no item {part}")
            if last:
                node[int(part)] = copy.deepcopy(value)
            else:
                node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise KeyError(f"{'.'.join(parts[:depth])} is not a table")
        if last:
            node[part] = copy.deepcopy(value)
        else:
            node = node.setdefault(part, {})


def _configs(sweep: Sweep) -> list[dict[str, Any]]:
    """Cases × grid × random samples, each a {path: value} dict with paths in a fixed order."""
    cases = sweep.cases or [{}]
    grid_paths = list(sweep.grid)
    grid = list(itertools.product(*(sweep.grid[p] for p in grid_paths))) if grid_paths else [()]
    samples: list[dict[str, Any]] = [{}]
    if sweep.random:
        samples = []
        for index in range(sweep.samples):
            rng = random.Random(_stream_seed("random", sweep.seed, index))
            samples.append({path: sweep.random[path].draw(rng) for path in sorted(sweep.random)})
    configs = []
    for case in cases:
        for values in grid:
            for sample in samples:
                config = dict(case)
                config.update(zip(grid_paths, values, strict=True))
                config.update(sample)
                configs.append(config)
    return configs


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    return read_toml(path, what)


def parse_campaign(data: dict[str, Any], path: Path) -> Campaign:
    """Validate a campaign (every configuration × arm scenario too); errors name the key."""
    name = str(path)
    try:
        spec = CampaignFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        error = sorted(errors, key=lambda e: [str(p) for p in e["loc"]])[0]
        expected = _expected(error) + suggestion(CampaignFile, error)
        found = _found(error, error["type"])
        raise ScenarioError(name, _key_path(error), expected, found) from None
    base_dir = path.parent
    base_data: dict[str, Any] = {}
    if spec.campaign.base is not None:
        base_path = (path.parent / spec.campaign.base).resolve()
        base_data = _read_toml(base_path, "base scenario file")
        base_dir = base_path.parent
    base_data = deep_merge(base_data, spec.base)
    campaign = Campaign(path, spec, base_data, base_dir)
    arms = len(campaign.arms)
    scenarios = spec.sweep.configurations() * arms
    if scenarios > MAX_SCENARIOS:
        raise ScenarioError(
            name, "sweep", f"at most {MAX_SCENARIOS:,} configurations x arms ({SCENARIOS_WHY})",
            f"{scenarios:,}",
        )
    campaign.configs = _configs(spec.sweep)
    total = campaign.total_runs()
    if total > MAX_RUNS:
        raise ScenarioError(name, "campaign", f"at most {MAX_RUNS:,} runs ({RUNS_WHY})",
                            f"{total:,}")
    # Every configuration × arm must be a valid scenario before a single run starts, and
    # every property module they name must import.
    properties: set[tuple[str, ...]] = set()
    for config_index, config in enumerate(campaign.configs):
        for arm in campaign.arms:
            where = f"{run_key(config_index, arm.name, 0).rsplit('/', 1)[0]} ({_label(config)})"
            try:
                scenario_data = campaign.scenario_data(config, arm)
            except KeyError as exc:
                raise ScenarioError(name, "sweep", "paths into the scenario", str(exc)) from None
            try:
                scenario = parse_scenario(scenario_data, f"{name}: {where}")
            except ScenarioError as error:
                raise ScenarioError(
                    f"{name}: {where}", error.key, error.expected, error.found
                ) from None
            properties.add(tuple(scenario.checks.properties))
    from bridgelab.checker.api import check_user_properties

    for references in sorted(properties):
        check_user_properties(list(references), base_dir, name)
    if spec.swarm is not None:
        _check_swarm(campaign, name)
    check_run_paths(campaign, name)
    campaign.hash = hashlib.sha256(
        _canonical({
            "format": "bridgelab-campaign/v1",
            "version": __version__,
            "campaign": spec.model_dump(mode="json"),
            "base": base_data,
        }).encode()
    ).hexdigest()
    return campaign


def _label(config: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_short(v)}" for k, v in config.items()) or "base"


def _check_swarm(campaign: Campaign, name: str) -> None:
    """Validate the swarm against every fault switched on and the extremes of each draw."""
    swarm = campaign.spec.swarm
    assert swarm is not None
    profile = {
        "draw": {path: _extreme(dist) for path, dist in swarm.draw.items()},
        "faults_attacks": [fault.attack() for fault in swarm.faults],
    }
    for config_index, config in enumerate(campaign.configs):
        for arm in campaign.arms:
            try:
                data = campaign.scenario_data(config, arm, profile)
            except KeyError as exc:
                raise ScenarioError(name, "swarm", "paths into the scenario", str(exc)) from None
            try:
                parse_scenario(data, name)
            except ScenarioError as error:
                where = f"{name}: swarm ({run_key(config_index, arm.name, 0).rsplit('/', 1)[0]})"
                raise ScenarioError(where, error.key, error.expected, error.found) from None


def _extreme(dist: Distribution) -> Any:
    for name in ("uniform", "loguniform", "randint"):
        bounds = getattr(dist, name)
        if bounds is not None:
            return bounds[1]
    assert dist.choice is not None
    return dist.choice[-1]


def load_campaign(path: str | Path) -> Campaign:
    path = Path(path)
    return parse_campaign(_read_toml(path, "campaign file"), path)


def check_run_paths(campaign: Campaign, name: str) -> None:
    """Refuse (ScenarioError, exit 3) names that would put runs in the wrong place.

    A run's history goes to `<histories>/<campaign hash>/c<config>/<arm>/s<seed>` and the
    default store to `runs/campaigns/<campaign name>.sqlite`, so the campaign's name and each
    arm's name must be one safe path component (not `.` or `..`, no separator, no leading dot
    or dash, no control character). Two arms whose names differ only in case or punctuation
    are refused too: on a file system that ignores case they would share directories, and in
    a report they read as one. Configurations are numbered, so they cannot collide."""
    problem = component_problem(campaign.name)
    if problem is not None:
        raise ScenarioError(name, "campaign.name", "a name usable as a file name", problem)
    seen: dict[str, tuple[int, str]] = {}
    for index, arm in enumerate(campaign.spec.attacks):
        key = f"attacks.{index}.name"
        problem = component_problem(arm.name)
        if problem is not None:
            raise ScenarioError(name, key, "an arm name usable as a directory name", problem)
        folded = fold(arm.name)
        if folded in seen:
            other, other_name = seen[folded]
            raise ScenarioError(
                name, key,
                f"an arm name that differs from attacks.{other}.name ({other_name!r}) in more"
                " than case or punctuation (their runs would share a history directory)",
                repr(arm.name),
            )
        seen[folded] = (index, arm.name)
