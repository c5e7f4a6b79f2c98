"""Campaigns expanded into runs: one run spec per (configuration, attack arm, seed), each with
a stable run key. Everything is data: the expansion depends only on the file (and the base
scenario it names), never on the order runs finish in, so a resumed campaign expands to the
same keys and skips the ones already stored. The file's format is `bridgelab.campaign.schema`.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bridgelab.campaign.runkeys import (
    REGISTRATION_FORMAT,
    RunKeys,
    campaign_digest,
    canonical,
)
from bridgelab.campaign.runspec import RunSpec, run_key
from bridgelab.campaign.schema import (
    MAX_RUNS,
    MAX_SCENARIOS,
    RUNS_WHY,
    SCENARIOS_WHY,
    Arm,
    CampaignFile,
    Distribution,
    Sweep,
)
from bridgelab.safepaths import component_problem, confined, fold
from bridgelab.scenario.load import (
    ScenarioError,
    _found,
    _key_path,
    deep_merge,
    expected_of,
    parse_scenario,
    scenario_hash,
)
from bridgelab.scenario.model import Scenario
from bridgelab.scenario.reader import read_toml
from bridgelab.scenario.suggest import suggestion
from bridgelab.version import __version__


@dataclass(slots=True)
class Campaign:
    """A validated campaign file with its base scenario resolved."""

    path: Path
    spec: CampaignFile
    base_data: dict[str, Any]
    base_dir: Path
    hash: str = ""
    # What the hash is of; the store keeps it, so a report can rebuild the run keys.
    registration: dict[str, Any] = field(default_factory=dict)
    configs: list[dict[str, Any]] = field(default_factory=list)
    # Each (configuration, arm)'s scenario hash, or each run's under a swarm.
    _scenario_hashes: dict[tuple[int, str, int], str | None] = field(
        default_factory=dict, repr=False)

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

    def specs(self, history_root: Path | None = None) -> Iterator[RunSpec]:
        """Every run of the campaign, in a fixed order (configuration, arm, seed), built one
        at a time: a campaign of millions of runs starts at once and holds only the runs in
        flight, not every run's scenario. The history paths are checked here, before the
        first run is taken."""
        seeds = self.spec.campaign.seed_sequence()
        if not self.spec.campaign.histories:
            history_root = None
        if history_root is not None:
            # Arm names are checked when the campaign is read (`check_run_paths`); resolving
            # one run's directory per arm confirms it, without a resolve per run.
            for arm in self.arms:
                confined(history_root, history_root / self.hash[:12]
                         / run_key(0, arm.name, seeds[0]))
        return self._runs(seeds, history_root)

    def _runs(self, seeds: Sequence[int], history_root: Path | None) -> Iterator[RunSpec]:
        warmup = self.spec.theory.warmup if self.spec.theory else 0
        ordinal = 0
        for config_index, config in enumerate(self.configs):
            for arm in self.arms:
                for seed in seeds:
                    key = run_key(config_index, arm.name, seed)
                    # Drawn again for each configuration and arm (the same draw: it depends
                    # on the seed alone) rather than kept for every seed at once.
                    profile = self.swarm_profile(seed)
                    history_dir = None
                    if history_root is not None:
                        history_dir = str(history_root / self.hash[:12] / key)
                    yield RunSpec(
                        self.hash, key, ordinal, config_index, arm.name, seed, dict(config),
                        _public_profile(profile),
                        self.scenario_data(config, arm, profile), history_dir,
                        str(self.base_dir), warmup,
                    )
                    ordinal += 1

    def total_runs(self) -> int:
        return len(self.configs) * len(self.arms) * self.spec.campaign.seed_count()

    def run_keys(self) -> RunKeys:
        """The keys of this campaign's runs (a store may hold others)."""
        return RunKeys.of(len(self.configs), (arm.name for arm in self.arms),
                          self.spec.campaign.seed_sequence())

    def run_keys_among(self, keys: set[str]) -> int:
        """How many of `keys` name a run of this campaign (a store may hold others)."""
        return self.run_keys().among(keys) if keys else 0

    def scenario_hash_of(self, key: str) -> str | None:
        """The scenario hash of the run `key` (one of `run_keys()`), as a worker computes it
        from the scenario the campaign gives that run; None if that does not validate. A
        stored row of another scenario, however real, is no run of this campaign."""
        config, arm_name, seed_part = key.split("/")
        config_index, seed = int(config[1:]), int(seed_part[1:])
        # Without a swarm a run's scenario depends on its configuration and arm alone.
        cached = (config_index, arm_name, seed if self.spec.swarm is not None else 0)
        if cached not in self._scenario_hashes:
            arm = next(arm for arm in self.arms if arm.name == arm_name)
            try:
                data = self.scenario_data(self.configs[config_index], arm,
                                          self.swarm_profile(seed))
                digest: str | None = scenario_hash(parse_scenario(data, key))
            except (ScenarioError, KeyError, ValueError, TypeError, RecursionError):
                digest = None
            self._scenario_hashes[cached] = digest
        return self._scenario_hashes[cached]

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
        expected = expected_of(error) + suggestion(CampaignFile, error)
        found = _found(error, error["type"])
        raise ScenarioError(name, _key_path(error), expected, found) from None
    base_dir = path.parent
    base_data: dict[str, Any] = {}
    if spec.campaign.base is not None:
        base_path = (path.parent / spec.campaign.base).resolve()
        base_data = _read_toml(base_path, "base scenario file")
        base_dir = base_path.parent
        # A campaign built on an incident replay is a sweep of your own, not the replay: its
        # runs stay in a report's headline unless the campaign itself says otherwise.
        if isinstance(base_data.get("scenario"), dict):
            base_data["scenario"].pop("incident", None)
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
    # Read back through JSON, so the store's copy hashes exactly as this one does.
    campaign.registration = json.loads(canonical({
        "format": REGISTRATION_FORMAT,
        "version": __version__,
        "campaign": spec.model_dump(mode="json"),
        "base": base_data,
    }))
    campaign.hash = campaign_digest(campaign.registration)
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
