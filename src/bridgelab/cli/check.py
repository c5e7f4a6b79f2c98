"""`bridgelab check`, the CI gate; its parser and body live in `bridgelab.gate.cli`."""

from __future__ import annotations

import argparse

from rich.console import Console

from bridgelab.cli.common import Subcommands
from bridgelab.gate import cli as gate_cli

NAMES = ("check",)


def add_parser(commands: Subcommands) -> None:
    gate_cli.add_check_parser(commands)


def command(args: argparse.Namespace, err: Console) -> int:
    return gate_cli.check_command(args, err)
