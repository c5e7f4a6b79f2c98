"""What the CI gate will run: scenario files collected (files, or directories searched
recursively for `*.toml`), persisted failures first, every file validated before any runs,
and the seeds of each (`--seeds`, else the scenario's pinned seed, else 1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bridgelab.checker.api import PropertyLoadError, load_user_properties
from bridgelab.scenario import ScenarioError, load_scenario

if TYPE_CHECKING:  # annotations only: the models load when a scenario is read
    from bridgelab.scenario.model import Scenario

DEFAULT_PATHS = (Path("attacks/baseline.toml"),)
DEFAULT_FAILURES = Path(".bridgelab/failures")
DEFAULT_OUT = Path("bridgelab-check")
DEFAULT_SEED = 1

Kind = Literal["replay", "scenario"]


# The gate writes every run's evidence and holds the whole plan in memory: more runs than
# this are a campaign's job (`bridgelab campaign`, resumable), not a CI gate's.
MAX_SEEDS = 100_000


class SeedsError(ValueError):
    pass


def parse_seeds(text: str) -> list[int]:
    """`1,2,3` or ranges such as `1-5` (inclusive), in the order given, without repeats;
    each seed 64-bit, at most `MAX_SEEDS` of them."""
    # The schema's module, imported when seeds are parsed: not when the parser is built.
    from bridgelab.scenario.sizes import MAX_SEED

    seeds: list[int] = []
    seen: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if match is None:
            raise SeedsError(text)
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if high < low or high > MAX_SEED or high - low >= MAX_SEEDS:
            raise SeedsError(text)
        for seed in range(low, high + 1):
            if seed not in seen:
                seen.add(seed)
                seeds.append(seed)
        if len(seeds) > MAX_SEEDS:
            raise SeedsError(text)
    return seeds


@dataclass(slots=True)
class Target:
    """One scenario file the gate runs, at one or more seeds."""

    path: Path
    kind: Kind
    scenario: Scenario
    seeds: list[int]

    @property
    def display(self) -> str:
        return self.path.as_posix()


@dataclass(slots=True)
class BadInput:
    file: str
    key: str
    message: str


def _scenario_files(path: Path, skip_hidden: bool = True) -> tuple[list[Path], list[BadInput]]:
    """`*.toml` under a directory (any case), recursively, sorted, skipping hidden
    directories unless told not to (a failures directory skips none: every file there is a
    failure to replay); and, as bad input, each such name that is not a readable file (a
    dangling link, a directory), rather than dropped without a word."""
    found, bad = [], []
    for candidate in sorted(path.rglob("*")):
        if candidate.suffix.lower() != ".toml":
            continue
        relative = candidate.relative_to(path).parts
        if skip_hidden and any(part.startswith(".") for part in relative[:-1]):
            continue
        if not candidate.is_file():
            what = "a dangling link" if candidate.is_symlink() and not candidate.exists() \
                else "not a regular file"
            error = ScenarioError(str(candidate), "", "a readable scenario file", what)
            bad.append(BadInput(error.file, error.key, error.message))
            continue
        found.append(candidate)
    return found, bad


def collect(
    paths: list[Path], failures_dir: Path | None
) -> tuple[list[Path], list[Path], list[BadInput]]:
    """Replay files and scenario files, each once, in a stable order; and missing paths."""
    bad: list[BadInput] = []
    replays: list[Path] = []
    if failures_dir is not None and failures_dir.is_dir():
        replays, bad = _scenario_files(failures_dir, skip_hidden=False)
    seen = {replay.resolve() for replay in replays}
    scenarios: list[Path] = []
    for path in paths:
        if path.is_dir():
            files, unreadable = _scenario_files(path)
            bad += unreadable
            if not files and not unreadable:
                error = ScenarioError(str(path), "", "*.toml scenario files", "none")
                bad.append(BadInput(error.file, error.key, error.message))
        elif path.exists():
            files = [path]
        else:
            error = ScenarioError(
                str(path), "", "a scenario file or directory", "no such file or directory"
            )
            bad.append(BadInput(error.file, error.key, error.message))
            continue
        for file in files:
            resolved = file.resolve()
            if resolved not in seen:
                seen.add(resolved)
                scenarios.append(file)
    return replays, scenarios, bad


def validate(path: Path) -> Scenario:
    """Load the scenario and import its user properties; raise ScenarioError on bad input."""
    scenario = load_scenario(path)
    try:
        load_user_properties(scenario.checks.properties, path.resolve().parent)
    except PropertyLoadError as error:
        raise ScenarioError(
            str(path),
            f"checks.properties.{error.index}",
            f"an importable property {error.reference!r}",
            error.found,
        ) from None
    return scenario


def plan(
    paths: list[Path], failures_dir: Path | None, seeds: list[int] | None
) -> tuple[list[Target], list[BadInput]]:
    """Every target to run, replays first; or the bad input that stops the gate."""
    replays, scenarios, bad = collect(paths, failures_dir)
    targets: list[Target] = []
    for kind, files in (("replay", replays), ("scenario", scenarios)):
        for file in files:
            try:
                scenario = validate(file)
            except ScenarioError as error:
                bad.append(BadInput(error.file, error.key, error.message))
                continue
            pinned = scenario.scenario.seed
            if kind == "replay" and pinned is not None:
                # A persisted failure reproduces at its own seed, whatever --seeds says.
                target_seeds = [pinned]
            elif seeds is not None:
                target_seeds = list(seeds)
            else:
                target_seeds = [pinned if pinned is not None else DEFAULT_SEED]
            targets.append(Target(file, kind, scenario, target_seeds))  # type: ignore[arg-type]
    return targets, bad
