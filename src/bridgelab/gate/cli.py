"""The `bridgelab check` subcommand: argument parsing, the progress bar and the run lines."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bridgelab import output
from bridgelab.exitcodes import describe, saved_note
from bridgelab.gate.annotations import annotation
from bridgelab.gate.check import GateReport, run_count, run_gate
from bridgelab.gate.lines import determinism_line, mark_not_run, run_line, summary_line
from bridgelab.gate.plan import (
    DEFAULT_FAILURES,
    DEFAULT_OUT,
    DEFAULT_PATHS,
    MAX_SEEDS,
    BadInput,
    SeedsError,
    Target,
    parse_seeds,
    plan,
)
from bridgelab.gate.report import summary_json, write_json, write_junit
from bridgelab.jobs import job_count
from bridgelab.outpaths import output_directory, output_file
from bridgelab.signals import Interrupted, as_interrupted, interruption_in
from bridgelab.textsafe import printable

DESCRIPTION = """\
The CI gate. Runs every scenario in PATHS (files, or directories searched recursively for
*.toml; default attacks/baseline.toml) at fixed seeds, after replaying the persisted
failures `bridgelab hunt` wrote (FAILURES, default .bridgelab/failures/, each at its pinned
seed), then runs the determinism self-check (two fresh processes, different PYTHONHASHSEED,
one history hash). Every file is validated before anything runs.

Seeds: --seeds if given; otherwise a scenario's own `[scenario] seed`, otherwise 1.

Prints one line per scenario x seed (status, scenario, seed, wall time, first failing
property or inconclusive reason). Everything it writes goes under --out (default
bridgelab-check/): junit.xml (valid against the common JUnit schema), summary.json, and each
run's evidence under runs/. Under GitHub Actions (or with --annotations github) each failure
is also printed as an annotation on its scenario file. With --json, stdout is the summary as
JSON and the lines (and annotations) go to stderr; with -q only errors and annotations print.
"""

EPILOG = """\
exit codes: 0 every run passed · 1 a property failed (or a history was not deterministic) ·
4 a run crashed (internal error), nothing failed · 2 inconclusive, nothing failed or crashed
(0 with --allow-inconclusive where only liveness could not be judged; never for a persisted
failure's replay, or a run that cannot vouch for safety) ·
3 bad input or usage error (nothing is run)

examples:
  bridgelab check
  bridgelab check attacks/ --seeds 1,2,3 --jobs 2 --out ci-results
  bridgelab check attacks/ --seeds 1,2,3 --allow-inconclusive
  bridgelab check scenarios/ --seeds 1-5 --determinism all --stop-on-fail
  bridgelab check attacks/ --json -q > summary.json
"""

LOG = output.logger("check")


def add_check_parser(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "check",
        help="the CI gate: run scenarios at fixed seeds, replay failures, write JUnit XML",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "paths", nargs="*", type=Path, metavar="PATHS",
        help="scenario files or directories (default attacks/baseline.toml)",
    )
    check.add_argument(
        "--seeds", default=None,
        help="comma-separated seeds or ranges, e.g. 1,2,3 or 1-5 (default: the scenario's"
        " pinned seed, else 1)",
    )
    check.add_argument(
        "--failures", type=Path, default=DEFAULT_FAILURES, metavar="DIR",
        help="persisted failures to replay first (default .bridgelab/failures/)",
    )
    check.add_argument("--no-replay", action="store_true", help="do not replay persisted failures")
    check.add_argument(
        "--determinism", choices=("first", "all", "none"), default="first",
        help="self-check determinism on the first scenario (default), every scenario, or none",
    )
    check.add_argument(
        "--out", type=output_directory, default=str(DEFAULT_OUT), metavar="DIR",
        help="where everything goes (default bridgelab-check/): junit.xml, summary.json and"
        " each run's evidence under runs/ (scenario.toml, history.jsonl, results.json),"
        " which is checked before the run counts",
    )
    check.add_argument(
        "--junit", type=output_file, default=None, metavar="FILE",
        help="JUnit XML report elsewhere than DIR/junit.xml",
    )
    check.add_argument(
        "--json-out", type=output_file, default=None, metavar="FILE",
        help="JSON summary elsewhere than DIR/summary.json",
    )
    output.add_json_flag(check, "the summary (summary.json's content)", legacy=True)
    check.add_argument(
        "--jobs", type=job_count, default=1, metavar="N",
        help="runs at once, each in its own process (default 1); lines and reports keep the"
        " planned order",
    )
    check.add_argument(
        "--annotations", choices=("github", "none", "auto"), default="auto",
        help="print failures as GitHub annotations (auto: when GITHUB_ACTIONS is set)",
    )
    check.add_argument(
        "--stop-on-fail", action="store_true",
        help="stop at the first failed run; the rest are reported as not run",
    )
    check.add_argument(
        "--allow-inconclusive", action="store_true",
        help="exit 0 instead of 2 when the only inconclusive reasons are liveness that"
        " could not be judged (a fault still active at the end) and nothing failed or"
        " crashed (the reports still show them as skipped); a run that cannot vouch for"
        " safety (an attack that never started, a forgery still pending, evidence that"
        " does not verify), a typo, bad input, a crash or an inconclusive replay of a"
        " persisted failure still gives 2 or worse",
    )


UNFINISHED = ("the gate has not finished: it is still running, or was killed before it"
              " wrote its reports")


def _write_reports(report: GateReport, args: argparse.Namespace) -> None:
    write_junit(report, args.junit)
    write_json(report, args.json_out)


def _resolve_outputs(args: argparse.Namespace) -> None:
    args.junit = args.junit if args.junit is not None else args.out / "junit.xml"
    args.json_out = args.json_out if args.json_out is not None else args.out / "summary.json"


def check_command(args: argparse.Namespace, err: Console) -> int:
    """Run the gate; the JUnit and JSON reports are written on every exit but a usage error.

    An exception of the gate itself still writes the reports (with the runs made so far and
    an `internal error` testcase) before it goes on to `main`, which reports it and exits 4.
    """
    _resolve_outputs(args)
    failures = None if args.no_replay else args.failures
    progress = GateReport(failures_dir=str(failures) if failures else None,
                          failures_found=failures is not None and failures.is_dir(),
                          allow_inconclusive=args.allow_inconclusive)
    try:
        return _check(args, err, progress)
    except KeyboardInterrupt as stop:  # SIGINT or SIGTERM: report what ran, and what did not
        raise _interrupted(progress, args, as_interrupted(stop)) from None
    except Exception as exc:
        stop = interruption_in(exc)
        if stop is not None:
            raise _interrupted(progress, args, stop) from None
        progress.internal_error = describe(exc)
        _write_reports(progress, args)
        raise


def _interrupted(report: GateReport, args: argparse.Namespace, stop: Interrupted
                 ) -> Interrupted:
    """Write the reports of an interrupted gate: the runs made, and the others as not run."""
    report.interrupted = stop
    mark_not_run(report, f"interrupted by {stop.name}")
    _write_reports(report, args)
    stop.note = (f"runs not made are marked not run in {printable(args.junit)} and"  # type: ignore[attr-defined]
                 f" {printable(args.json_out)}")
    return stop


def _bad_input(report: GateReport, args: argparse.Namespace) -> int:
    for item in report.bad_input:
        # Plain text, never wrapped: each message stays one greppable line.
        print(f"error: {printable(item.message, 2000)}", file=sys.stderr)
    _write_reports(report, args)
    if output.wants_json(args):
        output.print_json(summary_json(report))
    return report.exit_code


def _check(args: argparse.Namespace, err: Console, partial: GateReport) -> int:
    """The gate; `partial` collects the runs as they finish, for the reports of a crash."""
    targets = _planned(args, partial)
    if targets is None:
        return _bad_input(partial, args)
    LOG.info("%d runs planned (determinism: %s, jobs %d), outputs under %s", len(targets),
             args.determinism, args.jobs, args.out)
    # Until the gate writes its own, the reports say it has not finished: one killed on
    # the way (SIGKILL, out of memory) leaves no earlier gate's green report behind.
    _write_reports(dataclasses.replace(partial, internal_error=UNFINISHED), args)
    emit = output.human(args)
    report = _run_planned(args, err, partial, targets, emit)
    report.seeds = partial.seeds
    report.failures_dir = partial.failures_dir
    report.failures_found = partial.failures_found
    report.allow_inconclusive = args.allow_inconclusive
    for record in report.runs:
        if record.status == "not_run":
            emit(run_line(record))
    _write_reports(report, args)
    emit(summary_line(report))
    emit(f"junit: {args.junit}  summary: {args.json_out}")
    if output.wants_json(args):
        output.print_json(summary_json(report))
    return report.exit_code


def _planned(args: argparse.Namespace, partial: GateReport) -> list[Target] | None:
    """The targets to run; None when the flags or the files are bad input (in `partial`)."""
    try:
        seeds = parse_seeds(args.seeds) if args.seeds is not None else None
    except SeedsError:
        message = (
            "--seeds: expected comma-separated non-negative integers or ranges such as 1-5,"
            f" each below 2**64, at most {MAX_SEEDS:,} seeds; found {args.seeds!r}"
        )
        partial.bad_input.append(BadInput("--seeds", "seeds", message))
        return None
    partial.seeds = seeds
    if args.jobs < 1:
        partial.bad_input.append(BadInput("--jobs", "jobs", "--jobs: expected a positive"
                                          f" number of processes, found {args.jobs}"))
        return None
    if not args.no_replay:
        problem = _failures_problem(args.failures)
        if problem is not None:
            partial.bad_input.append(BadInput("--failures", "failures", problem))
            return None
    paths = list(args.paths) or list(DEFAULT_PATHS)
    targets, bad = plan(paths, None if args.no_replay else args.failures, seeds)
    partial.planned = targets
    if bad:
        partial.bad_input.extend(bad)
        return None
    return targets


def _failures_problem(failures: Path) -> str | None:
    """What is wrong with --failures, if anything: a file there would skip every replay
    without a word. A missing directory is allowed (nothing persisted yet), and said."""
    if failures.exists() and not failures.is_dir():
        return (f"--failures: expected a directory of persisted failures, found a file:"
                f" {printable(failures, 300)} (--no-replay runs without replays)")
    return None


def _printer(args: argparse.Namespace, partial: GateReport, emit):
    """What happens as each run finishes: kept, one line (and a GitHub annotation, even
    under -q: it is the failure's report), and for a crash one stderr line naming the saved
    traceback."""
    annotate = args.annotations == "github" or (
        args.annotations == "auto" and os.environ.get("GITHUB_ACTIONS") == "true")
    annotations = sys.stderr if output.wants_json(args) else sys.stdout

    def on_run(record) -> None:
        partial.runs.append(record)
        emit(run_line(record))
        if annotate and (line := annotation(record)) is not None:
            print(line, file=annotations, flush=True)
        if record.traceback:
            # One line, as every internal error; the traceback is kept in a file and in JUnit.
            note = saved_note(record.traceback, [f"check: {record.scenario} seed {record.seed}"])
            crash = (record.error or "").removeprefix("crashed: ")
            print(f"internal error: {record.scenario} seed {record.seed}: {crash} ({note})",
                  file=sys.stderr, flush=True)

    return on_run


def _run_planned(args: argparse.Namespace, err: Console, partial: GateReport,
                 targets: list[Target], emit) -> GateReport:
    on_run = _printer(args, partial, emit)
    total = run_count(targets, args.determinism)
    with Progress(
        TextColumn("[bold]check[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=err.quiet or not err.is_terminal,
        redirect_stdout=sys.stdout.isatty() and not output.wants_json(args),
        redirect_stderr=False,
    ) as progress:
        task = progress.add_task("", total=total)

        def before(label: str) -> None:
            progress.update(task, description=label)

        def after_run(record) -> None:
            on_run(record)
            progress.advance(task)

        def after_determinism(result) -> None:
            partial.determinism.append(result)
            emit(determinism_line(result))
            progress.advance(task)

        return run_gate(
            targets,
            determinism=args.determinism,
            stop_on_fail=args.stop_on_fail,
            out_root=args.out / "runs",
            jobs=args.jobs,
            on_run=after_run,
            on_determinism=after_determinism,
            before=before,
        )
