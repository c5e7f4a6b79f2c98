"""What a found violation leaves behind: a replayable scenario, the one-line reproduce
command, a pytest regression test, and a plain-language explanation.

A scenario that names files relative to itself (its own contract, its properties' modules)
replays only with them beside it: each witness gets copies, checked against the SHA-256 the
search's runs read (`scenario_files`), and the regression test reads them where they are."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridgelab.hunt.machine import Step
from bridgelab.safepaths import confined
from bridgelab.scenario.model import Scenario
from bridgelab.scenario.toml_out import scenario_toml
from bridgelab.scenario_files import copy_files, named_files

FAILURES_DIR = Path(".bridgelab/failures")
# What a hunt writes into its output directory (and `test_regression_*.py`): a file the
# scenario names may not take one of these places beside the witness.
OUTPUTS = frozenset({"counterexample.toml", "reproduce.txt", "explanation.md",
                     "cheapest-attack.toml", "cost.json"})


@dataclass
class Artefacts:
    scenario: Path
    command: str
    test: Path
    explanation: Path
    persisted: Path | None
    # Why the witness's files could not be put beside it (it then does not replay), if so.
    unreplayable: str | None = None


def file_name(scenario_name: str) -> str:
    """The scenario's name as a file name: letters, digits, `_` and `-`, at most 64
    characters; a name that had to change gets a short hash of itself, so that two scenarios
    whose names map alike never overwrite each other's persisted failure."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", scenario_name).strip("-")[:64] or "scenario"
    if name != scenario_name:
        name += "-" + hashlib.sha256(scenario_name.encode("utf-8", "replace")).hexdigest()[:8]
    return name


def steps_to_attacks(steps: list[Step]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The hunt's steps as scenario `[[attacks]]` and scripted deposits, at their times."""
    attacks: list[dict[str, Any]] = []
    deposits: list[dict[str, Any]] = []
    for step in steps:
        at = step.time
        if step.action == "compromise":
            attacks.append({
                "kind": "key.compromise", "name": f"compromise-{step.args['entity']}",
                "targets": {"entities": [step.args["entity"]]}, "schedule": {"at": at},
                "params": {"forge": False},
            })
        elif step.action == "forge":
            params = {"amount": step.args["amount"]}
            for key in ("pacing", "forgeries", "directions"):
                if key in step.args:
                    params[key] = step.args[key]
            attacks.append({
                "kind": "adversary.forge", "name": "forge", "schedule": {"at": at},
                "params": params,
            })
        elif step.action == "censor":
            attacks.append({
                "kind": "relayer.censor", "name": f"censor-relayer-{step.args['relayer']}",
                "targets": {"relayers": [step.args["relayer"]]}, "schedule": {"at": at},
            })
        elif step.action == "deposit":
            deposits.append({"at": at, "user": step.args["user"], "amount": step.args["amount"]})
    return attacks, deposits


def explain(steps: list[Step], violation: dict[str, Any]) -> str:
    """The counterexample as a short argument, in the manner of a proof by contradiction."""
    lines = ["# Why this bridge is not safe", ""]
    for step in steps:
        t = f"t = {step.time:,.0f} s"
        if step.action == "compromise":
            lines.append(
                f"- Let the adversary compromise entity `{step.args['entity']}` at {t}: it"
                f" thereby controls seats {step.args['seats']}."
            )
        elif step.action == "forge":
            lines.append(f"- Then, at {t}, {_forging(step.args)}")
        elif step.action == "censor":
            lines.append(f"- At {t} relayer {step.args['relayer']} starts censoring.")
        elif step.action == "deposit":
            lines.append(
                f"- At {t} {step.args['user']} deposits {step.args['amount']:,}."
            )
    lines.append(
        f"- At t = {violation['time']:,.3f} s the bridge executes a {violation['event_kind']}"
        f" (event #{violation['event_seq']}): {violation['detail']}."
    )
    lines.append(
        f"- This contradicts `{violation['property']}`. Every step above stayed within the"
        " hunt's budget."
    )
    return "\n".join(lines) + "\n"


def _forging(args: dict[str, Any]) -> str:
    amount, forgeries = args["amount"], args.get("forgeries", 1)
    if args.get("pacing", "single") == "single" and forgeries == 1:
        return (f"it signs a deposit of {amount:,} that no one locked, with every key it"
                " holds, and submits the mint.")
    if args.get("pacing", "single") == "single":
        return (f"it signs {forgeries} deposits that no one locked, {amount:,} in all, with"
                " every key it holds, and submits the mints at once.")
    directions = args.get("directions", ["deposit"])
    kinds = " and ".join(
        {"deposit": "deposits that no one locked",
         "withdrawal": "withdrawals that no one burned"}[d] for d in directions
    )
    count = "a single transfer" if forgeries == 1 else f"at most {forgeries} transfers"
    return (f"it sets out to take {amount:,} in {count} — {kinds} — each signed with every"
            " key it holds and sized and paced against the contracts' public limits (under"
            " the cap, below the delay threshold, within the rate limit's refill), until the"
            " bridge is paused.")


def regression_test(name: str, scenario_path: Path, attacks: list[dict[str, Any]],
                    deposits: list[dict[str, Any]], seed: int, prop: str) -> str:
    """A pytest test that applies the found attack to the configuration under test.

    It fails while the configuration is breakable this way and passes once it is fixed: once
    the replay is safe on evidence (`assert_safe`), not merely unbroken. A change that only
    holds the forged mint back past the run's end, or stops the attack starting, is no fix.
    """
    function = re.sub(r"\W", "_", name)
    return f'''"""Regression test written by `bridgelab hunt` for {name}.

It replays the attack the hunt found against the configuration in {scenario_path.name}:
it fails while that configuration is breakable this way and passes once it is fixed.
"""

import tomllib
from pathlib import Path

from bridgelab.runner import run
from bridgelab.scenario import parse_scenario
from bridgelab.testing import assert_safe

SCENARIO = Path({str(scenario_path)!r})
ATTACKS = {attacks!r}
DEPOSITS = {deposits!r}


def test_{function}_stays_safe():
    data = tomllib.loads(SCENARIO.read_text())
    data["attacks"] = ATTACKS
    data.setdefault("workload", {{}})["scripted"] = DEPOSITS
    # The files the scenario names (its own contract, its properties) are read beside it.
    result = run(parse_scenario(data, str(SCENARIO)), {seed}, base_dir=SCENARIO.parent)
    broken = [v for v in result.violations if v["property"].startswith("safety.")]
    assert result.verdicts[{prop!r}] != "fail", broken[:3]
    # Unbroken is not enough: the replay must vouch for safety (every attack started,
    # nothing left queued or pending when it ended).
    assert_safe(result)
'''


def write(
    scenario: Scenario,
    scenario_path: Path,
    seed: int,
    steps: list[Step],
    violation: dict[str, Any],
    out_dir: Path,
    persist: bool = True,
    files: Mapping[str, str] | None = None,
) -> Artefacts:
    """Write the counterexample, its reproduce command, regression test and explanation into
    `out_dir` (and, with `persist`, into FAILURES_DIR for `bridgelab check`). `files`: what
    the scenario names beside itself with the SHA-256 the search read (None: read now)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    name = file_name(scenario.scenario.name)
    base_dir = scenario_path.resolve().parent
    if files is None:
        files = named_files(scenario, base_dir)
    attacks, deposits = steps_to_attacks(steps)
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["scenario"]["seed"] = seed
    data["scenario"]["name"] = f"{scenario.scenario.name}-counterexample"
    drop_incident_mark(data)
    data["attacks"] = attacks
    data["workload"]["scripted"] = deposits
    replay = out_dir / "counterexample.toml"
    header = (
        f"Counterexample found by `bridgelab hunt` against {scenario_path}.\n"
        f"It breaks {violation['property']}. Reproduce with:\n"
        f"  bridgelab run {replay} --seed {seed}"
    )
    replay.write_text(scenario_toml(data, header))
    unreplayable = carry_files(base_dir, out_dir, files)
    command = f"bridgelab run {replay} --seed {seed}"
    (out_dir / "reproduce.txt").write_text(command + "\n")
    test = out_dir / f"test_regression_{name.replace('-', '_')}.py"
    test.write_text(
        regression_test(name, scenario_path.resolve(), attacks, deposits, seed,
                        violation["property"])
    )
    explanation = out_dir / "explanation.md"
    explanation.write_text(explain(steps, violation))
    persisted = None
    if persist:
        persisted = _persist(name, replay, base_dir, files)
    return Artefacts(replay, command, test, explanation, persisted, unreplayable)


def _persist(name: str, replay: Path, base_dir: Path, files: Mapping[str, str]
             ) -> Path | None:
    """The counterexample kept for `bridgelab check`: `FAILURES_DIR/<name>.toml`, or, when
    the scenario names files, in a folder of its own with them beside it (two failures'
    files of one name must not overwrite each other)."""
    folder = FAILURES_DIR if not files else confined(FAILURES_DIR, FAILURES_DIR / name)
    folder.mkdir(parents=True, exist_ok=True)
    persisted = confined(FAILURES_DIR, folder / f"{name}.toml")
    persisted.write_text(replay.read_text())
    if files and not copy_files(base_dir, folder, files):
        # Without its files the copy would only stop `check` as bad input.
        persisted.unlink()
        return None
    return persisted


def carry_files(base_dir: Path, out_dir: Path, files: Mapping[str, str]) -> str | None:
    """Copy the files a witness's scenario names from `base_dir` into `out_dir`, beside the
    witness; why they could not be (the witness then does not replay), or None."""
    for relative in sorted(files):
        first = next((part for part in Path(relative).parts if part != "."), "")
        if first in OUTPUTS or first.startswith("test_regression_"):
            return f"its file {relative} would take the place of the hunt's own output"
    if files and not copy_files(base_dir, out_dir, files):
        return ("the files it names changed during the search (each copy must be the file"
                " the search read)")
    return None


def drop_incident_mark(data: dict[str, Any]) -> None:
    """A scenario a hunt writes is a new break, even of an incident's replay: it belongs in a
    report's headline, so it does not carry the replay's `[scenario] incident` mark."""
    data["scenario"].pop("incident", None)
