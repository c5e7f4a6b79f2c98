"""Scenario files: the TOML schema and a loader that reports bad input precisely.

The schema's models take a good part of a second to build, and most commands (and
`bridgelab --help`) never need them: `Scenario` is imported on first use, and the loader's
functions import it when they are first called. `ScenarioError` is light and always here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bridgelab.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from pathlib import Path

    from bridgelab.scenario.model import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "parse_scenario"]


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise `ScenarioError` on any problem."""
    from bridgelab.scenario.load import load_scenario as load

    return load(path)


def parse_scenario(data: dict[str, Any], file: str = "<scenario>") -> Scenario:
    """Validate already-parsed TOML data; the first error becomes a `ScenarioError`."""
    from bridgelab.scenario.load import parse_scenario as parse

    return parse(data, file)


def __getattr__(name: str) -> Any:
    if name == "Scenario":
        from bridgelab.scenario.model import Scenario

        return Scenario
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
