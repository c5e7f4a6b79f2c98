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
import os
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
from bridgelab.campaign.verdict import store_code, verified_rows
from bridgelab.exitcodes import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    EXIT_INCONCLUSIVE,
    EXIT_PASS,
    combine,
)
from bridgelab.safepaths import confined
from bridgelab.textsafe import printable

COMMANDS = ("campaign", "campaign-stats", "campaign-export")
LOG = output.logger("campaign")

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
            "does not hold yet on a spawn process pool (--jobs) or a Dask cluster\n"
            "(--scheduler), store each completed run as one row, then print statistics."
        ),
        epilog=CAMPAIGN_EPILOG,
        formatter_class=formatter,
    )
    _store_arguments(campaign)
    campaign.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1,
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
        "--histories", type=Path, default=None, metavar="DIR",
        help="where run histories go (default <store>-histories/ beside the store)",
    )
    campaign.add_argument(
        "--no-histories", action="store_true", help="do not write history files"
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
    export.add_argument("--csv", type=Path, default=None)
    export.add_argument("--parquet", type=Path, default=None)
    output.add_json_flag(export, "what was written (files, runs, runs left out)")


def _json_flags(parser: argparse.ArgumentParser, what: str) -> None:
    output.add_json_flag(parser, what, legacy=True)
    output.add_json_out(parser, what)


def default_store(name: str) -> Path:
    return Path("runs") / "campaigns" / f"{name}.sqlite"


def history_root_for(store: Path) -> Path:
    return store.with_name(store.stem + "-histories")


def main(args: argparse.Namespace, err: Console) -> int:
    """Dispatch one of COMMANDS; ScenarioError propagates to the caller (exit 3)."""
    from bridgelab.campaign.spec import load_campaign
    from bridgelab.campaign.store import StoreError

    campaign = load_campaign(args.file)
    _require_extras(args)
    store_path = args.store or confined(Path("runs"), default_store(campaign.name))
    LOG.info("%s: campaign %s (%s), %d runs, store %s", args.command, campaign.name,
             campaign.hash[:12], campaign.total_runs(), store_path)
    try:
        if args.command == "campaign":
            return _campaign(args, err, campaign, store_path)
        if args.command == "campaign-stats":
            return _stats(args, err, campaign, store_path)
        return _export(args, err, campaign, store_path)
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


def _campaign(args: argparse.Namespace, err: Console, campaign: Any, store_path: Path) -> int:
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
            return combine({EXIT_INCONCLUSIVE, store_code(store.rows(campaign.hash), total)})
        stored = store.rows(campaign.hash)
    return _finish(args, err, campaign, store_path, tally, stored, stored_now)


def _refused_flags(args: argparse.Namespace) -> str | None:
    """What is wrong with the flags of `campaign` (None: nothing)."""
    if args.jobs < 1 or (args.max_runs is not None and args.max_runs < 0):
        return "expected --jobs >= 1 and --max-runs >= 0"
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
    stored by this process is added to `stored_now`."""
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

    def on_row(row: dict[str, Any], tally: Any) -> None:
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
    rows, excluded = verified_rows(stored, store_path, stored_now)
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
    report = _report(campaign, rows)
    if args.json_out is not None:
        show.write_json(args.json_out, report, tally)
    if output.wants_json(args):
        output.print_json(show.json_data(report, tally))
    show.print_report(err, report)  # on stderr; nothing under -q
    show.print_excluded(err, excluded, len(stored))
    return combine({store_code(rows, tally.total)} | ({EXIT_INCONCLUSIVE} if excluded else set()))


def _report(campaign: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    from bridgelab.campaign.stats import report

    return report(campaign, rows)


def _stats(args: argparse.Namespace, err: Console, campaign: Any, store_path: Path) -> int:
    from bridgelab.campaign.store import Store

    with Store(store_path, readonly=True) as store:
        stored = store.rows(campaign.hash)
    # A stored run whose history is gone or no longer hashes to what the run recorded is not
    # evidence: left out of every figure, and named. (Errored rows are counted as errors.)
    rows, excluded = verified_rows(stored, store_path)
    report = _report(campaign, rows)
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


def _export(args: argparse.Namespace, err: Console, campaign: Any, store_path: Path) -> int:
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
    rows = [row for row in stored if not row.get("problem")]
    written: dict[str, str | None] = {"csv": None, "parquet": None}
    for row in stored:
        if row.get("problem"):
            err.print(f"left out {printable(row['run_key'], 120)}: row unreadable"
                      f" ({row['problem']})", highlight=False, soft_wrap=True, markup=False)
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
