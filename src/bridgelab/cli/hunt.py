"""`bridgelab hunt`: search for the minimal (or cheapest) attack that breaks safety.

A hunt that finds nothing exits 2, not 0: only evidence may say "safe"."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridgelab import output
from bridgelab.cli.common import Subcommands, add_command, default_out, seed64
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_FAIL, EXIT_INCONCLUSIVE
from bridgelab.outpaths import output_directory
from bridgelab.safepaths import slug
from bridgelab.textsafe import printable

if TYPE_CHECKING:
    from rich.console import Console

LOG = output.logger("hunt")

NOT_A_PROOF = "inconclusive: a search that finds no attack is not a proof of safety (exit 2)"


NAMES = ("hunt",)


def add_parser(commands: Subcommands) -> None:
    hunt = add_command(
        commands, "hunt",
        help="search for the minimal (or cheapest) attack that breaks a safety property",
        description=(
            "Search SCENARIO's bridge for an attack within a budget.\n"
            "--objective safety (default): a Hypothesis state machine over the live model —"
            " deposits, compromising entities, forging, censoring relayers, advancing time —"
            " shrinks any violation to a minimal sequence and writes a replayable scenario,"
            " the reproduce command, a pytest regression test and an explanation.\n"
            "--objective cost: the cheapest set of entities (by their `cost`) whose"
            " compromise breaks safety, each candidate checked by a simulated attack."
        ),
        epilog="exit codes: 1 an attack was found · 2 none found within the budget (a search"
        " that finds nothing is not a proof of safety) · 3 bad input · 4 internal error"
        "\nexample: bridgelab hunt attacks/hunt-multisig-entities.toml --entities 2"
        " --budget-seconds 60",
    )
    hunt.add_argument("scenario", type=Path)
    hunt.add_argument("--objective", choices=("safety", "cost"), default="safety")
    hunt.add_argument("--seed", type=seed64, default=1, help="the model's seed (default 1)")
    hunt.add_argument("--search-seed", type=int, default=0, help="the search's own seed")
    hunt.add_argument("--entities", type=int, default=2, help="entities it may compromise")
    hunt.add_argument("--relayers", type=int, default=1, help="relayers it may censor")
    hunt.add_argument("--horizon", type=float, default=3_600.0, help="simulated seconds")
    hunt.add_argument("--budget-seconds", type=float, default=60.0, help="wall-clock budget")
    hunt.add_argument("--out", type=output_directory, default=None,
                      help="where to write the artefacts")
    hunt.add_argument("--no-persist", action="store_true",
                      help="do not add the failure to .bridgelab/failures/ for `check`")
    output.add_json_flag(hunt, "what was found (found, the artefacts' paths, the cost)")


def _bad_budget(args: argparse.Namespace) -> str | None:
    """What is wrong with the search's budget, if anything: a negative count, a horizon that
    is not a positive finite time, or a wall-clock budget that is negative or endless."""
    for option, value in (("--entities", args.entities), ("--relayers", args.relayers)):
        if value < 0:
            return f"{option}: expected an integer >= 0; found {value}"
    if not (math.isfinite(args.horizon) and args.horizon > 0):
        return f"--horizon: expected seconds > 0 (finite); found {args.horizon}"
    # A budget of 0 is a search that tries nothing: inconclusive, not wrong.
    if not (math.isfinite(args.budget_seconds) and args.budget_seconds >= 0):
        return f"--budget-seconds: expected seconds >= 0 (finite); found {args.budget_seconds}"
    return None


def command(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.scenario import load_scenario
    from bridgelab.scenario_files import named_files

    problem = _bad_budget(args)
    if problem is not None:
        print(f"error: hunt: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    scenario = load_scenario(args.scenario)
    # The files the scenario names are read beside it, as `bridgelab run` reads them; their
    # SHA-256 now is what each witness's copies must have (what the search's runs read).
    args.base_dir = args.scenario.resolve().parent
    args.files = named_files(scenario, args.base_dir)
    out = args.out or default_out(f"hunt-{slug(scenario.scenario.name, 'scenario')}")
    LOG.info("hunting %s (objective %s, seed %d) into %s", args.scenario, args.objective,
             args.seed, out)
    if args.objective == "cost":
        return _cheapest(args, err, scenario, out)
    return _minimal(args, err, scenario, out)


def _cheapest(args: argparse.Namespace, err: Console, scenario, out: Path) -> int:
    """--objective cost: the cheapest compromise, its witness scenario and cost.json."""
    from bridgelab.hunt import artefacts
    from bridgelab.hunt.cost import cheapest_break
    from bridgelab.nemesis.bound import loss_bound
    from bridgelab.report import words

    with err.status("searching for the cheapest set of entities to compromise...") as status:
        result = cheapest_break(
            scenario, args.seed,
            on_evaluation=lambda n: status.update(f"checked {n} sets of entities..."),
            base_dir=args.base_dir,
        )
    open_ends = {
        # Sets whose probe proved nothing either way (with why), and what no probe tried.
        "unknown": [{"entities": list(entities), "reasons": list(reasons)}
                    for entities, reasons in result.unknown],
        "gaps": list(result.gaps),
    }
    if result.entities is None:
        err.print(f"no set of entities breaks safety ({result.evaluations} sets checked)")
        _print_open_ends(err, result)
        err.print(NOT_A_PROOF)
        if output.wants_json(args):
            output.print_json({"objective": "cost", "found": False, "complete": result.complete,
                               "evaluations": result.evaluations, **open_ends})
        return EXIT_INCONCLUSIVE
    assert result.witness is not None and result.witness_scenario is not None
    out.mkdir(parents=True, exist_ok=True)
    data = result.witness_scenario.model_dump(mode="json", exclude_none=True)
    data["scenario"]["seed"] = args.seed
    artefacts.drop_incident_mark(data)
    witness = out / "cheapest-attack.toml"
    witness.write_text(artefacts.scenario_toml(
        data, f"Cheapest attack found by `bridgelab hunt --objective cost` on {args.scenario}"
        f"\nentities {list(result.entities)}, total cost {result.cost}"))
    _unreplayable(err, artefacts.carry_files(args.base_dir, out, args.files))
    bound = loss_bound(scenario)
    cost = {
        "entities": list(result.entities), "cost": result.cost,
        "evaluations": result.evaluations, "witness": str(witness),
        "violations": result.witness.violations[:5],
        "loss": result.loss, "loss_bound": bound,
        # Cheaper sets whose forged mint was still queued when their probe ended.
        "unsettled": [list(entities) for entities in result.unsettled],
        **open_ends,
    }
    (out / "cost.json").write_text(json.dumps(cost, indent=2) + "\n")
    if output.wants_json(args):
        output.print_json({"objective": "cost", "found": True, **cost})
    broke_with = (f"compromise {printable(', '.join(result.entities), 500)}" if result.entities
                  else "no key at all: a forgery that needs none broke it")
    output.human(args)(
        f"cheapest break: {broke_with} (total cost {result.cost:g}) —"
        f" {result.evaluations} sets checked\n"
        f"{words.witness_loss(result.loss or {})}\n{words.loss_bound(bound)}\n"
        f"witness: bridgelab run {printable(witness)} --seed {args.seed}"
        + (f"\n{len(result.unsettled)} cheaper set(s) left a forged mint queued behind the"
           " bridge's delay: a cheaper break may exist" if result.unsettled else "")
        + (f"\n{len(result.unknown)} set(s) proved nothing either way: a cheaper break may"
           " exist" if result.unknown and not result.unsettled else "")
        # Nothing is cheaper than no key at all.
        + ("".join(f"\nnot searched: {printable(gap, 300)}: a cheaper break may exist"
                   for gap in result.gaps) if result.entities else "")
    )
    return EXIT_FAIL


def _print_open_ends(err: Console, result: Any) -> None:
    """Why a search that broke nothing is not complete: what no probe tried, and the sets
    whose probe proved nothing either way (the first reason of the first)."""
    for gap in result.gaps:
        err.print(f"not searched: {printable(gap, 300)}", highlight=False, soft_wrap=True)
    if result.unknown:
        entities, reasons = result.unknown[0]
        why = f": {printable(reasons[0], 300)}" if reasons else ""
        err.print(f"{len(result.unknown)} set(s) proved nothing either way (first"
                  f" {printable(', '.join(entities), 200)}{why})", highlight=False,
                  soft_wrap=True)


def _unreplayable(err: Console, why: str | None) -> None:
    """Say when a witness was written without the files its scenario names: it then does
    not replay as written, and the user should know before relying on it."""
    if why is not None:
        err.print(f"warning: the witness does not replay as written: {printable(why, 300)}",
                  markup=False, highlight=False, soft_wrap=True)


def _minimal(args: argparse.Namespace, err: Console, scenario, out: Path) -> int:
    """--objective safety: a shrunk violating sequence and its replayable artefacts."""
    from bridgelab.hunt import artefacts
    from bridgelab.hunt.machine import Budget
    from bridgelab.hunt.search import hunt

    budget = Budget(args.entities, args.relayers, args.horizon)
    with err.status("hunting...") as status:
        found = hunt(
            scenario, args.seed, budget, args.budget_seconds, args.search_seed,
            on_batch=lambda b, t: status.update(f"hunting: {b} batches, {t:.0f} s"),
            base_dir=args.base_dir,
        )
    if not found.found:
        err.print(
            f"no safety violation found within budget ({found.examples} examples in"
            f" {found.wall_seconds:.1f} s; entities {budget.entities}, relayers"
            f" {budget.relayers}, horizon {budget.horizon:g} s)"
        )
        if found.unreproduced:
            err.print(f"[yellow]a violation was seen in {found.unreproduced} batch(es) but did"
                      " not happen again when replayed[/]: the model depends on something"
                      " besides the scenario and the seed, a bug to report", highlight=False,
                      soft_wrap=True)
        err.print(NOT_A_PROOF)
        if output.wants_json(args):
            output.print_json({"objective": "safety", "found": False,
                               "examples": found.examples,
                               "unreproduced": found.unreproduced})
        return EXIT_INCONCLUSIVE
    assert found.violation is not None
    written = artefacts.write(
        scenario, args.scenario, args.seed, found.steps, found.violation, out,
        persist=not args.no_persist, files=args.files,
    )
    _unreplayable(err, written.unreplayable)
    if output.wants_json(args):
        output.print_json({
            "objective": "safety", "found": True, "examples": found.examples,
            "violation": found.violation, "reproduce": written.command,
            "explanation": str(written.explanation), "test": str(written.test),
            "persisted": None if written.persisted is None else str(written.persisted),
        })
    say = output.human(args)
    # Entity names and violation details come from the scenario: shown escaped, line by line.
    for line in written.explanation.read_text(encoding="utf-8").splitlines():
        say(printable(line))
    say(f"reproduce: {printable(written.command)}")
    say(f"regression test: {printable(written.test)}")
    if written.persisted is not None:
        say(f"persisted for `bridgelab check`: {printable(written.persisted)}")
    return EXIT_FAIL
