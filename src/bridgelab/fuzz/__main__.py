"""`python -m bridgelab.fuzz` (what `make fuzz` runs): the loader, then the run sampler.

Prints the counts by class of each and keeps the first inputs of every failing class under
`--findings` (one file each, to replay with `bridgelab validate` or `bridgelab run`). Exits 1
if any input gave a traceback, a hang, a malformed message or a write outside the output
directory, else 0.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from bridgelab.fuzz.corpus import CHECKOUT, shipped
from bridgelab.fuzz.loader import fuzz_loader
from bridgelab.fuzz.outcome import Tally
from bridgelab.fuzz.runs import Limits, sample_runs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bridgelab.fuzz", description=__doc__)
    parser.add_argument("--loader", type=int, default=10_000, help="loader inputs (10,000)")
    parser.add_argument("--runs", type=int, default=200, help="runs of validated inputs (200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the inputs drawn (0)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (1)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="time limit of a loader input and of a run (10 s)")
    parser.add_argument("--memory-mb", type=int, default=1_024,
                        help="address-space limit of a run, and of this process (1,024 MB)")
    parser.add_argument("--corpus", type=Path, default=CHECKOUT,
                        help="the checkout whose attacks/ and campaigns/ are mutated")
    parser.add_argument("--findings", type=Path, default=Path("runs/fuzz"),
                        help="where failing inputs are kept (runs/fuzz)")
    return parser


def _keep(tally: Tally, stage: str, directory: Path) -> None:
    for index, finding in enumerate(tally.findings):
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{stage}-{finding.outcome}-{index:02d}.toml"
        path.write_bytes(finding.data)
        print(f"  {finding.outcome}: {path} ({finding.kind}) {finding.detail}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The loader runs here: bound this process too, so a loader that explodes is counted
    # as out of memory rather than taking the machine with it.
    limit = (args.memory_mb + 512) * 1024 * 1024  # the harness itself needs some room
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    seeds = shipped(args.corpus)
    started = time.monotonic()  # wall-clock ok: progress for people, not model input
    loader, valid = Tally(), []

    def elapsed() -> float:
        return time.monotonic() - started  # wall-clock ok: progress for people

    def report(stage: str, every: int) -> object:
        return lambda done: done % every == 0 and print(
            f"  {stage}: {done:,} done ({elapsed():.0f} s)", flush=True
        )

    print(f"loader: {args.loader:,} inputs from {len(seeds)} shipped files, seed {args.seed}")
    fuzz_loader(seeds, args.loader, args.seed, loader, seconds=args.seconds, valid=valid,
                progress=report("loader", 1_000))
    print(f"loader: {loader.total:,} inputs: {loader.line()}"
          f" ({len(valid):,} scenarios validated)")
    _keep(loader, "loader", args.findings)
    runs = Tally()
    if args.runs > 0 and valid:
        print(f"runs: {args.runs:,} of them, short horizon, {args.seconds:g} s and"
              f" {args.memory_mb:,} MB each, {args.jobs} at a time")
        skipped = sample_runs(
            valid, args.runs, args.seed, runs, jobs=args.jobs,
            limits=Limits(args.seconds, args.memory_mb), progress=report("runs", 20),
        )
        print(f"runs: {runs.total:,} runs: {runs.line()}"
              f" ({skipped:,} drawn inputs invalid once shortened, not run)")
        _keep(runs, "run", args.findings)
    failed = loader.failed or runs.failed
    print(f"fuzz: {'FAILED' if failed else 'passed'} in {elapsed():.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
