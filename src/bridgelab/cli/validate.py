"""`bridgelab validate`: check a scenario file against the schema without running it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bridgelab import output
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
    output.add_json_flag(validate, "the scenario's summary (an error is one stderr line, exit 3)")


def command(args: argparse.Namespace, err: Any) -> int:
    scenario = load_checked(args.scenario)
    if output.wants_json(args):
        output.print_json({
            "file": str(args.scenario), "valid": True, "scenario": scenario.scenario.name,
            "members": scenario.committee.members, "threshold": scenario.committee.threshold,
            "custody": scenario.committee.custody,
            "signatures": scenario.committee.signatures,
        })
    if output.quiet(args):
        return EXIT_PASS
    print(
        f"{printable(args.scenario)}: ok — scenario '{printable(scenario.scenario.name, 200)}',"
        f" {scenario.committee.members} members, threshold {scenario.committee.threshold},"
        f" custody {scenario.committee.custody}"
        + (", SYMBOLIC signatures" if scenario.committee.signatures == "symbolic" else ""),
        file=sys.stderr,
    )
    return EXIT_PASS
