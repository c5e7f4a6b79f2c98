"""Helpers for testing a bridge configuration with bridgelab, with or without pytest.

- `SMALL_BASE`: a small, fast bridge (the baseline model, few transfers, short finality);
- `scenario_from(source, overrides)`: a validated `Scenario` from a file, a dict or a
  `Scenario`, with overrides deep-merged in (nested dicts, or dotted keys such as
  `"committee.threshold"`);
- `assert_safe(result)`: fails, explaining every violation, when a safety property failed;
  `assert_holds(result)`: fails unless the run passed outright (exit code 0).

The pytest plugin (`bridgelab.pytest_plugin`) wraps these as fixtures.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from bridgelab.scenario import Scenario, parse_scenario
from bridgelab.scenario.load import deep_merge
from bridgelab.scenario.reader import read_toml

# A small bridge for tests: 7 validators, 3 relayers, a 9-member committee needing 6 (member 0
# required), 6 transfers each way, finality after 4 slots. A run takes well under a second.
SMALL_BASE: dict[str, Any] = {
    "scenario": {
        "name": "small",
        "description": "A small honest round trip for tests.",
        "duration": 3_600.0,
    },
    "consortium": {"validators": 7, "block_time": 1.0, "view_timeout": 3.0},
    "relayers": {"count": 3, "endorse_timeout": 5.0, "backup_delay": 120.0},
    "committee": {"members": 9, "threshold": 6, "required": [0], "custody": "multisig"},
    "settlement": {"slot_time": 12.0, "finality_slots": 4},
    "network": {"latency": {"dist": "lognormal", "median": 0.05, "sigma": 0.4, "cap": 2.0}},
    "workload": {
        "users": 10,
        "asset": "SP-TOKEN",
        "deposits": 6,
        "withdrawals": 6,
        "deposit_interval": 4.0,
        "amount_min": 1_000,
        "amount_max": 1_000_000,
        "withdraw_delay": 10.0,
    },
}

# Properties that are not safety: judged eventually, or coverage probes.
NOT_SAFETY = ("liveness.", "coverage.")
# Inconclusive reasons that concern liveness alone ("liveness.… is unknown: …").
LIVENESS_ONLY = ("liveness.",)


def expand_dotted(overrides: dict[str, Any]) -> dict[str, Any]:
    """`{"committee.threshold": 4}` -> `{"committee": {"threshold": 4}}` (nested dicts too)."""
    expanded: dict[str, Any] = {}
    for key, value in overrides.items():
        if isinstance(value, dict):
            value = expand_dotted(value)
        parts = key.split(".")
        nested: dict[str, Any] = {parts[-1]: value}
        for part in reversed(parts[:-1]):
            nested = {part: nested}
        expanded = deep_merge(expanded, nested)
    return expanded


def scenario_data(
    source: str | Path | dict[str, Any] | Scenario | None = None,
    overrides: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], str]:
    """The raw scenario data (before validation) and a file name for error messages."""
    if source is None:
        data, name = copy.deepcopy(SMALL_BASE), "<small>"
    elif isinstance(source, Scenario):
        data, name = source.model_dump(mode="json"), "<scenario>"
    elif isinstance(source, dict):
        data, name = copy.deepcopy(source), "<dict>"
    else:
        path = Path(source)
        data, name = read_toml(path, "scenario file"), str(path)
    if overrides:
        data = deep_merge(data, expand_dotted(overrides))
    return data, name


def scenario_from(
    source: str | Path | dict[str, Any] | Scenario | None = None,
    overrides: dict[str, Any] | None = None,
) -> Scenario:
    """A validated scenario; raises `ScenarioError` (file, key, expected, found) if invalid."""
    data, name = scenario_data(source, overrides)
    return parse_scenario(data, name)


def _describe(result: Any, failing: list[str], heading: str) -> str:
    fingerprint = result.fingerprint
    lines = [
        f"{heading}: scenario {fingerprint.get('scenario')!r} seed {fingerprint.get('seed')}"
        f" (exit code {result.exit_code})"
    ]
    for prop in failing:
        lines.append(f"  {prop}: fail")
        violations = [v for v in result.violations if v["property"] == prop]
        for violation in violations[:5]:
            lines.append(
                f"    at t={violation['time']:.3f}s, event #{violation['event_seq']}"
                f" ({violation['event_kind']} by {violation['actor']}): {violation['detail']}"
            )
        if len(violations) > 5:
            lines.append(f"    ... and {len(violations) - 5} more")
    for reason in result.inconclusive:
        lines.append(f"  inconclusive: {reason}")
    lines.append(f"  history sha256 {result.history_sha256}")
    return "\n".join(lines)


def safety_failures(result: Any) -> list[str]:
    """Failed properties other than liveness and coverage (user `always` checks included)."""
    return [
        prop for prop, verdict in result.verdicts.items()
        if verdict == "fail" and not prop.startswith(NOT_SAFETY)
    ]


def unvouched(result: Any) -> list[str]:
    """Why `result` cannot vouch for safety though none of it failed: every inconclusive
    reason but liveness that could not be judged (a fault still active, say), which says
    nothing either way about what an attacker could take."""
    return [reason for reason in result.inconclusive if not reason.startswith(LIVENESS_ONLY)]


def assert_safe(result: Any) -> None:
    """Fail, explaining each violation, if any safety property failed in `result`; fail too
    if the run cannot vouch for safety (`unvouched`: its attacks never started, nothing
    was exercised, a final block was taken back ...). Missing evidence is never a pass."""
    __tracebackhide__ = True
    failing = safety_failures(result)
    if failing:
        raise AssertionError(_describe(result, failing, "the bridge is not safe"))
    if unvouched(result):
        raise AssertionError(_describe(result, [], "the run cannot vouch for safety"))


def assert_holds(result: Any) -> None:
    """Fail unless every property held and nothing was inconclusive (exit code 0)."""
    __tracebackhide__ = True
    if result.exit_code != 0:
        failing = [prop for prop, verdict in result.verdicts.items() if verdict == "fail"]
        raise AssertionError(_describe(result, failing, "the run did not pass"))


def run(scenario: Any, seed: int | None = None, out: Any = None, replace: bool = False) -> Any:
    """Run one scenario, as `bridgelab run` does, and return its `RunResult` (a notebook
    shows it as the verdict, the properties, the first violation, the history's hash and
    the run directory).

    `scenario` is a scenario file (its user properties are read next to it) or a `Scenario`;
    `seed` defaults to the scenario's `[scenario] seed`, else 1; `out` (new or empty, or a
    previous run's with `replace`) gets scenario.toml, history.jsonl and results.json."""
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
