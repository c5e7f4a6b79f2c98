"""`bridgelab campaign`: run what the store lacks under a progress bar, then print the
statistics of the whole campaign and exit with the store's verdict.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from bridgelab import output
from bridgelab.campaign import show
from bridgelab.campaign.cli_stats import campaign_report
from bridgelab.campaign.verdict import store_code, verified_rows
from bridgelab.exitcodes import (
    EXIT_BAD_INPUT,
    EXIT_INCONCLUSIVE,
    EXIT_PASS,
    combine,
)
from bridgelab.textsafe import printable


def history_root_for(store: Path) -> Path:
    return store.with_name(store.stem + "-histories")

def command(args: argparse.Namespace, err: Console, campaign: Any, store_path: Path) -> int:
    """Run the campaign into the store at `store_path`; the store's exit code."""
    from bridgelab.campaign.execute import CampaignExistsError, ExecutorError
    from bridgelab.campaign.store import Store

    refused = _refused_flags(args)
    if refused:
        print(f"error: campaign: {refused}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not args.dry_run:
        Store(store_path).close()  # a store that cannot be used is refused before any output
    _announce(args, err, campaign)
    if args.dry_run:
        if output.wants_json(args):
            output.print_json({"campaign": campaign.name, "campaign_hash": campaign.hash,
                               "configurations": len(campaign.configs),
                               "arms": len(campaign.arms),
                               "seeds": campaign.spec.campaign.seed_count(),
                               "runs": campaign.total_runs(), "dry_run": True})
        return EXIT_PASS
    total = campaign.total_runs()
    stored_now: set[str] = set()
    with Store(store_path) as store:
        try:
            tally = _execute(args, err, campaign, store, store_path, stored_now)
        except CampaignExistsError as exc:
            print(
                f"error: {store_path}: expected a store without runs of campaign"
                f" {campaign.hash[:12]}, found {exc.stored} of {exc.total}"
                " (use --resume to continue it or --fresh to start over)",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        except ExecutorError as exc:
            # An error, printed even under -q.
            print(f"error: executor failed: {printable(exc, 500)}; the store keeps every"
                  " completed run: continue with --resume", file=sys.stderr)
            # Incomplete (a dead worker or a lost cluster is not a defect of the model), unless
            # the runs stored so far already broke a property or crashed.
            rows, _ = verified_rows(store.rows(campaign.hash), store_path, campaign, stored_now)
            return combine({EXIT_INCONCLUSIVE, store_code(rows, total)})
        stored = store.rows(campaign.hash)
    return _finish(args, err, campaign, store_path, tally, stored, stored_now)


def _refused_flags(args: argparse.Namespace) -> str | None:
    """What is wrong with the flags of `campaign` (None: nothing)."""
    if args.jobs < 1 or (args.max_runs is not None and args.max_runs < 0):
        return "expected --jobs >= 1 and --max-runs >= 0"
    if args.scheduler is not None and not args.scheduler.strip():
        return "expected --scheduler ADDRESS (e.g. tcp://host:8786), found nothing"
    if args.resume and args.fresh:
        return "expected one of --resume or --fresh, found both"
    return None


def _announce(args: argparse.Namespace, err: Console, campaign: Any) -> None:
    where = f"Dask {args.scheduler}" if args.scheduler else f"{args.jobs} job(s)"
    err.print(
        f"campaign [bold]{campaign.name}[/] {campaign.hash[:12]}: {len(campaign.configs)}"
        f" configuration(s) × {len(campaign.arms)} arm(s) ×"
        f" {campaign.spec.campaign.seed_count()} seed(s) = {campaign.total_runs():,} runs"
        + ("" if args.dry_run else f" on {where}"),
        highlight=False, soft_wrap=True,
    )


def _progress(err: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TextColumn("· eta"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def _execute(args: argparse.Namespace, err: Console, campaign: Any, store: Any,
             store_path: Path, stored_now: set[str]) -> Any:
    """Run what the store lacks under a progress bar (on a terminal, not -q); the tally. Each run
    this process's own insert stored is added to `stored_now`."""
    from bridgelab.campaign.execute import run_campaign

    history_root = None
    if not args.no_histories:
        history_root = (args.histories or history_root_for(store_path)).resolve()
    progress = None if err.quiet or not err.is_terminal else _progress(err)
    task: Any = None
    clock: list[float] = []

    def on_start(tally: Any) -> None:
        nonlocal task
        clock.append(time.perf_counter())  # wall-clock ok: live runs/s
        if tally.already:
            err.print(f"resuming: {tally.already:,} runs already stored,"
                      f" {tally.to_run:,} to run", highlight=False, soft_wrap=True)
        if progress is not None:
            task = progress.add_task(campaign.name, total=tally.to_run,
                                     status=show.status_text(tally))

    def on_row(row: dict[str, Any], tally: Any, stored: bool) -> None:
        # Only a row this process's insert put there: a key another writer had stored first
        # holds that writer's row, which this process never saw.
        if stored:
            stored_now.add(row["run_key"])
        if progress is not None:
            elapsed = time.perf_counter() - clock[0]  # wall-clock ok: live runs/s
            rate = tally.done / elapsed if elapsed > 0 else None
            progress.update(task, completed=tally.done, status=show.status_text(tally, rate))

    if progress is not None:
        progress.start()
    try:
        return run_campaign(
            campaign, store, jobs=args.jobs, scheduler=args.scheduler,
            resume=args.resume, fresh=args.fresh, stop_on_fail=args.stop_on_fail,
            history_root=history_root, on_start=on_start, on_row=on_row,
            max_runs=args.max_runs,
        )
    except KeyboardInterrupt as stop:  # SIGINT or SIGTERM: the rows stored stay
        stop.note = (  # type: ignore[attr-defined]
            f"the store keeps {store.count(campaign.hash):,} of {campaign.total_runs():,}"
            f" runs, each complete: continue with --resume ({printable(store_path)})")
        raise
    finally:
        if progress is not None:
            progress.stop()


def _finish(args: argparse.Namespace, err: Console, campaign: Any, store_path: Path,
            tally: Any, stored: list[dict[str, Any]], stored_now: set[str]) -> int:
    """The throughput line, the statistics, the runs left out; and the store's exit code."""
    # Rows stored by earlier invocations are evidence read back: verified like campaign-stats.
    rows, excluded = verified_rows(stored, store_path, campaign, stored_now)
    executor = "Dask " + str(args.scheduler) if args.scheduler else "process pool"
    steady = tally.steady_runs_per_s
    warm = (
        f"; {steady:.1f} runs/s after the first run was back at {tally.first_s:.1f} s"
        if steady is not None else ""
    )
    err.print(
        f"{tally.done:,} runs in {tally.elapsed_s:.1f} s: [bold]{tally.runs_per_s:.1f} runs/s[/]"
        f" ({tally.jobs} worker(s), {executor}{warm}); store {store_path}:"
        f" {len(stored):,}/{tally.total:,} runs",
        highlight=False, soft_wrap=True,
    )
    if tally.stopped:
        err.print("[yellow]stopped[/] at the first failing run (--stop-on-fail)")
    report = campaign_report(campaign, rows)
    if args.json_out is not None:
        show.write_json(args.json_out, report, tally)
    if output.wants_json(args):
        output.print_json(show.json_data(report, tally))
    show.print_report(err, report)  # on stderr; nothing under -q
    show.print_excluded(err, excluded, len(stored))
    return combine({store_code(rows, tally.total)} | ({EXIT_INCONCLUSIVE} if excluded else set()))


