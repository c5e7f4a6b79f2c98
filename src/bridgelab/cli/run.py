"""`bridgelab run`: run one scenario at one seed, check every property, print a summary;
with --check-determinism, run it twice in fresh processes and compare the history hashes."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bridgelab import output
from bridgelab.cli.common import (
    EPILOG,
    Subcommands,
    add_command,
    default_out,
    load_for_run,
    scenario_seed,
    seed64,
)
from bridgelab.exitcodes import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    EXIT_INTERNAL_ERROR,
    EXIT_PASS,
    MEANINGS,
)
from bridgelab.outpaths import output_directory
from bridgelab.safepaths import slug
from bridgelab.textsafe import for_rich

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

LOG = output.logger("run")

SYMBOLIC_HELP = (
    "override the scenario's [committee] signatures. 'symbolic' replaces every"
    " signature (ECDSA, threshold BLS, Ed25519) by a cheap model-internal stand-in that is"
    " NOT cryptography: for large sweeps, not for fidelity. Keys, addresses, verdicts and"
    " the history (apart from signature bytes) are those of the real run of the same seed;"
    " results.json records crypto = \"symbolic\". Attacks that compute with real"
    " signatures (ecdsa.nonce_reuse) are refused"
)


NAMES = ("run",)


def add_parser(commands: Subcommands) -> None:
    run = add_command(
        commands, "run",
        help="run one scenario at one seed and check every property",
        description=(
            "Run SCENARIO at --seed, checking every safety property after each event.\n"
            "Writes OUT/scenario.toml, OUT/history.jsonl and, last, OUT/results.json"
            " (with the history's SHA-256 and `complete`), and prints a summary table."
        ),
        epilog=EPILOG
        + "\nexample: bridgelab run attacks/baseline.toml --seed 7 --out runs/b7 --json",
    )
    run.add_argument("scenario", type=Path, help="scenario TOML file (see attacks/)")
    run.add_argument(
        "--seed", type=seed64, default=None,
        help="root seed (default: the scenario's [scenario] seed, else 1)",
    )
    run.add_argument(
        "--out", type=output_directory, default=None,
        help="output directory, new or empty (default runs/<scenario>-seed<N>, the name made"
        " safe as a file name)",
    )
    run.add_argument(
        "--replace", action="store_true",
        help="replace a previous run in the output directory (only a run's own files are"
        " removed; a directory holding anything else is still refused)",
    )
    output.add_json_flag(run, "results.json (with --check-determinism: both hashes)")
    run.add_argument(
        "--check-determinism", action="store_true",
        help="run the seed twice in fresh processes (different PYTHONHASHSEED) and compare"
        " the history hashes: exits 1 if they differ, else as the run itself (0 pass, 1 a"
        " property failed, 2 inconclusive)",
    )
    run.add_argument("--signatures", choices=("real", "symbolic"), default=None,
                     help=SYMBOLIC_HELP)


def command(args: argparse.Namespace, err: Console) -> int:
    if args.check_determinism:
        if args.out is not None or args.replace:
            # Its runs write to temporary directories: OUT would be left as it was, and an
            # earlier run there would read as this one.
            print("error: --check-determinism: expected no --out or --replace (its two runs"
                  " write no run directory), found "
                  + ("--out" if args.out is not None else "--replace"), file=sys.stderr)
            return EXIT_BAD_INPUT
        return _check_determinism(args, err)
    return _run(args, err)


def _run(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.evidence import claim

    scenario = load_for_run(args)
    symbolic = scenario.committee.signatures == "symbolic"
    if symbolic:
        err.print(
            "[bold yellow]SYMBOLIC signatures[/]: signatures are model-internal stand-ins, not"
            " cryptography (verdicts match the real run; results.json says crypto ="
            " \"symbolic\")",
            highlight=False,
        )
    seed = scenario_seed(args, scenario)
    out = args.out or default_out(f"{slug(scenario.scenario.name, 'scenario')}-seed{seed}")
    claim(out, replace=args.replace)
    LOG.info("running %s at seed %d into %s", args.scenario, seed, out)
    result = _simulate(args, err, scenario, out)
    LOG.info("history sha256 %s, %d events, exit code %d", result.history_sha256,
             result.history_events, result.exit_code)
    if output.wants_json(args):
        # Exactly what the run wrote (results.json is written once, by the runner).
        print((out / "results.json").read_text(encoding="utf-8"), end="")
    print_summary(err, result, out)  # on stderr; nothing under -q
    if symbolic:
        err.print(
            "[bold yellow]SYMBOLIC signatures[/]: this run used stand-in signatures;"
            f" replay with `bridgelab run {args.scenario} --seed {seed}"
            " --signatures real` for real cryptography",
            highlight=False,
        )
    return result.exit_code


def _simulate(args: argparse.Namespace, err: Console, scenario, out: Path):
    """The run itself, under a progress bar in simulated seconds on a terminal (not -q)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from bridgelab.runner import run

    base_dir = args.scenario.resolve().parent
    # The one-line command that replays this run (reports cite it as evidence).
    reproduce = f"bridgelab run {shlex.quote(str(args.scenario))} --seed {args.seed}"
    if args.signatures is not None:
        reproduce += f" --signatures {args.signatures}"
    LOG.debug("reproduce: %s", reproduce)
    if err.quiet or not err.is_terminal:
        return run(scenario, args.seed, out, base_dir=base_dir, reproduce=reproduce)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[sim]:>10}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(
            f"{scenario.scenario.name} seed {args.seed}",
            total=scenario.scenario.duration,
            sim="t=0s",
        )

        def update(now: float, total: float) -> None:
            progress.update(task, completed=now, sim=f"t={now:,.0f}s")

        result = run(scenario, args.seed, out, progress=update, base_dir=base_dir,
                     reproduce=reproduce)
        progress.update(task, completed=scenario.scenario.duration)
    return result


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_summary(console: Console, result, out: Path) -> None:
    """The metrics table, the verdicts table, the first violations and where the files are."""
    # The heading is a line of its own: a table's title wraps at the table's width, and a
    # long scenario name must read whole.
    console.print(_heading(result), highlight=False)
    console.print(_metrics_table(result))
    console.print(_verdicts_table(result))
    for reason in result.inconclusive:
        console.print(f"[yellow]inconclusive[/]: {for_rich(reason, 500)}", highlight=False)
    for violation in result.violations[:10]:
        console.print(
            f"[red]violation[/] {for_rich(violation['property'], 120)} at"
            f" t={violation['time']:.3f}s, event #{violation['event_seq']}"
            f" ({for_rich(violation['event_kind'], 60)}): {for_rich(violation['detail'], 500)}",
            highlight=False,
        )
    if len(result.violations) > 10:
        console.print(f"... and {len(result.violations) - 10} more violations in results.json")
    console.print(f"history: {for_rich(out / 'history.jsonl')}  sha256"
                  f" {result.history_sha256[:16]}…", highlight=False)
    console.print(f"results: {for_rich(out / 'results.json')}", highlight=False)


def _heading(result) -> str:
    title = (f"[bold]{for_rich(result.fingerprint['scenario'], 200)}[/] · seed"
             f" {result.fingerprint['seed']}")
    if result.fingerprint.get("crypto") == "symbolic":
        title += " · SYMBOLIC signatures"
    return title


def _metrics_table(result) -> Table:
    from rich.table import Table

    metrics = result.metrics
    table = Table()
    table.add_column("metric")
    table.add_column("value", justify="right")
    transfers = metrics["transfers"]
    table.add_row("deposits (locked / minted)", f"{transfers['locks']} / {transfers['mints']}")
    table.add_row(
        "withdrawals (burned / released)", f"{transfers['burns']} / {transfers['releases']}"
    )
    for key in ("locked", "minted", "burned", "released"):
        table.add_row(f"value {key}", _fmt(metrics["volume"][key]))
    for label, key in (("deposit", "deposit_latency_s"), ("withdrawal", "withdrawal_latency_s")):
        stats = metrics[key]
        table.add_row(
            f"{label} latency p50 / p95 / p99 (s)",
            " / ".join(_fmt(stats[q]) for q in ("p50", "p95", "p99")),
        )
    table.add_row("mint gas (mean)", _fmt(metrics["mint_gas"]["mean"]))
    gas = metrics["verification_gas_per_certificate"]
    table.add_row(f"verification gas per certificate ({gas['scheme']})", _fmt(gas["mean"]))
    table.add_row("simulated time (s)", _fmt(result.sim_time))
    perf = metrics["performance"]
    table.add_row(
        "wall time (s) / history events", f"{perf['wall_time_s']} / {perf['history_events']:,}"
    )
    return table


def _verdicts_table(result) -> Table:
    from rich.table import Table

    verdicts = Table(title="properties")
    verdicts.add_column("property")
    verdicts.add_column("verdict")
    style = {"pass": "green", "fail": "bold red", "not_exercised": "yellow", "unknown": "yellow"}
    for prop, verdict in result.verdicts.items():
        if prop.startswith("coverage.") and verdict == "not_exercised":
            continue  # probes that never fired are noise in the table; results.json has them
        verdicts.add_row(for_rich(prop, 120), f"[{style.get(verdict, 'white')}]{verdict}[/]")
    return verdicts


def _check_determinism(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.gate.determinism import check_determinism

    scenario = load_for_run(args)  # fail fast, with exit 3, on a bad file
    seed = scenario_seed(args, scenario)
    run_args = () if args.signatures is None else ("--signatures", args.signatures)
    LOG.info("running %s at seed %d twice, in fresh processes", args.scenario, seed)
    result = check_determinism(args.scenario, seed, run_args=run_args)
    if output.wants_json(args):
        output.print_json({
            "scenario": str(args.scenario), "seed": seed,
            "deterministic": result.deterministic,
            "processes": [{"hash_seed": p.hash_seed, "sha256": p.sha256,
                           "exit_code": p.exit_code} for p in result.processes],
        })
    for attempt, process in enumerate(result.processes):
        if process.sha256 is None:
            err.print(process.stderr, markup=False, highlight=False)
            bad_or_crashed = process.exit_code in (EXIT_BAD_INPUT, EXIT_INTERNAL_ERROR)
            return process.exit_code if bad_or_crashed else EXIT_INTERNAL_ERROR
        err.print(
            f"process {attempt + 1} (PYTHONHASHSEED={process.hash_seed}):"
            f" history sha256 {process.sha256}",
            highlight=False,
        )
    if not result.deterministic:
        # Other histories, or the same history judged apart (a property of the scenario's
        # own that is not deterministic): `DeterminismResult` says which, as the gate does.
        err.print(f"[bold red]{for_rich(result.summary(), 2000)}[/]", highlight=False)
        return EXIT_FAIL
    err.print("[green]deterministic[/]: both processes wrote byte-identical histories")
    # Byte-identical histories judged alike: the run's own verdict is the command's too, so
    # a gate on this command never passes a run that broke a property.
    code = result.exit_codes[0]
    if code != EXIT_PASS:
        err.print(f"the run itself exited {code}: {MEANINGS.get(code, 'see its results')}")
    return code
