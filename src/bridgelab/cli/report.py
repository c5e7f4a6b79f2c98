"""`bridgelab report`, the risk report; its parser and body live in `bridgelab.report.cli`."""

from __future__ import annotations

import argparse

from rich.console import Console

from bridgelab.cli.common import Subcommands
from bridgelab.report import cli as report_cli

NAMES = ("report",)


def add_parser(commands: Subcommands) -> None:
    report_cli.add_report_parser(commands)


def command(args: argparse.Namespace, err: Console) -> int:
    return report_cli.report_command(args, err)
