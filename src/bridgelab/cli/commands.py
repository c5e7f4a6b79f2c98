"""The table of commands: the top-level parser built from each command module, and each
command name's handler.

A command module has `NAMES` (the subcommands it adds), `add_parser(commands)` and
`command(args, err) -> exit code`. The parser lists the commands in the order below."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from rich.console import Console

from bridgelab import __version__, schema_json
from bridgelab.cli import attacks, bench, campaign, check, hunt, report, run, validate
from bridgelab.cli.common import EPILOG
from bridgelab.exitcodes import UsageParser
from bridgelab.inspect import diff, show
from bridgelab.starter import init

# The last four live with what they serve (the starter project, the JSON Schema, the run
# inspector); they have the same NAMES, add_parser and command.
MODULES = (run, hunt, attacks, bench, validate, check, campaign, report, init, schema_json, show,
           diff)

DESCRIPTION = """\
bridgelab models a cross-chain bridge end to end — a BFT consortium chain, relayers, a PTC
attestation committee, key custody and an Ethereum-like settlement chain — as a seeded SimPy
simulation, and checks safety properties such as `minted - burned <= locked - released`
after every event.

Start with the baseline:

  bridgelab validate attacks/baseline.toml
  bridgelab run attacks/baseline.toml --seed 1 --out runs/baseline

A run writes scenario.toml (the scenario as run), history.jsonl (every domain event, one
JSON line each) and results.json (fingerprint, verdicts, metrics, violations, the history's
SHA-256). The same seed replays the same history.
"""


def build_parser() -> argparse.ArgumentParser:
    """The `bridgelab` parser: one subcommand per name in HANDLERS."""
    parser = UsageParser(
        prog="bridgelab",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"bridgelab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in MODULES:
        module.add_parser(commands)
    return parser


# Each command's handler, looked up when the command runs: one entry per subcommand of the
# parser (a test holds the two together, so a new command cannot miss the contract).
HANDLERS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    name: module.command for module in MODULES for name in module.NAMES
}
