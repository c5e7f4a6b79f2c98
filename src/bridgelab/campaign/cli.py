"""`bridgelab campaign`, `campaign-stats` and `campaign-export`: the command-line side.

`campaign` and `campaign-stats` exit with the store's verdict, by the contract of
`bridgelab.exitcodes` (`store_code`): 1 some stored run broke a property (or, for
campaign-stats, an estimate disagrees with theory), else 4 some run crashed (an internal
error, its traceback in the store), else 2 the campaign is incomplete (runs missing:
interrupted, stopped early, --max-runs) or some run was inconclusive, else 0 every run of the
campaign is stored and held every property. 3 is bad input (nothing is run).
`campaign-export` exits 0 once written (2 if rows it could not read were left out).

A store is input like any other: one that is not SQLite or is damaged (or, to the commands
that only read it, an empty file) is refused with one line and exit 3 (`StoreError`); a row
that does not decode, or whose history no longer verifies, is left out of every figure and
verdict and named (the verdict is then at best 2).
SIGINT or SIGTERM stop `campaign` between rows: the store keeps every completed row, the
workers are stopped, and the command exits 130 or 143 (`bridgelab.signals`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from bridgelab import output
from bridgelab.campaign import cli_campaign, cli_export, cli_stats
from bridgelab.campaign.cli_campaign import history_root_for
from bridgelab.campaign.cli_parsers import add_parsers
from bridgelab.campaign.forkserver import start_early, stop_if_unused
from bridgelab.exitcodes import EXIT_BAD_INPUT
from bridgelab.safepaths import confined

COMMANDS = ("campaign", "campaign-stats", "campaign-export")
LOG = output.logger("campaign")

__all__ = ["COMMANDS", "add_parsers", "default_store", "history_root_for", "main"]


def default_store(name: str) -> Path:
    return Path("runs") / "campaigns" / f"{name}.sqlite"


def main(args: argparse.Namespace, err: Console) -> int:
    """Dispatch one of COMMANDS; ScenarioError propagates to the caller (exit 3)."""
    early = args.command == "campaign" and not args.dry_run and args.scheduler is None
    if early:
        # Before the campaign is read: the pool's fork server imports what a run needs
        # meanwhile (campaign/forkserver.py).
        start_early()
    try:
        return _dispatch(args, err)
    finally:
        if early:
            stop_if_unused()


def _dispatch(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.campaign.spec import load_campaign
    from bridgelab.campaign.store import StoreError

    campaign = load_campaign(args.file)
    _require_extras(args)
    store_path = args.store or confined(Path("runs"), default_store(campaign.name))
    LOG.info("%s: campaign %s (%s), %d runs, store %s", args.command, campaign.name,
             campaign.hash[:12], campaign.total_runs(), store_path)
    try:
        if args.command == "campaign":
            return cli_campaign.command(args, err, campaign, store_path)
        if args.command == "campaign-stats":
            return cli_stats.command(args, err, campaign, store_path)
        return cli_export.command(args, err, campaign, store_path)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _require_extras(args: argparse.Namespace) -> None:
    """A missing extra stops the command before anything is written (MissingExtra, exit 3)."""
    from bridgelab.extras import EXTRAS, MissingExtra, available

    for wanted, extra, feature in ((getattr(args, "scheduler", None), "dask", "--scheduler"),
                                   (getattr(args, "parquet", None), "parquet", "--parquet")):
        if wanted is not None and not available(extra):
            raise MissingExtra(feature, extra, EXTRAS[extra][-1])


