"""The parsers of `bridgelab campaign`, `campaign-stats` and `campaign-export`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bridgelab import output
from bridgelab.jobs import job_count
from bridgelab.outpaths import output_directory, output_file

CAMPAIGN_EPILOG = """\
examples:
  bridgelab campaign campaigns/demo.toml --jobs 2
  bridgelab campaign campaigns/theory-binomial.toml --jobs 2 --resume
  bridgelab campaign campaigns/demo.toml --scheduler tcp://127.0.0.1:8786
  bridgelab campaign-stats campaigns/theory-binomial.toml --json-out stats.json
  bridgelab campaign-stats campaigns/theory-binomial.toml --json -q | jq .groups
  bridgelab campaign-export campaigns/demo.toml --csv demo.csv --parquet demo.parquet

exit codes (campaign, campaign-stats): 0 every run stored and every property held · 1 a run
broke a property (campaign-stats: or theory disagrees) · 4 a run crashed · 2 incomplete or
inconclusive runs · 3 bad input or usage error
"""


def _store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="campaign TOML file (see campaigns/)")
    parser.add_argument(
        "--store", type=Path, default=None,
        help="SQLite results store (default runs/campaigns/<name>.sqlite)",
    )


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """Add `campaign`, `campaign-stats` and `campaign-export` to the bridgelab parser."""
    formatter = argparse.RawDescriptionHelpFormatter
    campaign = commands.add_parser(
        "campaign",
        help="run a campaign: a sweep × attacks × seeds, in parallel, into a results store",
        description=(
            "Expand FILE into runs (configuration × attack arm × seed), run the ones the store\n"
            "does not hold yet on a process pool (--jobs) or a Dask cluster\n"
            "(--scheduler), store each completed run as one row, then print statistics."
        ),
        epilog=CAMPAIGN_EPILOG,
        formatter_class=formatter,
    )
    _store_arguments(campaign)
    campaign.add_argument(
        "--jobs", type=job_count, default=os.cpu_count() or 1,
        help="worker processes (default: the number of CPUs)",
    )
    campaign.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="run on a Dask distributed cluster at ADDRESS (e.g. tcp://host:8786)",
    )
    campaign.add_argument(
        "--resume", action="store_true",
        help="skip the runs the store already holds and run the rest",
    )
    campaign.add_argument(
        "--fresh", action="store_true", help="delete this campaign's stored runs and start over"
    )
    campaign.add_argument(
        "--stop-on-fail", action="store_true",
        help="stop at the first run that breaks a property (or errors)",
    )
    campaign.add_argument(
        "--histories", type=output_directory, default=None, metavar="DIR",
        help="where run histories go (default <store>-histories/ beside the store)",
    )
    campaign.add_argument(
        "--no-histories", action="store_true",
        help="do not write history files (runs read back later cannot be checked again:"
             " campaign-stats, --resume and report then call them inconclusive)",
    )
    campaign.add_argument(
        "--max-runs", type=int, default=None, metavar="N",
        help="execute at most N runs this time (the rest on a later --resume)",
    )
    campaign.add_argument(
        "--dry-run", action="store_true", help="validate and count the runs; run nothing"
    )
    _json_flags(campaign, "the statistics")

    stats = commands.add_parser(
        "campaign-stats",
        help="statistics of a stored campaign (and its check against theory)",
        description="Per configuration and attack arm: P(safety violation) with a Wilson"
        " interval, loss quantiles, time to detect; and the [theory] comparison if any.",
        epilog=CAMPAIGN_EPILOG,
        formatter_class=formatter,
    )
    _store_arguments(stats)
    _json_flags(stats, "the statistics")

    export = commands.add_parser(
        "campaign-export",
        help="export a stored campaign to CSV and/or Parquet (one line per run)",
        epilog=CAMPAIGN_EPILOG,
        formatter_class=formatter,
    )
    _store_arguments(export)
    export.add_argument("--csv", type=output_file, default=None)
    export.add_argument("--parquet", type=output_file, default=None)
    output.add_json_flag(export, "what was written (files, runs, runs left out)")


def _json_flags(parser: argparse.ArgumentParser, what: str) -> None:
    output.add_json_flag(parser, what, legacy=True)
    output.add_json_out(parser, what)

