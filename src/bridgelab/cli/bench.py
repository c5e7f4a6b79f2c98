"""`bridgelab bench crypto` and `bridgelab bench workload`: benchmarks that print figures."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from bridgelab import jobs, output
from bridgelab.bench.workload import CONFIGS as BENCH_CONFIGS
from bridgelab.bench.workload import MODES
from bridgelab.cli.common import Subcommands, add_command, ints
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_FAIL, EXIT_PASS

if TYPE_CHECKING:
    from rich.console import Console

WORKLOAD_DESCRIPTION = (
    "The standard workload: committee 21 (threshold 15), 7 validators, 3"
    " relayers, N transfers each way (a deposit every 2 s on average). Each configuration"
    " (threshold BLS on blst, on arkworks, on py-ecc with a shorter run, multisig, and both"
    " in the symbolic signature mode) runs batched (up to 64 messages per certified root,"
    " 30 s window) and per-message. Method: every run in a fresh interpreter, cases"
    " interleaved (A B C A B C ...), CPU time of the run with the set-up (keys, DKG) timed"
    " apart, the median of --repeats runs with its spread, the load average recorded; after"
    " each real-crypto run, an instrumented run gives the crypto floor (CPU inside signature"
    " operations) and actual/floor (that run's CPU over its own floor; the median over the"
    " rounds). Then cost per transfer against committee size and run"
    " length, campaign runs per second, and each performance target judged. Symbolic rows"
    " are labelled: they measure the model, not cryptography."
)

WORKLOAD_EPILOG = (
    "examples:\n"
    "  bridgelab bench workload --json-out bench.json\n"
    "  bridgelab bench workload --configs multisig --modes batched --lengths 100,1000\n"
    "  bridgelab bench workload --lengths 100,1000,10000 --symbolic-lengths 100000 --gate"
)



NAMES = ("bench",)
BACKENDS = ("blst", "arkworks", "py-ecc")


def add_parser(commands: Subcommands) -> None:
    bench = add_command(
        commands, "bench",
        help="benchmarks that print figures (not tests)",
        description="Benchmarks. `bench crypto` times sign, verify, partial sign/verify,"
        " combine, DKG and refresh per BLS backend and committee size.",
        raw=False,
    )
    benches = bench.add_subparsers(dest="bench_command", metavar="BENCH", required=True)
    _add_crypto(benches)
    _add_workload(benches)


def _add_crypto(benches: Subcommands) -> None:
    crypto = add_command(
        benches, "crypto",
        help="threshold-BLS operations per second, per backend and committee size",
        description="Operations per second for sign, verify, partial sign, partial verify,"
        " combine, DKG and refresh on each BLS backend (blst, arkworks, py-ecc), per"
        " committee size (DKG and refresh: runs per second).",
        epilog="example: bridgelab bench crypto --quick --json-out bench-crypto.json",
        raw=False,
    )
    crypto.add_argument("--quick", action="store_true", help="few repetitions (under a minute)")
    crypto.add_argument("--seed", type=int, default=1)
    crypto.add_argument("--backends", default="blst,arkworks,py-ecc", help="comma-separated")
    crypto.add_argument("--sizes", default="4,21,100", help="committee sizes, comma-separated")
    _json_flags(crypto)


def _add_workload(benches: Subcommands) -> None:
    workload = add_command(
        benches, "workload",
        help="the standard workload: transfers per CPU-second, crypto floor, memory",
        description=WORKLOAD_DESCRIPTION, epilog=WORKLOAD_EPILOG,
    )
    add = workload.add_argument
    add("--transfers", type=int, default=1_000, help="each way (default 1000)")
    add("--deposit-interval", type=float, default=2.0,
        help="seconds between deposits in the configuration rows (default 2; smaller is a"
        " busier bridge)")
    add("--repeats", type=int, default=3,
        help="runs per configuration row, the median reported (default 3; py-ecc rows run"
        " once)")
    add("--pyecc-transfers", type=int, default=20,
        help="each way, for the slow py-ecc rows (default 20)")
    add("--configs", default=",".join(BENCH_CONFIGS),
        help="comma-separated configurations (default: all)")
    add("--modes", default="batched,per-message",
        help="batched and/or per-message (default: both)")
    add("--sizes", default="4,21,100", help="committee sizes for scaling")
    add("--scaling-transfers", type=int, default=200,
        help="transfers each way for the committee-size rows (default 200)")
    add("--lengths", default="100,1000,10000",
        help="transfers each way for run-length scaling, real multisig")
    add("--symbolic-lengths", default="", help="run-length rows in the symbolic mode, e.g. 100000")
    add("--campaign-runs", type=int, default=200,
        help="runs of campaigns/throughput.toml to time (0: skip)")
    add("--campaign-jobs", default="1,2",
        help="worker counts, comma-separated; each is timed --repeats times, the counts"
             " interleaved (1 2, 2 1, ...), and two jobs over one is judged per round")
    _json_flags(workload)
    add("--gate", action="store_true", help="exit 1 if a measured target is missed")


def _json_flags(parser: argparse.ArgumentParser) -> None:
    output.add_json_flag(parser, "the figures", legacy=True)
    output.add_json_out(parser, "the figures")


def _publish(args: argparse.Namespace, result: dict[str, Any], print_tables: Any) -> None:
    """The tables (on stdout; on stderr under --json; not under -q), --json, --json-out."""
    if output.wants_json(args):
        output.print_json(result)
    if not output.quiet(args):
        print_tables(output.console(stderr=output.wants_json(args), minimum=180))
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(result, indent=2) + "\n")


def command(args: argparse.Namespace, err: Console) -> int:
    if args.bench_command == "workload":
        return _workload(args, err)
    if args.bench_command != "crypto":
        err.print("choose a benchmark: bridgelab bench crypto | bridgelab bench workload")
        return EXIT_BAD_INPUT
    return _crypto(args, err)


def _names(text: str) -> tuple[str, ...]:
    """A comma-separated list of names ("blst, arkworks"); empty parts are skipped."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _crypto(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.bench.crypto_bench import format_table, run_crypto_bench

    backends = _names(args.backends)
    unknown = [name for name in backends if name not in BACKENDS]
    try:
        sizes = tuple(int(size) for size in args.sizes.split(","))
    except ValueError:
        sizes = ()
    if unknown or not sizes or min(sizes) < 1:
        print(
            f"error: bench crypto: expected backends in {','.join(BACKENDS)} and positive sizes,"
            f" found {args.backends!r} and {args.sizes!r}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    with err.status("timing threshold-BLS operations..."):
        result = run_crypto_bench(backends, sizes, args.seed, args.quick)
    _publish(args, result, lambda console: console.print(format_table(result)))
    return EXIT_PASS


def _workload_inputs(args: argparse.Namespace) -> dict[str, Any]:
    """The workload's arguments, checked: a list that is not what its option takes raises
    ValueError naming the option, what it takes and what it was given."""

    def counts(option: str, text: str, least: int, most: int | None = None
               ) -> tuple[int, ...]:
        try:
            values = ints(text)
        except ValueError:
            values = (least - 1,)
        if any(value < least or (most is not None and value > most) for value in values):
            within = f">= {least}" if most is None else f"from {least} to {most}"
            raise ValueError(f"{option}: expected integers {within}, comma-separated;"
                             f" found {text!r}")
        return values

    def chosen(option: str, text: str, known: tuple[str, ...]) -> tuple[str, ...]:
        names = _names(text)
        unknown = [name for name in names if name not in known]
        if unknown or not names:
            raise ValueError(f"{option}: expected some of {','.join(known)};"
                             f" found {text!r}")
        return names

    for option, value, least in (("--transfers", args.transfers, 1),
                                 ("--pyecc-transfers", args.pyecc_transfers, 1),
                                 ("--scaling-transfers", args.scaling_transfers, 1),
                                 ("--repeats", args.repeats, 1),
                                 ("--campaign-runs", args.campaign_runs, 0)):
        if value < least:
            raise ValueError(f"{option}: expected an integer >= {least}; found {value}")
    if not args.deposit_interval > 0:
        raise ValueError(f"--deposit-interval: expected seconds > 0;"
                         f" found {args.deposit_interval}")
    campaign_runs = args.campaign_runs
    return {
        "sizes": counts("--sizes", args.sizes, 1),
        "lengths": counts("--lengths", args.lengths, 1),
        "symbolic_lengths": counts("--symbolic-lengths", args.symbolic_lengths, 1),
        "modes": chosen("--modes", args.modes, MODES),
        "configs": chosen("--configs", args.configs, tuple(BENCH_CONFIGS)),
        "campaign_jobs": (counts("--campaign-jobs", args.campaign_jobs, 1, jobs.most())
                          if campaign_runs > 0 else ()),
    }


def _workload(args: argparse.Namespace, err: Console) -> int:
    from bridgelab.bench.method import run_bench
    from bridgelab.bench.tables import print_tables

    try:
        inputs = _workload_inputs(args)
    except ValueError as error:
        print(f"error: bench workload: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with err.status("benchmarking the standard workload...") as status:
        result = run_bench(
            args.transfers, args.pyecc_transfers, inputs["sizes"], inputs["lengths"],
            inputs["symbolic_lengths"], modes=inputs["modes"], configs=inputs["configs"],
            scaling_transfers=args.scaling_transfers, campaign_runs=args.campaign_runs,
            campaign_jobs=inputs["campaign_jobs"],
            deposit_interval=args.deposit_interval, repeats=args.repeats,
            progress=lambda text: status.update(text),
        )
    _publish(args, result, lambda console: print_tables(result, console))
    if args.gate and any(check["met"] is False for check in result["targets"]):
        return EXIT_FAIL
    return EXIT_PASS
