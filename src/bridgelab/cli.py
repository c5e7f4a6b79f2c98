"""The `bridgelab` command line: run, validate, and check a scenario's determinism.

Every command exits by the one contract of `bridgelab.exitcodes`: 0 every property holds,
1 a property failed, 2 inconclusive or incomplete, 3 bad input or usage error, 4 internal error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bridgelab import __version__, signals
from bridgelab.bench.workload import CONFIGS as BENCH_CONFIGS
from bridgelab.campaign import cli as campaign_cli
from bridgelab.checker.api import PropertyLoadError
from bridgelab.evidence import OutputDirError, claim
from bridgelab.exitcodes import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    EXIT_INCONCLUSIVE,
    EXIT_INTERNAL_ERROR,
    EXIT_PASS,
    UsageParser,
    internal_error,
)
from bridgelab.exitcodes import summary as exit_summary
from bridgelab.extras import MissingExtra
from bridgelab.safepaths import UnsafePathError, confined, slug
from bridgelab.scenario import ScenarioError, load_scenario, parse_scenario
from bridgelab.textsafe import for_rich, printable

DESCRIPTION = """\
bridgelab models a cross-chain bridge end to end — a BFT consortium chain, relayers, a PTC
attestation committee, key custody and an Ethereum-like settlement chain — as a seeded SimPy
simulation, and checks safety properties such as `minted - burned <= locked - released`
after every event.

Start with the baseline:

  bridgelab validate attacks/baseline.toml
  bridgelab run attacks/baseline.toml --seed 1 --out runs/baseline

A run writes scenario.toml (the scenario as run), history.jsonl (every domain event, one
JSON line each) and results.json (fingerprint, verdicts, metrics, violations, the history's
SHA-256). The same seed replays the same history.
"""

EPILOG = exit_summary() + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog="bridgelab",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"bridgelab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="run one scenario at one seed and check every property",
        description=(
            "Run SCENARIO at --seed, checking every safety property after each event.\n"
            "Writes OUT/scenario.toml, OUT/history.jsonl and, last, OUT/results.json"
            " (with the history's SHA-256 and `complete`), and prints a summary table."
        ),
        epilog=EPILOG
        + "\nexample: bridgelab run attacks/baseline.toml --seed 7 --out runs/b7 --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("scenario", type=Path, help="scenario TOML file (see attacks/)")
    run.add_argument(
        "--seed", type=int, default=None,
        help="root seed (default: the scenario's [scenario] seed, else 1)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory, new or empty (default runs/<scenario>-seed<N>, the name made"
        " safe as a file name)",
    )
    run.add_argument(
        "--replace", action="store_true",
        help="replace a previous run in the output directory (only a run's own files are"
        " removed; a directory holding anything else is still refused)",
    )
    run.add_argument("--json", action="store_true", help="print results.json to stdout")
    run.add_argument("--quiet", action="store_true", help="no progress bar or table")
    run.add_argument(
        "--check-determinism",
        action="store_true",
        help="run the seed twice in fresh processes (different PYTHONHASHSEED) and compare"
        " the history hashes",
    )
    run.add_argument(
        "--signatures",
        choices=("real", "symbolic"),
        default=None,
        help="override the scenario's [committee] signatures. 'symbolic' replaces every"
        " signature (ECDSA, threshold BLS, Ed25519) by a cheap model-internal stand-in that is"
        " NOT cryptography: for large sweeps, not for fidelity. Keys, addresses, verdicts and"
        " the history (apart from signature bytes) are those of the real run of the same seed;"
        " results.json records crypto = \"symbolic\". Attacks that compute with real"
        " signatures (ecdsa.nonce_reuse) are refused",
    )

    hunt = commands.add_parser(
        "hunt",
        help="search for the minimal (or cheapest) attack that breaks a safety property",
        description=(
            "Search SCENARIO's bridge for an attack within a budget.\n"
            "--objective safety (default): a Hypothesis state machine over the live model —"
            " deposits, compromising entities, forging, censoring relayers, advancing time —"
            " shrinks any violation to a minimal sequence and writes a replayable scenario,"
            " the reproduce command, a pytest regression test and an explanation.\n"
            "--objective cost: the cheapest set of entities (by their `cost`) whose"
            " compromise breaks safety, each candidate checked by a simulated attack."
        ),
        epilog="exit codes: 1 an attack was found · 2 none found within the budget (a search"
        " that finds nothing is not a proof of safety) · 3 bad input · 4 internal error"
        "\nexample: bridgelab hunt attacks/hunt-multisig.toml --entities 2 --budget-seconds 60",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    hunt.add_argument("scenario", type=Path)
    hunt.add_argument("--objective", choices=("safety", "cost"), default="safety")
    hunt.add_argument("--seed", type=int, default=1, help="the model's seed (default 1)")
    hunt.add_argument("--search-seed", type=int, default=0, help="the search's own seed")
    hunt.add_argument("--entities", type=int, default=2, help="entities it may compromise")
    hunt.add_argument("--relayers", type=int, default=1, help="relayers it may censor")
    hunt.add_argument("--horizon", type=float, default=3_600.0, help="simulated seconds")
    hunt.add_argument("--budget-seconds", type=float, default=60.0, help="wall-clock budget")
    hunt.add_argument("--out", type=Path, default=None, help="where to write the artefacts")
    hunt.add_argument("--no-persist", action="store_true",
                      help="do not add the failure to .bridgelab/failures/ for `check`")

    attacks = commands.add_parser(
        "attacks",
        help="the attack catalogue: list every attack, or show one in full",
        description="Every attack a scenario can name in [[attacks]] kind = ...",
        epilog="examples:\n  bridgelab attacks list\n  bridgelab attacks show key.compromise",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    attack_commands = attacks.add_subparsers(dest="attacks_command", metavar="ACTION")
    attack_commands.add_parser("list", help="one line per attack, with its parameters")
    show = attack_commands.add_parser("show", help="full description and an example block")
    show.add_argument("name", help="an attack kind, e.g. key.compromise")

    bench = commands.add_parser(
        "bench",
        help="benchmarks that print figures (not tests)",
        description="Benchmarks. `bench crypto` times sign, verify, partial sign/verify,"
        " combine, DKG and refresh per BLS backend and committee size.",
    )
    bench_commands = bench.add_subparsers(dest="bench_command", metavar="BENCH", required=True)
    crypto = bench_commands.add_parser(
        "crypto",
        help="threshold-BLS operations per second, per backend and committee size",
        description="Operations per second for sign, verify, partial sign, partial verify,"
        " combine, DKG and refresh on the arkworks and py-ecc backends.",
        epilog="example: bridgelab bench crypto --quick --json bench-crypto.json",
    )
    crypto.add_argument("--quick", action="store_true", help="few repetitions (under a minute)")
    crypto.add_argument("--seed", type=int, default=1)
    crypto.add_argument("--backends", default="blst,arkworks,py-ecc", help="comma-separated")
    crypto.add_argument("--sizes", default="4,21,100", help="committee sizes, comma-separated")
    crypto.add_argument("--json", type=Path, default=None, help="also write the figures here")
    workload = bench_commands.add_parser(
        "workload",
        help="the standard workload: transfers per CPU-second, crypto floor, memory",
        description="The standard workload: committee 21 (threshold 15), 7 validators, 3"
        " relayers, N transfers each way (a deposit every 2 s on average). Each configuration"
        " (threshold BLS on blst, on arkworks, on py-ecc with a shorter run, multisig, and both"
        " in the symbolic signature mode) runs batched (up to 64 messages per certified root,"
        " 30 s window) and per-message. Method: every run in a fresh interpreter, cases"
        " interleaved (A B C A B C ...), CPU time of the run with the set-up (keys, DKG) timed"
        " apart, the median of --repeats runs with its spread, the load average recorded; one"
        " instrumented run per real-crypto case gives the crypto floor (CPU inside signature"
        " operations) and actual/floor. Then cost per transfer against committee size and run"
        " length, campaign runs per second, and each performance target judged. Symbolic rows"
        " are labelled: they measure the model, not cryptography.",
        epilog="examples:\n"
        "  bridgelab bench workload --json bench.json\n"
        "  bridgelab bench workload --configs multisig --modes batched --lengths 100,1000\n"
        "  bridgelab bench workload --lengths 100,1000,10000 --symbolic-lengths 100000 --gate",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    workload.add_argument("--transfers", type=int, default=1_000, help="each way (default 1000)")
    workload.add_argument("--deposit-interval", type=float, default=2.0,
                          help="seconds between deposits in the configuration rows (default 2;"
                          " smaller is a busier bridge)")
    workload.add_argument("--repeats", type=int, default=3,
                          help="runs per configuration row, the median reported (default 3;"
                          " py-ecc rows run once)")
    workload.add_argument("--pyecc-transfers", type=int, default=20,
                          help="each way, for the slow py-ecc rows (default 20)")
    workload.add_argument("--configs", default=",".join(BENCH_CONFIGS),
                          help="comma-separated configurations (default: all)")
    workload.add_argument("--modes", default="batched,per-message",
                          help="batched and/or per-message (default: both)")
    workload.add_argument("--sizes", default="4,21,100", help="committee sizes for scaling")
    workload.add_argument("--scaling-transfers", type=int, default=200,
                          help="transfers each way for the committee-size rows (default 200)")
    workload.add_argument("--lengths", default="100,1000,10000",
                          help="transfers each way for run-length scaling, real multisig")
    workload.add_argument("--symbolic-lengths", default="",
                          help="run-length rows in the symbolic mode, e.g. 100000")
    workload.add_argument("--campaign-runs", type=int, default=200,
                          help="runs of campaigns/throughput.toml to time (0: skip)")
    workload.add_argument("--campaign-jobs", default="1", help="worker counts, comma-separated")
    workload.add_argument("--json", type=Path, default=None, help="also write the figures here")
    workload.add_argument("--gate", action="store_true",
                          help="exit 1 if a measured target is missed")

    validate = commands.add_parser(
        "validate",
        help="check a scenario file against the schema without running it",
        description="Validate SCENARIO; on error name the file, the key, what was expected"
        " and what was found, and exit 3.",
    )
    validate.add_argument("scenario", type=Path)

    from bridgelab.gate.cli import add_check_parser

    add_check_parser(commands)
    campaign_cli.add_parsers(commands)
    from bridgelab.report.cli import add_report_parser

    add_report_parser(commands)
    for module in _module_commands():
        module.add_parser(commands)
    return parser


# Commands kept in modules of their own: each gives NAMES, add_parser(commands) and
# command(args, err).
MODULE_COMMANDS = ("bridgelab.starter.init", "bridgelab.schema_json", "bridgelab.inspect.show",
                   "bridgelab.inspect.diff")


def _module_commands() -> list:
    return [importlib.import_module(name) for name in MODULE_COMMANDS]


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: the process's arguments), run the command, return its exit code.

    The codes are the contract of `bridgelab.exitcodes`: a usage error is 3 (argparse's own 2
    would read as "inconclusive"), and any exception no command handles is an internal error,
    4, reported in one stderr line naming the file that keeps the traceback.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    with signals.raising():
        try:
            try:
                args = _parser().parse_args(argv)
            except SystemExit as stop:  # --help and --version (0), a usage error (3)
                return _parser_status(stop.code)
            return _dispatch(args)
        except KeyboardInterrupt as stop:  # SIGINT or SIGTERM (bridgelab.signals)
            return _interrupted(stop)
        except Exception as error:  # the contract: whatever escapes a command is an internal error
            stop = signals.interruption_in(error)  # (unless a signal set it off)
            return _interrupted(stop) if stop is not None else internal_error(error, argv)


def _interrupted(stop: KeyboardInterrupt) -> int:
    """One line and 128 + the signal: what the command left is marked incomplete."""
    interrupted = signals.as_interrupted(stop)
    note = getattr(stop, "note", None) or "partial outputs marked incomplete"
    print(f"interrupted by {interrupted.name}; {note}", file=sys.stderr, flush=True)
    return interrupted.exit_code


def _parser_status(code: object) -> int:
    if code is None:
        return EXIT_PASS
    return code if isinstance(code, int) else EXIT_BAD_INPUT


def _dispatch(args: argparse.Namespace) -> int:
    err = Console(stderr=True)
    try:
        return HANDLERS[args.command](args, err)
    except ScenarioError as error:
        # Plain text, never wrapped: the message must stay one greppable line.
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OutputDirError, UnsafePathError, MissingExtra) as error:
        print(f"error: {printable(error, 500)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PropertyLoadError as error:
        file = str(getattr(args, "scenario", args.command))
        print(f"error: {error.as_scenario_error(file).message}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _report_command(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.report.cli import report_command

    return report_command(args, err)


def _check_command(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.gate.cli import check_command

    return check_command(args, err)


def _run_command(args: argparse.Namespace, err: Console) -> int:
    if args.check_determinism:
        return _check_determinism(args, err)
    return _run(args, err)


def _attacks_command(args: argparse.Namespace, err: Console) -> int:
    return _attacks(args)


# Why a hunt that finds nothing exits 2, not 0: only evidence may say "safe".
NOT_A_PROOF = "inconclusive: a search that finds no attack is not a proof of safety (exit 2)"


def _hunt(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.hunt import artefacts
    from bridgelab.hunt.cost import cheapest_break
    from bridgelab.hunt.machine import Budget
    from bridgelab.hunt.search import hunt

    scenario = load_scenario(args.scenario)
    out = args.out or default_out(f"hunt-{slug(scenario.scenario.name, 'scenario')}")
    if args.objective == "cost":
        with err.status("searching for the cheapest set of entities to compromise...") as status:
            result = cheapest_break(
                scenario, args.seed,
                on_evaluation=lambda n: status.update(f"checked {n} sets of entities..."),
            )
        if result.entities is None:
            err.print(f"no set of entities breaks safety ({result.evaluations} sets checked)")
            err.print(NOT_A_PROOF)
            return EXIT_INCONCLUSIVE
        assert result.witness is not None and result.witness_scenario is not None
        out.mkdir(parents=True, exist_ok=True)
        data = result.witness_scenario.model_dump(mode="json", exclude_none=True)
        data["scenario"]["seed"] = args.seed
        witness = out / "cheapest-attack.toml"
        witness.write_text(artefacts.scenario_toml(
            data, f"Cheapest attack found by `bridgelab hunt --objective cost` on {args.scenario}"
            f"\nentities {list(result.entities)}, total cost {result.cost}"))
        from bridgelab.nemesis.bound import loss_bound
        from bridgelab.report import words

        bound = loss_bound(scenario)
        (out / "cost.json").write_text(json.dumps({
            "entities": list(result.entities), "cost": result.cost,
            "evaluations": result.evaluations, "witness": str(witness),
            "violations": result.witness.violations[:5],
            "loss": result.loss, "loss_bound": bound,
        }, indent=2) + "\n")
        print(
            f"cheapest break: compromise {printable(', '.join(result.entities), 500)} (total"
            f" cost {result.cost:g}) — {result.evaluations} sets checked\n"
            f"{words.witness_loss(result.loss or {})}\n{words.loss_bound(bound)}\n"
            f"witness: bridgelab run {printable(witness)} --seed {args.seed}"
        )
        return EXIT_FAIL
    budget = Budget(args.entities, args.relayers, args.horizon)
    with err.status("hunting...") as status:
        found = hunt(
            scenario, args.seed, budget, args.budget_seconds, args.search_seed,
            on_batch=lambda b, t: status.update(f"hunting: {b} batches, {t:.0f} s"),
        )
    if not found.found:
        err.print(
            f"no safety violation found within budget ({found.examples} examples in"
            f" {found.wall_seconds:.1f} s; entities {budget.entities}, relayers"
            f" {budget.relayers}, horizon {budget.horizon:g} s)"
        )
        err.print(NOT_A_PROOF)
        return EXIT_INCONCLUSIVE
    assert found.violation is not None
    written = artefacts.write(
        scenario, args.scenario, args.seed, found.steps, found.violation, out,
        persist=not args.no_persist,
    )
    # Entity names and violation details come from the scenario: shown escaped, line by line.
    for line in written.explanation.read_text(encoding="utf-8").splitlines():
        print(printable(line))
    print(f"reproduce: {printable(written.command)}")
    print(f"regression test: {printable(written.test)}")
    if written.persisted is not None:
        print(f"persisted for `bridgelab check`: {printable(written.persisted)}")
    return EXIT_FAIL


def _param_summary(params: type) -> str:
    parts = []
    for name, field in params.model_fields.items():
        default = field.get_default(call_default_factory=True)
        parts.append(f"{name}={default!r}")
    return ", ".join(parts) or "—"


def _attacks(args: argparse.Namespace) -> int:
    from bridgelab.nemesis.registry import RUNTIME
    from bridgelab.nemesis.specs import CATALOG

    console = Console(width=max(120, Console().width))
    if args.attacks_command in (None, "list"):
        table = Table(title="attack catalogue (bridgelab attacks show KIND for details)")
        table.add_column("kind", no_wrap=True)
        table.add_column("what it does")
        table.add_column("parameters (defaults)")
        for kind, info in CATALOG.items():
            note = "" if kind in RUNTIME else " [dim](runtime pending)[/]"
            flaw = f" [yellow]needs flaw {info.flaw}[/]" if info.flaw else ""
            table.add_row(kind, info.summary + flaw + note, _param_summary(info.params))
        console.print(table)
        return EXIT_PASS
    info = CATALOG.get(args.name)
    if info is None:
        print(
            f"error: attacks show: expected one of {', '.join(CATALOG)}, found"
            f" {printable(repr(args.name), 100)}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    console.print(f"[bold]{info.kind}[/] — {info.summary}", highlight=False)
    console.print(info.description, highlight=False)
    console.print(f"targets: {info.target_role}", highlight=False)
    if info.flaw:
        console.print(f"needs: [bridge] flaws = [\"{info.flaw}\"]", highlight=False)
    if info.real_signatures:
        console.print("needs: [committee] signatures = \"real\" (not symbolic)",
                      highlight=False)
    console.print(f"parameters: {_param_summary(info.params)}", highlight=False)
    console.print("example:", highlight=False)
    print(info.example)
    return EXIT_PASS


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def _bench_workload(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.bench.method import run_bench
    from bridgelab.bench.tables import print_tables

    with err.status("benchmarking the standard workload...") as status:
        result = run_bench(
            args.transfers, args.pyecc_transfers, _ints(args.sizes), _ints(args.lengths),
            _ints(args.symbolic_lengths),
            modes=tuple(mode for mode in args.modes.split(",") if mode),
            configs=tuple(config for config in args.configs.split(",") if config),
            scaling_transfers=args.scaling_transfers, campaign_runs=args.campaign_runs,
            campaign_jobs=_ints(args.campaign_jobs) if args.campaign_runs > 0 else (),
            deposit_interval=args.deposit_interval, repeats=max(1, args.repeats),
            progress=lambda text: status.update(text),
        )
    print_tables(result, Console(width=max(180, Console().width)))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.gate and any(check["met"] is False for check in result["targets"]):
        return EXIT_FAIL
    return EXIT_PASS


def _bench(args: argparse.Namespace, err: Console) -> int:
    if args.bench_command == "workload":
        return _bench_workload(args, err)
    if args.bench_command != "crypto":
        err.print("choose a benchmark: bridgelab bench crypto | bridgelab bench workload")
        return EXIT_BAD_INPUT
    from bridgelab.bench.crypto_bench import format_table, run_crypto_bench

    backends = tuple(name.strip() for name in args.backends.split(",") if name.strip())
    unknown = [name for name in backends if name not in ("blst", "arkworks", "py-ecc")]
    try:
        sizes = tuple(int(size) for size in args.sizes.split(","))
    except ValueError:
        sizes = ()
    if unknown or not sizes or min(sizes) < 1:
        print(
            f"error: bench crypto: expected backends in arkworks,py-ecc and positive sizes,"
            f" found {args.backends!r} and {args.sizes!r}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    with err.status("timing threshold-BLS operations..."):
        result = run_crypto_bench(backends, sizes, args.seed, args.quick)
    Console(width=max(120, Console().width)).print(format_table(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return EXIT_PASS


def _load_checked(path: Path):
    """The scenario at `path`, its property modules imported: a module that cannot load is
    bad input now (exit 3), before a run has written anything."""
    from bridgelab.checker.api import check_user_properties

    scenario = load_scenario(path)
    check_user_properties(scenario.checks.properties, path.resolve().parent, str(path))
    return scenario


def _validate(args: argparse.Namespace, err: Console) -> int:
    scenario = _load_checked(args.scenario)
    print(
        f"{printable(args.scenario)}: ok — scenario '{printable(scenario.scenario.name, 200)}',"
        f" {scenario.committee.members} members, threshold {scenario.committee.threshold},"
        f" custody {scenario.committee.custody}"
        + (", SYMBOLIC signatures" if scenario.committee.signatures == "symbolic" else ""),
        file=sys.stderr,
    )
    return EXIT_PASS


def _load_for_run(args: argparse.Namespace):
    """The scenario, with `--signatures` applied (and validated: some attacks need real ones)."""
    scenario = _load_checked(args.scenario)
    if args.signatures is None or args.signatures == scenario.committee.signatures:
        return scenario
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["committee"]["signatures"] = args.signatures
    return parse_scenario(data, f"{args.scenario} (with --signatures {args.signatures})")


def _run(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.runner import run

    scenario = _load_for_run(args)
    symbolic = scenario.committee.signatures == "symbolic"
    if symbolic and not args.quiet:
        err.print(
            "[bold yellow]SYMBOLIC signatures[/]: signatures are model-internal stand-ins, not"
            " cryptography (verdicts match the real run; results.json says crypto ="
            " \"symbolic\")",
            highlight=False,
        )
    if args.seed is None:
        args.seed = scenario.scenario.seed if scenario.scenario.seed is not None else 1
    out = args.out or default_out(f"{slug(scenario.scenario.name, 'scenario')}-seed{args.seed}")
    claim(out, replace=args.replace)
    base_dir = args.scenario.resolve().parent
    # The one-line command that replays this run (reports cite it as evidence).
    reproduce = f"bridgelab run {shlex.quote(str(args.scenario))} --seed {args.seed}"
    if args.signatures is not None:
        reproduce += f" --signatures {args.signatures}"
    if args.quiet:
        result = run(scenario, args.seed, out, base_dir=base_dir, reproduce=reproduce)
    else:
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
    if args.json:
        # Exactly what the run wrote (results.json is written once, by the runner).
        print((out / "results.json").read_text(encoding="utf-8"), end="")
    if not args.quiet:
        _print_summary(err, result, out)
        if symbolic:
            err.print(
                "[bold yellow]SYMBOLIC signatures[/]: this run used stand-in signatures;"
                f" replay with `bridgelab run {args.scenario} --seed {args.seed}"
                " --signatures real` for real cryptography",
                highlight=False,
            )
    return result.exit_code


def default_out(name: str) -> Path:
    """`runs/NAME`, where a default output goes; NAME is a slug, and the path is confirmed
    to stay under `runs/` however `runs` itself resolves."""
    runs = Path("runs")
    return confined(runs, runs / name)


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _print_summary(console: Console, result, out: Path) -> None:
    metrics = result.metrics
    title = f"{for_rich(result.fingerprint['scenario'], 200)} · seed {result.fingerprint['seed']}"
    if result.fingerprint.get("crypto") == "symbolic":
        title += " · SYMBOLIC signatures"
    table = Table(title=title)
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
    console.print(table)
    verdicts = Table(title="properties")
    verdicts.add_column("property")
    verdicts.add_column("verdict")
    style = {"pass": "green", "fail": "bold red", "not_exercised": "yellow", "unknown": "yellow"}
    for prop, verdict in result.verdicts.items():
        if prop.startswith("coverage.") and verdict == "not_exercised":
            continue  # probes that never fired are noise in the table; results.json has them
        verdicts.add_row(for_rich(prop, 120), f"[{style.get(verdict, 'white')}]{verdict}[/]")
    console.print(verdicts)
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


def _check_determinism(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.gate.determinism import check_determinism

    scenario = _load_for_run(args)  # fail fast, with exit 3, on a bad file
    if args.seed is None:
        args.seed = scenario.scenario.seed if scenario.scenario.seed is not None else 1
    run_args = () if args.signatures is None else ("--signatures", args.signatures)
    result = check_determinism(args.scenario, args.seed, run_args=run_args)
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
    if result.deterministic:
        err.print("[green]deterministic[/]: both processes wrote byte-identical histories")
        return EXIT_PASS
    err.print("[bold red]NOT deterministic[/]: the histories differ")
    return EXIT_FAIL


# Each command's handler, looked up when the command runs: one entry per subcommand of the
# parser (a test holds the two together, so a new command cannot miss the contract).
HANDLERS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "run": _run_command,
    "hunt": _hunt,
    "attacks": _attacks_command,
    "bench": _bench,
    "validate": _validate,
    "check": _check_command,
    "report": _report_command,
    **{name: campaign_cli.main for name in campaign_cli.COMMANDS},
    **{name: m.command for m in _module_commands() for name in m.NAMES},
}


if __name__ == "__main__":
    raise SystemExit(main())
