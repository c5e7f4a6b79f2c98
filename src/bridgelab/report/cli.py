"""The `bridgelab report` subcommand."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bridgelab import output
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_FAIL, EXIT_INCONCLUSIVE, combine
from bridgelab.exitcodes import EXIT_PASS as EXIT_OK
from bridgelab.outpaths import output_directory
from bridgelab.textsafe import deep_printable, printable

# The report's verdict as an exit code: only "safe" is 0; "at-risk" means a liveness property
# failed or the cost-to-break search broke the bridge, so it is a finding (1).
VERDICT_CODES = {"safe": EXIT_OK, "unsafe": EXIT_FAIL, "at-risk": EXIT_FAIL,
                 "inconclusive": EXIT_INCONCLUSIVE}

DESCRIPTION = """\
Build a risk report from simulated runs. RESULTS is a campaign results store (the SQLite file
`bridgelab campaign` writes) or a directory of run outputs (every **/results.json, each beside
its history.jsonl); give several to combine them (e.g. a campaign and the incident runs).

Writes OUT/report.html (self-contained: no script, nothing fetched, opens offline), beside it
OUT/runs.html (every run read, with the command that replays it: the report's evidence links
point there), OUT/report.md and OUT/runs.md (the same in Markdown) and OUT/report.json (the
same content for machines, validated against report.schema.json). Every risk cell cites runs
with the command that replays them; runs from a store get their scenario written to
OUT/scenarios/ so that the command works.
"""

EPILOG = """\
Every run is verified before it is used: its history must hash to what the run recorded,
the run must have completed, and its own scenario (scenario.toml in the run directory, or the
copy a campaign store keeps) must hash to the run's fingerprint. A run that fails is listed
with the reason, and the report exits 2; its verdict is never "safe" then, nor on zero runs.

exit codes (the report is written in every case but 3, 4 and a signal): 0 verdict "safe" ·
1 verdict "unsafe" or "at-risk" · 2 verdict "inconclusive", or some runs (or all) could not be
used · 3 bad input or usage error (no runs, unreadable RESULTS, a campaign store that is empty,
not SQLite or damaged) · 4 internal error · 130/143 stopped by SIGINT/SIGTERM. An earlier
report's files in OUT are removed first: a report that does not finish leaves none of them.

examples:
  bridgelab report runs/demo/results.sqlite --out reports/demo/
  bridgelab report runs/ --out reports/runs/ --no-cost
"""


def add_report_parser(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="write a risk report (HTML, Markdown, JSON) from a campaign store or run outputs",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("results", type=Path, nargs="+", metavar="RESULTS",
                        help="a campaign store (SQLite) or a directory of run outputs")
    report.add_argument("--out", type=output_directory, required=True,
                        help="directory to write into")
    report.add_argument("--title", default=None, help="the report's title")
    report.add_argument("--no-cost", action="store_true",
                        help="skip the cost-to-break search (it runs short simulations)")
    report.add_argument("--cost-evaluations", type=int, default=None, metavar="N",
                        help="sets of entities the cost search may try per configuration")
    output.add_json_flag(report, "the verdict, the runs not used and the files written")


def _progress(err: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, transient=True,
        disable=err.quiet or not err.is_terminal,
    )


# What a report writes into OUT, in the order the command lists them.
REPORT_FILES = ("report.html", "runs.html", "report.md", "runs.md", "report.json")


def write(report: dict[str, Any], out: Path, images: dict[str, str] | None = None) -> None:
    """report.json (validated first), report.md, runs.md, report.html and runs.html into
    `out`, each rendered in full before any is written and each written whole (a temporary
    file renamed): an interrupted report leaves the previous files or the new ones, never
    half of one."""
    from bridgelab.evidence import atomic_write_text
    from bridgelab.report import render_html, render_md, schema

    schema.validate(report)
    texts = {
        "report.json": json.dumps(report, indent=1, sort_keys=False, ensure_ascii=False) + "\n",
        "report.md": render_md.render(report),
        "runs.md": render_md.render_runs(report),
        "report.html": render_html.render(report, images),
        "runs.html": render_html.render_runs(report),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        atomic_write_text(out / name, text, durable=False)


def report_command(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.report import history, plots
    from bridgelab.report.loading import RecordError, load_records
    from bridgelab.report.store import materialize

    out: Path = args.out
    # An earlier report left in OUT would outlive this one if it stopped (bad input, a
    # signal, a crash), and read as this one's verdict: it goes first.
    for name in REPORT_FILES:
        if (out / name).is_file() or (out / name).is_symlink():
            (out / name).unlink()
    if args.cost_evaluations is not None and args.cost_evaluations < 0:
        print(f"error: --cost-evaluations: expected 0 or more sets, found"
              f" {args.cost_evaluations}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with _progress(err) as progress:
        loading = progress.add_task("loading runs", total=len(args.results))
        try:
            records = load_records(
                args.results,
                on_record=lambda _n: progress.advance(loading),
            )
        except RecordError as error:
            print(f"error: {printable(error, 500)}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if not records:
            print(
                f"error: {printable(', '.join(map(str, args.results)), 300)}: expected"
                " completed runs, found none",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        # Only verified runs feed the cost search and the plots; the others are listed.
        usable = [r for r in records if r.usable]
        materialize(usable, out / "scenarios")
        cost = {} if args.no_cost else _cost_to_break(args, progress, usable)
        reading = progress.add_task("reading histories", total=len(usable))
        series = history.collect(usable, on_run=lambda n: progress.update(reading, completed=n))
        writing = progress.add_task("writing report", total=3)
        report = _build(args, records, cost, series)
        progress.advance(writing)
        images = plots.render(report["plots"])
        progress.advance(writing)
        write(report, out, images)
        progress.advance(writing)
    output.logger("report").info("%d runs read, %d usable; report written to %s",
                                  len(records), len(usable), out)
    return _outcome(args, err, report, records, out)


def _cost_to_break(args: argparse.Namespace, progress: Progress,
                   usable: list[Any]) -> dict[str, dict[str, Any]]:
    from bridgelab.report import cost as cost_module

    task = progress.add_task("cost to break", total=None)
    kwargs = {}
    if args.cost_evaluations is not None:
        kwargs["max_evaluations"] = args.cost_evaluations
    return cost_module.compute(
        usable, args.out,
        on_config=lambda done, total: progress.update(task, completed=done, total=total),
        **kwargs,
    )


def _build(args: argparse.Namespace, records: list[Any], cost: dict[str, dict[str, Any]],
           series: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from bridgelab.report.model import build_report
    from bridgelab.runner import git_commit

    campaigns = {r.campaign for r in records if r.campaign and not r.is_incident}
    title = args.title or "bridgelab risk report: " + ", ".join(
        sorted(campaigns) or [str(args.results[0])]
    )
    # Every string from a scenario or a results file is shown escaped, in all three
    # renderings and on the terminal: the report is cleaned once, here.
    return deep_printable(build_report(
        records, title=title, source=[str(s) for s in args.results], cost=cost,
        series=series, generated={"commit": git_commit()},
    ))


def _outcome(args: argparse.Namespace, err: Console, report: dict[str, Any],
             records: list[Any], out: Path) -> int:
    """The verdict line, the runs not used, the files written; and the exit code."""
    summary = report["summary"]
    cells = [c for block in report["risk_cells"] for c in block["cells"]]
    bad = sum(1 for c in cells if c["sentiment"] == "bad")
    warning = sum(1 for c in cells if c["sentiment"] == "warning")
    unusable = summary["unusable"]
    runs = (f"{len(records)} runs" if not unusable
            else f"{len(records) - len(unusable)} of {len(records)} runs usable")
    err.print(
        f"{summary['verdict'].upper()}: {summary['verdict_text']} ({runs};"
        f" {bad} bad and {warning} warning risk cells of {len(cells)})",
        highlight=False, markup=False, soft_wrap=True,
    )
    for entry in unusable:
        # Evidence that does not verify is an error in the input: printed even under -q.
        where = f" ({entry['results']})" if entry["results"] else ""
        print(f"  not used: {entry['scenario']} seed {entry['seed']}{where}:"
              f" {'; '.join(entry['reasons'])}", file=sys.stderr)
    files = [str(out / name) for name in REPORT_FILES]
    if output.wants_json(args):
        output.print_json({"verdict": summary["verdict"], "verdict_text": summary["verdict_text"],
                           "runs": len(records), "unusable": unusable, "files": files})
    say = output.human(args)
    for path in files:
        say(path)
    # The verdict's code, as a gate would give it; a report that could not use every run it
    # read is incomplete (2), unless a property already failed (1 outranks 2).
    return combine({VERDICT_CODES[summary["verdict"]], EXIT_INCONCLUSIVE if unusable else EXIT_OK})
