"""`bridgelab campaign-stats`: the statistics of a stored campaign, from its verified rows
only, and its check against theory.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from bridgelab import output
from bridgelab.campaign import show
from bridgelab.campaign.verdict import store_code, verified_rows
from bridgelab.exitcodes import (
    EXIT_FAIL,
    EXIT_INCONCLUSIVE,
    combine,
)


def campaign_report(campaign: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    from bridgelab.campaign.stats import report

    return report(campaign, rows)


def command(args: argparse.Namespace, err: Console, campaign: Any, store_path: Path) -> int:
    """Print the stored campaign's statistics; the store's exit code (1 if theory disagrees)."""
    from bridgelab.campaign.store import Store

    with Store(store_path, readonly=True) as store:
        stored = store.rows(campaign.hash)
    # A stored run whose history is gone or no longer hashes to what the run recorded is not
    # evidence: left out of every figure, and named. (Errored rows are counted as errors.)
    rows, excluded = verified_rows(stored, store_path, campaign)
    report = campaign_report(campaign, rows)
    report.update(runs_stored=len(stored), runs_used=len(rows), excluded=excluded)
    if args.json_out is not None:
        show.write_json(args.json_out, report)
    if output.wants_json(args):
        output.print_json(show.json_data(report))
    show.print_report(err, report)
    show.print_excluded(err, excluded, len(stored))
    if report["theory_agrees"] is False:
        return EXIT_FAIL
    if excluded:
        return combine({EXIT_INCONCLUSIVE, store_code(rows, campaign.total_runs())})
    if len(rows) < campaign.total_runs() or any(row["status"] != "ok" for row in rows):
        err.print(f"[yellow]incomplete[/]: {len(rows):,} of {campaign.total_runs():,} runs"
                  " stored (or some errored)")
    return store_code(rows, campaign.total_runs())


