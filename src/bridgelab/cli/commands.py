"""The table of commands: the top-level parser built from each command module, and each
command name's handler.

A command module has `NAMES` (the subcommands it adds), `add_parser(commands)` and
`command(args, err) -> exit code`. The parser lists the commands in the order of COMMANDS.

Start-up is paid on every invocation, `--help` included, and the command modules import
much of bridgelab (the gate, the campaign store, the report). So the parser is built for
the one command being run: `build_parser(only=NAME)` imports that command's module and adds
the others as stubs that carry only their one-line help; `bridgelab --help` imports none.
`build_parser()` builds every command in full (tests hold the stubs' help to it)."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from bridgelab import __version__
from bridgelab.cli.common import EPILOG
from bridgelab.exitcodes import UsageParser
from bridgelab.output import add_common_flags

if TYPE_CHECKING:
    from rich.console import Console

# name: (the module that adds it, its one-line help in `bridgelab --help`). The campaign
# module adds three commands; `schema`, `init`, `show` and `diff` live with what they serve
# (the JSON Schema, the starter project, the run inspector).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("bridgelab.cli.run", "run one scenario at one seed and check every property"),
    "hunt": ("bridgelab.cli.hunt",
             "search for the minimal (or cheapest) attack that breaks a safety property"),
    "attacks": ("bridgelab.cli.attacks",
                "the attack catalogue: list every attack, or show one in full"),
    "bench": ("bridgelab.cli.bench", "benchmarks that print figures (not tests)"),
    "validate": ("bridgelab.cli.validate",
                 "check a scenario file against the schema without running it"),
    "check": ("bridgelab.cli.check",
              "the CI gate: run scenarios at fixed seeds, replay failures, write JUnit XML"),
    "campaign": ("bridgelab.cli.campaign",
                 "run a campaign: a sweep × attacks × seeds, in parallel, into a results store"),
    "campaign-stats": ("bridgelab.cli.campaign",
                       "statistics of a stored campaign (and its check against theory)"),
    "campaign-export": ("bridgelab.cli.campaign",
                        "export a stored campaign to CSV and/or Parquet (one line per run)"),
    "report": ("bridgelab.cli.report", "write a risk report (HTML, Markdown, JSON) from a"
               " campaign store or run outputs"),
    "init": ("bridgelab.starter.init",
             "create a starter project: scenarios, incidents, a campaign, tests, CI"),
    "schema": ("bridgelab.schema_json",
               "print the JSON Schema of scenario (or campaign) files, for editors"),
    "show": ("bridgelab.inspect.show",
             "one run as a timeline: fault windows, key events, the first violation"),
    "diff": ("bridgelab.inspect.diff",
             "where two runs' histories first diverge, and the metrics that differ"),
}

DESCRIPTION = """\
bridgelab models a cross-chain bridge end to end — a BFT consortium chain, relayers, a PTC
attestation committee, key custody and an Ethereum-like settlement chain — as a seeded SimPy
simulation, and checks safety properties such as `minted - burned <= locked - released`
after every event.

Start with a starter project (or your own scenario):

  bridgelab init my-bridge && cd my-bridge
  bridgelab validate attacks/baseline.toml
  bridgelab run attacks/baseline.toml --seed 1 --out runs/baseline

A run writes scenario.toml (the scenario as run), history.jsonl (every domain event, one
JSON line each) and results.json (fingerprint, verdicts, metrics, violations, the history's
SHA-256). The same seed replays the same history.

Every command: --json prints its result as JSON on stdout (nothing else goes to stdout),
-q prints only errors, -v / -vv log what it does (INFO / DEBUG) on stderr.
"""


def module_of(name: str) -> ModuleType:
    """The module that adds (and runs) the command `name`."""
    return importlib.import_module(COMMANDS[name][0])


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The `bridgelab` parser: every command in full; or, given `only`, that command's
    module in full and the other commands as stubs with their help (`only=""`: all stubs,
    enough for `bridgelab --help` and for a usage error)."""
    wanted = COMMANDS[only][0] if only else None
    parser = UsageParser(
        prog="bridgelab",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"bridgelab {__version__}")
    add_common_flags(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    added: set[str] = set()
    for name, (module_name, help_text) in COMMANDS.items():
        if name in added:
            continue
        if only is None or module_name == wanted:
            module = importlib.import_module(module_name)
            module.add_parser(commands)
            added.update(module.NAMES)
        else:
            commands.add_parser(name, help=help_text)
            added.add(name)
    for sub in leaf_and_group_parsers(parser):
        add_common_flags(sub)
    return parser


def leaf_and_group_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every (sub)command parser under `parser`, nested ones (`bench crypto`) included."""
    found: list[argparse.ArgumentParser] = []
    pending = [parser]
    while pending:
        current = pending.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in dict.fromkeys(action.choices.values()):
                    found.append(sub)
                    pending.append(sub)
    return found


def command_named(argv: list[str]) -> str | None:
    """The command `argv` names (its first word that is not an option), if it is one."""
    word = next((item for item in argv if not item.startswith("-")), None)
    return word if word in COMMANDS else None


def _handler(name: str) -> Callable[[argparse.Namespace, Console], int]:
    def handle(args: argparse.Namespace, err: Console) -> int:
        return module_of(name).command(args, err)

    handle.__name__ = f"handle_{name.replace('-', '_')}"
    return handle


# Each command's handler, its module imported when the command runs: one entry per
# subcommand of the parser (a test holds the two together, so a new command cannot miss
# the contract).
HANDLERS: dict[str, Callable[[argparse.Namespace, Any], int]] = {
    name: _handler(name) for name in COMMANDS
}
