"""bridgelab: a deterministic security and fault-injection testbed for cross-chain bridges."""

from __future__ import annotations

from typing import Any

from bridgelab.version import __version__

__all__ = ["__version__", "load_campaign", "run"]

# The scenario schema validates attack kinds and coverage probes through its registry
# (scenario/registry.py); the modules that define them register when imported, which the
# registry does at its first lookup: a command that reads no scenario never pays for them.
from bridgelab.scenario import registry as _registry

_registry.provide("bridgelab.checker.properties")
_registry.provide("bridgelab.nemesis.specs")


def load_campaign(store: Any, campaign: str | None = None) -> Any:
    """A stored campaign's runs as typed records (`bridgelab.campaign.table.CampaignResults`):
    `len(...)`, `.rows`, `.columns`, `.to_pandas()`, `.to_arrow()`; shown as a table in a
    notebook. Imported on first use, so `import bridgelab` stays cheap."""
    from bridgelab.campaign.table import load_campaign as load

    return load(store, campaign)


def run(scenario: Any, seed: int | None = None, out: Any = None, replace: bool = False) -> Any:
    """Run one scenario, as `bridgelab run` does, and return its `RunResult` (a notebook
    shows it as the verdict, the properties, the first violation, the history's hash and
    the run directory).

    `scenario` is a scenario file (its user properties are read next to it) or a `Scenario`;
    `seed` defaults to the scenario's `[scenario] seed`, else 1; `out` (new or empty, or a
    previous run's with `replace`) gets scenario.toml, history.jsonl and results.json."""
    from pathlib import Path

    from bridgelab import evidence
    from bridgelab.runner import run as run_scenario
    from bridgelab.scenario import Scenario

    base_dir, reproduce = None, None
    if not isinstance(scenario, Scenario):
        from bridgelab.cli.common import load_checked

        path = Path(scenario)
        scenario, base_dir = load_checked(path), path.resolve().parent
    if seed is None:
        seed = scenario.scenario.seed if scenario.scenario.seed is not None else 1
    if base_dir is not None:
        reproduce = f"bridgelab run {path} --seed {seed}"
    if out is not None:
        out = Path(out)
        evidence.claim(out, replace=replace)
    return run_scenario(scenario, seed, out, base_dir=base_dir, reproduce=reproduce)
