"""bridgelab's pytest plugin (registered through the `pytest11` entry point).

Fixtures:

- `bridgelab_scenario(source=None, overrides=None, **sections)` -> a validated `Scenario`.
  `source` is a scenario file, a dict or a `Scenario` (default: `SMALL_BASE`, a small fast
  bridge); overrides are deep-merged (nested dicts or dotted keys), and keyword arguments
  override whole sections' keys: `bridgelab_scenario(committee={"threshold": 4})`.
- `bridgelab_run(source=None, seed=None, overrides=None, **sections)` -> a `RunResult`.
  `source` is anything `bridgelab_scenario` takes; the seed defaults to the scenario's
  `[scenario] seed`, else 1. history.jsonl, the effective scenario.toml and results.json go
  to a fresh directory under `tmp_path` (`bridgelab_run.last_dir`); user properties are
  looked up next to the scenario file.
- `bridgelab_assert_safe(result)`: fails, explaining every violation, when a safety property
  failed, or when the run cannot vouch for safety (inconclusive for any reason but liveness
  left unjudged); the message names the run's directory, its saved scenario and the command that
  replays it. The same helpers are importable: `from bridgelab.pytest_plugin import
  assert_safe` (without the fixture, the message cannot name a directory).

A relative scenario path is read relative to the test file that uses the fixture (then, if
no such file is there, relative to the working directory), so a test suite runs the same from
any directory. The factories' types are importable for annotations:
`from bridgelab.pytest_plugin import RunFactory, ScenarioFactory`.

    def test_threshold_five_survives_four_colluders(bridgelab_run, bridgelab_assert_safe):
        attack = {"kind": "collusion.fabricated_lock", "targets": {"members": [1, 2, 3, 4]}}
        result = bridgelab_run(committee={"threshold": 5}, attacks=[attack])
        bridgelab_assert_safe(result)
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

# The plugin loads in every pytest session of the environment: bridgelab itself is imported
# only when a fixture or helper is used.

__all__ = ["AssertSafe", "RunFactory", "ScenarioFactory", "assert_holds", "assert_safe"]


def assert_safe(result: Any) -> None:
    """Fail, explaining each violation, if any safety property failed in `result`, or if the
    run cannot vouch for safety (`bridgelab.testing.assert_safe`)."""
    __tracebackhide__ = True
    from bridgelab.testing import assert_safe as check

    check(result)


def assert_holds(result: Any) -> None:
    """Fail unless every property held and nothing was inconclusive (exit code 0)."""
    __tracebackhide__ = True
    from bridgelab.testing import assert_holds as check

    check(result)


def _merge_sections(overrides: dict[str, Any] | None, sections: dict[str, Any]) -> dict[str, Any]:
    merged = dict(overrides or {})
    merged.update(sections)
    return merged


def _resolve(source: Any, test_dir: Path | None) -> Any:
    """A relative scenario path, read from the test file's folder when the file is there."""
    if not isinstance(source, str | Path) or Path(source).is_absolute() or test_dir is None:
        return source
    beside_test = test_dir / source
    return beside_test if beside_test.exists() or not Path(source).exists() else source


class ScenarioFactory:
    """`bridgelab_scenario(...)`: a validated scenario from a file, dict or Scenario."""

    def __init__(self, test_dir: Path | None = None) -> None:
        self.test_dir = test_dir

    def __call__(self, source: Any = None, overrides: dict[str, Any] | None = None,
                 **sections: Any) -> Any:
        from bridgelab.testing import scenario_from

        return scenario_from(_resolve(source, self.test_dir), _merge_sections(overrides, sections))


class RunFactory:
    """`bridgelab_run(...)`: run a scenario at a seed, its evidence kept under `tmp_path`."""

    def __init__(self, tmp_path: Path, test_dir: Path | None = None) -> None:
        self.root = tmp_path / "bridgelab-runs"
        self.test_dir = test_dir
        self.last_dir: Path | None = None
        self.count = 0
        # id(result) -> (result, its directory): the results this factory made, so an
        # assertion about one can name where its evidence is.
        self._made: dict[int, tuple[Any, Path]] = {}

    def __call__(self, source: Any = None, seed: int | None = None,
                 overrides: dict[str, Any] | None = None, **sections: Any) -> Any:
        from bridgelab.runner import run
        from bridgelab.testing import scenario_from

        source = _resolve(source, self.test_dir)
        scenario = scenario_from(source, _merge_sections(overrides, sections))
        if seed is None:
            seed = scenario.scenario.seed if scenario.scenario.seed is not None else 1
        base_dir = None
        if isinstance(source, str | Path):
            base_dir = Path(source).resolve().parent
        name = re.sub(r"[^A-Za-z0-9_-]", "-", scenario.scenario.name)
        self.count += 1
        out = self.root / f"{self.count:03d}-{name}-seed{seed}"
        out.mkdir(parents=True, exist_ok=True)
        self.last_dir = out
        result = run(scenario, seed, out, base_dir=base_dir, reproduce=replay_command(out, seed))
        self._made[id(result)] = (result, out)
        return result

    def directory_of(self, result: Any) -> Path | None:
        """The directory holding `result`'s evidence, if this factory made it."""
        made = self._made.get(id(result))
        return made[1] if made is not None and made[0] is result else None


def replay_command(out: Path, seed: int) -> str:
    """The command that replays a run from its saved effective scenario."""
    return shlex.join(["bridgelab", "run", str(out / "scenario.toml"), "--seed", str(seed),
                       "--out", f"{out}-replay"])


class AssertSafe:
    """`bridgelab_assert_safe(result)`: `assert_safe` whose message says where the evidence is."""

    def __init__(self, runs: RunFactory) -> None:
        self.runs = runs

    def __call__(self, result: Any) -> None:
        __tracebackhide__ = True
        try:
            assert_safe(result)
        except AssertionError as failure:
            out = self.runs.directory_of(result)
            if out is None:
                raise
            seed = result.fingerprint.get("seed", 1)
            raise AssertionError(
                f"{failure}\n  run directory: {out}\n  saved scenario: {out / 'scenario.toml'}"
                f"\n  replay: {replay_command(out, seed)}"
            ) from None


def _test_dir(request: pytest.FixtureRequest) -> Path | None:
    path = getattr(request, "path", None)
    return Path(path).parent if path is not None else None


@pytest.fixture
def bridgelab_scenario(request: pytest.FixtureRequest) -> ScenarioFactory:
    """A factory: `bridgelab_scenario(path_or_dict=None, overrides=None, **sections)`."""
    return ScenarioFactory(_test_dir(request))


@pytest.fixture
def bridgelab_run(tmp_path: Path, request: pytest.FixtureRequest) -> RunFactory:
    """A factory: `bridgelab_run(scenario_or_path=None, seed=None, overrides=None, **sections)`."""
    return RunFactory(tmp_path, _test_dir(request))


@pytest.fixture
def bridgelab_assert_safe(bridgelab_run: RunFactory) -> AssertSafe:
    """`bridgelab_assert_safe(result)`: fail with the violations explained if unsafe, naming
    the run directory, the saved scenario and the replay command."""
    return AssertSafe(bridgelab_run)
