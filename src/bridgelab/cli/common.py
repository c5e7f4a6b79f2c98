"""What several commands share: the exit-code epilog, parser helpers, default output paths
and loading a scenario the way `run` and `validate` do."""

from __future__ import annotations

import argparse
from pathlib import Path

from bridgelab.exitcodes import summary as exit_summary
from bridgelab.outpaths import directory_problem
from bridgelab.safepaths import confined
from bridgelab.scenario import load_scenario, parse_scenario

EPILOG = exit_summary() + "\n"

Subcommands = argparse._SubParsersAction


def add_command(commands: Subcommands, name: str, *, help: str, description: str,
                epilog: str | None = None, raw: bool = True) -> argparse.ArgumentParser:
    """A subcommand parser. `raw` keeps the line breaks of a description or epilog written
    as a block (examples, exit codes); a one-paragraph description is left to argparse to
    wrap."""
    extra = {"formatter_class": argparse.RawDescriptionHelpFormatter} if raw else {}
    return commands.add_parser(name, help=help, description=description, epilog=epilog,
                               **extra)


def seed64(text: str) -> int:
    """A `--seed` flag's value: 64-bit, as a scenario's `[scenario] seed` must be, so that a
    flag cannot run what the scenario file could not say."""
    from bridgelab.scenario.sizes import MAX_SEED  # the schema's module: not for --help

    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected an integer 0..2**64-1, found {text!r}")
    return value


def default_out(name: str) -> Path:
    """`runs/NAME`, where a default output goes; NAME is a slug, and the path is confirmed
    to stay under `runs/` however `runs` itself resolves."""
    from bridgelab.evidence import OutputDirError  # a command's module, not --help's

    runs = Path("runs")
    path = confined(runs, runs / name)
    # Built, not given, so the flags' own check (`outpaths`) never saw it.
    found = directory_problem(path)
    if found is not None:
        raise OutputDirError(f"{path}: expected a directory for the output (the default;"
                             f" --out names another), found {found}")
    return path


def ints(text: str) -> tuple[int, ...]:
    """A comma-separated list of integers ("4,21,100"); empty parts are skipped."""
    return tuple(int(part) for part in text.split(",") if part.strip())


def load_checked(path: Path):
    """The scenario at `path`, its property modules imported: a module that cannot load is
    bad input now (exit 3), before a run has written anything."""
    from bridgelab.checker.api import check_user_properties

    scenario = load_scenario(path)
    check_user_properties(scenario.checks.properties, path.resolve().parent, str(path))
    return scenario


def load_for_run(args: argparse.Namespace):
    """The scenario, with `--signatures` applied (and validated: some attacks need real ones)."""
    scenario = load_checked(args.scenario)
    if args.signatures is None or args.signatures == scenario.committee.signatures:
        return scenario
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["committee"]["signatures"] = args.signatures
    return parse_scenario(data, f"{args.scenario} (with --signatures {args.signatures})")


def scenario_seed(args: argparse.Namespace, scenario) -> int:
    """--seed if given, else the scenario's pinned seed, else 1 (set on `args` too)."""
    if args.seed is None:
        args.seed = scenario.scenario.seed if scenario.scenario.seed is not None else 1
    return args.seed
