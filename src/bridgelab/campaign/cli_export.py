"""`bridgelab campaign-export`: a stored campaign to CSV and/or Parquet, one line per run;
rows that are not evidence (they do not decode, are not runs of the campaign, or their history
is gone or disagrees with them) are left out and named, as `campaign-stats` leaves them out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from bridgelab import output
from bridgelab.campaign.verdict import verified_rows
from bridgelab.exitcodes import (
    EXIT_BAD_INPUT,
    EXIT_INCONCLUSIVE,
    EXIT_PASS,
)
from bridgelab.textsafe import printable


def command(args: argparse.Namespace, err: Console, campaign: Any, store_path: Path) -> int:
    """Write the stored campaign's rows to the files asked for; 2 if rows were left out."""
    from bridgelab import __version__
    from bridgelab.campaign.export import write_csv, write_parquet
    from bridgelab.campaign.store import Store

    if args.csv is None and args.parquet is None:
        print("error: campaign-export: expected --csv PATH and/or --parquet PATH, found neither",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    with Store(store_path, readonly=True) as store:
        stored = store.rows(campaign.hash)
    if not stored:
        print(f"error: {printable(store_path)}: expected runs of campaign"
              f" {printable(campaign.name)} ({campaign.hash[:12]}), found none", file=sys.stderr)
        return EXIT_BAD_INPUT
    # Only evidence goes out, as campaign-stats reads it: a row that is not the campaign's,
    # or whose history is gone or disagrees with it, is left out and named.
    rows, excluded = verified_rows(stored, store_path, campaign)
    written: dict[str, str | None] = {"csv": None, "parquet": None}
    for entry in excluded:
        err.print(f"left out {printable(entry['run_key'], 120)}: {'; '.join(entry['problems'])}",
                  highlight=False, soft_wrap=True, markup=False)
    if args.csv is not None:
        written["csv"] = str(args.csv)
        count = write_csv(rows, args.csv)
        err.print(f"wrote {count:,} runs to {args.csv}", highlight=False, soft_wrap=True)
    if args.parquet is not None:
        metadata = {"campaign.name": campaign.name, "campaign.hash": campaign.hash,
                    "campaign.total_runs": str(campaign.total_runs()),
                    "campaign.complete": str(len(rows) == campaign.total_runs()).lower(),
                    "version": __version__}
        count = write_parquet(rows, args.parquet, metadata)
        written["parquet"] = str(args.parquet)
        err.print(f"wrote {count:,} runs to {args.parquet}", highlight=False, soft_wrap=True)
    if output.wants_json(args):
        output.print_json({"campaign": campaign.name, "campaign_hash": campaign.hash,
                           "runs": len(rows), "left_out": len(stored) - len(rows), **written})
    return EXIT_INCONCLUSIVE if len(rows) < len(stored) else EXIT_PASS
