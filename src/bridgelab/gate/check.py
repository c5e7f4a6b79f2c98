"""`bridgelab check`: the CI gate.

It collects scenario files (files, or directories searched recursively for `*.toml`),
validates all of them before running any, replays persisted failures first (the scenario
files `bridgelab hunt` writes to `.bridgelab/failures/`, each pinned to its seed), runs every
scenario at every seed, self-checks determinism, and prints one line per scenario x seed.
What runs is decided first, by `bridgelab.gate.plan`; this module runs it, and
`bridgelab.gate.lines` says what it prints.

Exit codes (the contract of `bridgelab.exitcodes`; when runs disagree, the first that applies):
3 bad input (checked before anything runs; nothing is run), 1 a property failed in some run or
a history was not deterministic, 4 a run crashed (or the determinism check could not run),
2 some run was inconclusive (0 with `--allow-inconclusive`), 0 every run passed.
"""

from __future__ import annotations

import re
import shlex
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bridgelab.exitcodes import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    EXIT_INCONCLUSIVE,
    EXIT_INTERNAL_ERROR,
    EXIT_PASS,
    combine,
)
from bridgelab.gate.determinism import DeterminismResult, check_determinism
from bridgelab.gate.plan import BadInput, Kind, Target
from bridgelab.safepaths import confined
from bridgelab.signals import Interrupted

Status = Literal["pass", "fail", "inconclusive", "error", "not_run"]
STATUS_BY_EXIT: dict[int, Status] = {
    EXIT_PASS: "pass", EXIT_FAIL: "fail", EXIT_INCONCLUSIVE: "inconclusive",
}
# A run's status as an exit code: a crash is an internal error, never "a property failed";
# a run not made (after --stop-on-fail) vouches for nothing.
STATUS_CODE: dict[Status, int] = {
    "pass": EXIT_PASS, "fail": EXIT_FAIL, "inconclusive": EXIT_INCONCLUSIVE,
    "error": EXIT_INTERNAL_ERROR, "not_run": EXIT_INCONCLUSIVE,
}


@dataclass(slots=True)
class RunRecord:
    """The outcome of one scenario at one seed."""

    kind: Kind
    scenario: str
    name: str
    seed: int
    status: Status
    exit_code: int | None
    wall_time_s: float = 0.0
    verdicts: dict[str, str] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)
    inconclusive: list[str] = field(default_factory=list)
    history_sha256: str | None = None
    history_events: int | None = None
    fingerprint: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    traceback: str | None = None
    out_dir: str | None = None

    @property
    def failing(self) -> list[str]:
        return [prop for prop, verdict in self.verdicts.items() if verdict == "fail"]

    @property
    def detail(self) -> str:
        """The first failing property (with its first violation) or inconclusive reason."""
        if self.status == "error":
            return self.error or "crashed"
        if self.status == "not_run":
            return self.error or "not run (--stop-on-fail)"
        if self.status == "fail":
            failing = self.failing
            more = f" (+{len(failing) - 1} more failing)" if len(failing) > 1 else ""
            if self.violations:
                first = self.violations[0]
                return (
                    f"{first['property']} at t={first['time']:.3f}s, event #{first['event_seq']}"
                    f" ({first['event_kind']}): {first['detail']}{more}"
                )
            return f"{failing[0]} failed{more}" if failing else "failed"
        if self.status == "inconclusive":
            more = f" (+{len(self.inconclusive) - 1} more)" if len(self.inconclusive) > 1 else ""
            return (self.inconclusive[0] if self.inconclusive else "inconclusive") + more
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "scenario": self.scenario,
            "name": self.name,
            "seed": self.seed,
            "status": self.status,
            "exit_code": self.exit_code,
            "wall_time_s": round(self.wall_time_s, 3),
            "verdicts": self.verdicts,
            "violations": self.violations,
            "inconclusive": self.inconclusive,
            "history_sha256": self.history_sha256,
            "history_events": self.history_events,
            "fingerprint": self.fingerprint,
            "error": self.error,
            "out_dir": self.out_dir,
        }


@dataclass(slots=True)
class GateReport:
    runs: list[RunRecord] = field(default_factory=list)
    determinism: list[DeterminismResult] = field(default_factory=list)
    bad_input: list[BadInput] = field(default_factory=list)
    seeds: list[int] | None = None
    failures_dir: str | None = None
    # Whether `failures_dir` was a directory when the gate planned: a missing one replays
    # nothing, and the summary must say so rather than read like a full replay.
    failures_found: bool = False
    stopped: bool = False
    wall_time_s: float = 0.0
    # `--allow-inconclusive`: exit 0 where the runs alone would give 2 (the reports unchanged),
    # unless a persisted failure's replay is among the inconclusive runs.
    allow_inconclusive: bool = False
    # An exception of the gate itself (outside any run): the reports say so, the exit is 4.
    internal_error: str | None = None
    # SIGINT or SIGTERM stopped the gate (`bridgelab.signals.Interrupted`): the runs not made
    # are reported as not run, and the exit is 128 + the signal's number, not a verdict.
    interrupted: Interrupted | None = None
    # Every target the gate meant to run (for the reports of an interrupted gate).
    planned: list[Target] = field(default_factory=list)

    @property
    def verdict_code(self) -> int:
        """The runs' code by the contract's precedence, before `--allow-inconclusive`."""
        if self.bad_input:
            return EXIT_BAD_INPUT
        codes = {STATUS_CODE[run.status] for run in self.runs}
        for check in self.determinism:
            if check.error is not None:
                codes.add(EXIT_INTERNAL_ERROR)  # could not compare: no verdict either way
            elif not check.deterministic:
                codes.add(EXIT_FAIL)
        if self.internal_error is not None:
            codes.add(EXIT_INTERNAL_ERROR)
        return combine(codes)

    @property
    def exit_code(self) -> int:
        if self.interrupted is not None:
            return self.interrupted.exit_code
        code = self.verdict_code
        if code == EXIT_INCONCLUSIVE and self.allow_inconclusive and not self.not_allowed:
            return EXIT_PASS
        return code

    @property
    def not_allowed(self) -> list[RunRecord]:
        """The inconclusive runs `--allow-inconclusive` does not cover: a persisted failure's
        replay (`replay_open`), and any run that cannot vouch for safety (`unvouched`: a
        forgery still pending, an attack that never started, evidence that does not
        verify ...). It covers liveness that could not be judged, and nothing else."""
        from bridgelab.testing import unvouched

        return [run for run in self.runs if run.status == "inconclusive"
                and (run.kind == "replay" or unvouched(run))]

    @property
    def replay_open(self) -> bool:
        """A persisted failure replays until the configuration it broke is fixed: one that
        no longer reproduces but cannot vouch either (its attack no longer starts, say) is
        not fixed, and `--allow-inconclusive` does not cover it."""
        return any(run.kind == "replay" and run.status == "inconclusive" for run in self.runs)

    def counts(self) -> dict[str, int]:
        counts = {status: 0 for status in ("pass", "fail", "inconclusive", "error", "not_run")}
        for run in self.runs:
            counts[run.status] += 1
        return counts


# -- running ------------------------------------------------------------------------------


def _out_dir(root: Path | None, index: int, target: Target, seed: int) -> Path | None:
    if root is None:
        return None
    stem = re.sub(r"[^A-Za-z0-9_-]", "-", target.path.stem)
    prefix = "replay-" if target.kind == "replay" else ""
    out = confined(root, root / f"{index:03d}-{prefix}{stem}-seed{seed}")
    out.mkdir(parents=True, exist_ok=True)
    return out


def run_one(target: Target, seed: int, out_dir: Path | None = None) -> RunRecord:
    from bridgelab.runner import run

    record = RunRecord(
        target.kind, target.display, target.scenario.scenario.name, seed, "error", None,
        out_dir=str(out_dir) if out_dir is not None else None,
    )
    started = time.perf_counter()  # wall-clock ok: reported run time
    try:
        result = run(
            target.scenario, seed, out_dir, keep_history=False,
            base_dir=target.path.resolve().parent,
            reproduce=f"bridgelab run {shlex.quote(target.display)} --seed {seed}",
        )
    except Exception as exc:  # a crash of the model is reported with the other runs, not raised
        record.wall_time_s = time.perf_counter() - started  # wall-clock ok
        record.exit_code = EXIT_INTERNAL_ERROR
        record.error = f"crashed: {type(exc).__name__}: {exc}"
        record.traceback = traceback.format_exc()
        return record
    record.wall_time_s = time.perf_counter() - started  # wall-clock ok
    record.exit_code = result.exit_code
    record.status = STATUS_BY_EXIT.get(result.exit_code, "error")
    record.verdicts = dict(result.verdicts)
    record.violations = list(result.violations)
    record.inconclusive = list(result.inconclusive)
    record.history_sha256 = result.history_sha256
    record.history_events = result.history_events
    record.fingerprint = dict(result.fingerprint)
    if out_dir is not None:
        _check_written_evidence(record, out_dir)
    return record


def _check_written_evidence(record: RunRecord, out_dir: Path) -> None:
    """The directory under --out must hold this run's evidence: a complete results.json, a
    history that hashes to the run's own hash, the scenario it ran. If it does not, the run
    cannot vouch for anything: a pass becomes inconclusive (a failure stays a failure)."""
    from bridgelab.evidence import RESULTS, read_results, verify_run_dir

    written, problem = read_results(out_dir / RESULTS)
    if written is None:
        problems = [problem or "results.json unreadable"]
    else:
        problems = verify_run_dir(out_dir, written).problems
        history = written.get("history")
        recorded = history.get("sha256") if isinstance(history, dict) else None
        if recorded != record.history_sha256:
            problems.append("results.json records another history than the run's own")
    if not problems:
        return
    record.inconclusive += [f"evidence under {out_dir}: {problem}" for problem in problems]
    if record.status == "pass":
        record.status = "inconclusive"
        record.exit_code = EXIT_INCONCLUSIVE


Determinism = Literal["first", "all", "none"]


def determinism_targets(targets: list[Target], mode: Determinism) -> list[Target]:
    """`first`: the first scenario (not a replay, unless there are only replays)."""
    if mode == "none" or not targets:
        return []
    if mode == "all":
        return list(targets)
    scenarios = [target for target in targets if target.kind == "scenario"]
    return [(scenarios or targets)[0]]


def run_gate(
    targets: list[Target],
    determinism: Determinism = "first",
    stop_on_fail: bool = False,
    out_root: Path | None = None,
    on_run: Callable[[RunRecord], None] | None = None,
    on_determinism: Callable[[DeterminismResult], None] | None = None,
    before: Callable[[str], None] | None = None,
    jobs: int = 1,
) -> GateReport:
    """Run every target at every seed (replays first), then the determinism checks.

    With `jobs` > 1 the runs go to that many processes; records still arrive in the planned
    order (each run is independent and deterministic, so the order changes nothing else)."""
    started = time.perf_counter()  # wall-clock ok: reported gate time
    report = GateReport()
    planned = [(target, seed) for target in targets for seed in target.seeds]
    out_dirs = [_out_dir(out_root, index, target, seed)
                for index, (target, seed) in enumerate(planned)]
    results = _parallel_runs(planned, out_dirs, jobs) if jobs > 1 and len(planned) > 1 else None
    try:
        for index, (target, seed) in enumerate(planned):
            if report.stopped:
                report.runs.append(RunRecord(
                    target.kind, target.display, target.scenario.scenario.name, seed,
                    "not_run", None,
                ))
                continue
            if before is not None:
                before(f"{target.display} seed {seed}")
            record = (next(results) if results is not None
                      else run_one(target, seed, out_dirs[index]))
            report.runs.append(record)
            if on_run is not None:
                on_run(record)
            if stop_on_fail and record.status in ("fail", "error"):
                report.stopped = True
    finally:
        if results is not None:
            results.close()  # cancels runs not started (after a stop or an interruption)
    if not report.stopped:
        for target in determinism_targets(targets, determinism):
            seed = target.seeds[0]
            if before is not None:
                before(f"determinism {target.display} seed {seed}")
            same_runs = [
                run for run in report.runs
                if (run.kind, run.scenario, run.seed) == (target.kind, target.display, seed)
            ]
            in_process = same_runs[0].history_sha256 if same_runs else None
            try:
                result = check_determinism(target.path, seed, in_process_sha256=in_process)
            except Exception as exc:  # reported with the runs (exit 4), the reports still written
                result = DeterminismResult(
                    target.display, seed, in_process_sha256=in_process,
                    crash=f"crashed: {type(exc).__name__}: {exc}",
                )
            if same_runs and same_runs[0].exit_code in (0, 1, 2):
                result.in_process_exit = same_runs[0].exit_code
            result.scenario = target.display
            report.determinism.append(result)
            if on_determinism is not None:
                on_determinism(result)
            if stop_on_fail and not result.deterministic:
                report.stopped = True
                break
    report.wall_time_s = time.perf_counter() - started  # wall-clock ok
    return report


def _parallel_runs(planned: list[tuple[Target, int]], out_dirs: list[Path | None],
                   jobs: int) -> Iterator[RunRecord]:
    """The records of `planned`, in order, computed by `jobs` processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    futures = [pool.submit(run_one, target, seed, out_dir)
               for (target, seed), out_dir in zip(planned, out_dirs, strict=True)]
    try:
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def run_count(targets: list[Target], determinism: Determinism) -> int:
    return sum(len(target.seeds) for target in targets) + len(
        determinism_targets(targets, determinism)
    )
