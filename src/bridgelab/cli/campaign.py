"""`bridgelab campaign`, `campaign-stats` and `campaign-export`; their parsers and bodies
live in `bridgelab.campaign.cli`."""

from __future__ import annotations

import argparse

from rich.console import Console

from bridgelab.campaign import cli as campaign_cli
from bridgelab.cli.common import Subcommands

NAMES = campaign_cli.COMMANDS


def add_parser(commands: Subcommands) -> None:
    campaign_cli.add_parsers(commands)


def command(args: argparse.Namespace, err: Console) -> int:
    return campaign_cli.main(args, err)
