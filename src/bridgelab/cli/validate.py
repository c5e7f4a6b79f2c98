"""`bridgelab validate`: check a scenario file against the schema without running it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from bridgelab.cli.common import Subcommands, add_command, load_checked
from bridgelab.exitcodes import EXIT_PASS
from bridgelab.textsafe import printable

NAMES = ("validate",)


def add_parser(commands: Subcommands) -> None:
    validate = add_command(
        commands, "validate",
        help="check a scenario file against the schema without running it",
        description="Validate SCENARIO; on error name the file, the key, what was expected"
        " and what was found, and exit 3.",
        raw=False,
    )
    validate.add_argument("scenario", type=Path)


def command(args: argparse.Namespace, err: Console) -> int:
    scenario = load_checked(args.scenario)
    print(
        f"{printable(args.scenario)}: ok — scenario '{printable(scenario.scenario.name, 200)}',"
        f" {scenario.committee.members} members, threshold {scenario.committee.threshold},"
        f" custody {scenario.committee.custody}"
        + (", SYMBOLIC signatures" if scenario.committee.signatures == "symbolic" else ""),
        file=sys.stderr,
    )
    return EXIT_PASS
