"""Scenario files: the TOML schema and a loader that reports bad input precisely."""

from bridgelab.scenario.load import ScenarioError, load_scenario, parse_scenario
from bridgelab.scenario.model import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "parse_scenario"]
