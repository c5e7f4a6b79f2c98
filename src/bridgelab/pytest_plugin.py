"""bridgelab's pytest plugin (registered through the `pytest11` entry point).

Fixtures:

- `bridgelab_scenario(source=None, overrides=None, **sections)` -> a validated `Scenario`.
  `source` is a scenario file, a dict or a `Scenario` (default: `SMALL_BASE`, a small fast
  bridge); overrides are deep-merged (nested dicts or dotted keys), and keyword arguments
  override whole sections' keys: `bridgelab_scenario(committee={"threshold": 4})`.
- `bridgelab_run(source=None, seed=None, overrides=None, **sections)` -> a `RunResult`.
  `source` is anything `bridgelab_scenario` takes; the seed defaults to the scenario's
  `[scenario] seed`, else 1. history.jsonl and results.json go to a fresh directory under
  `tmp_path` (`bridgelab_run.last_dir`); user properties are looked up next to the file.
- `bridgelab_assert_safe(result)`: fails, explaining every violation, when a safety property
  failed. The same helpers are importable: `from bridgelab.pytest_plugin import assert_safe`.

    def test_threshold_five_survives_four_colluders(bridgelab_run, bridgelab_assert_safe):
        attack = {"kind": "collusion.fabricated_lock", "targets": {"members": [1, 2, 3, 4]}}
        result = bridgelab_run(committee={"threshold": 5}, attacks=[attack])
        bridgelab_assert_safe(result)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

# The plugin loads in every pytest session of the environment: bridgelab itself is imported
# only when a fixture or helper is used.

__all__ = ["assert_holds", "assert_safe"]


def assert_safe(result: Any) -> None:
    """Fail, explaining each violation, if any safety property failed in `result`."""
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


class ScenarioFactory:
    """`bridgelab_scenario(...)`: a validated scenario from a file, dict or Scenario."""

    def __call__(self, source: Any = None, overrides: dict[str, Any] | None = None,
                 **sections: Any):
        from bridgelab.testing import scenario_from

        return scenario_from(source, _merge_sections(overrides, sections))


class RunFactory:
    """`bridgelab_run(...)`: run a scenario at a seed, its history kept under `tmp_path`."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "bridgelab-runs"
        self.last_dir: Path | None = None
        self.count = 0

    def __call__(self, source: Any = None, seed: int | None = None,
                 overrides: dict[str, Any] | None = None, **sections: Any):
        from bridgelab.runner import run
        from bridgelab.testing import scenario_from

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
        return run(scenario, seed, out, base_dir=base_dir)


@pytest.fixture
def bridgelab_scenario() -> ScenarioFactory:
    """A factory: `bridgelab_scenario(path_or_dict=None, overrides=None, **sections)`."""
    return ScenarioFactory()


@pytest.fixture
def bridgelab_run(tmp_path: Path) -> RunFactory:
    """A factory: `bridgelab_run(scenario_or_path=None, seed=None, overrides=None, **sections)`."""
    return RunFactory(tmp_path)


@pytest.fixture
def bridgelab_assert_safe():
    """`bridgelab_assert_safe(result)`: fail with the violations explained if unsafe."""
    return assert_safe
