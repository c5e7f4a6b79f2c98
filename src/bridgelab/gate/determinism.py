"""The determinism self-check: one scenario and seed, run in two fresh processes with
different `PYTHONHASHSEED`s, must write byte-identical histories (same SHA-256).

Used by `bridgelab run --check-determinism` and by the `bridgelab check` gate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bridgelab.evidence import HISTORY, history_problem
from bridgelab.exitcodes import EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_PASS

HASH_SEEDS = ("1", "2")
STOP_TIMEOUT_S = 5.0
# Exit codes of `bridgelab run` after which results.json exists: pass, fail, inconclusive.
RAN = (EXIT_PASS, EXIT_FAIL, EXIT_INCONCLUSIVE)


@dataclass(slots=True)
class ProcessRun:
    hash_seed: str
    exit_code: int
    sha256: str | None
    stderr: str = ""


@dataclass(slots=True)
class DeterminismResult:
    scenario: str
    seed: int
    processes: list[ProcessRun] = field(default_factory=list)
    # The history hash of a run already made in this process, compared as well when given.
    in_process_sha256: str | None = None
    # That run's exit code, compared with the processes' when given: the scenario's own
    # properties are judged outside the history, and may differ on identical histories.
    in_process_exit: int | None = None
    wall_time_s: float = 0.0
    # An exception of the check itself (the processes could not be started, say).
    crash: str | None = None

    @property
    def error(self) -> str | None:
        """Why the check could not compare histories (a process that did not run), or None."""
        if self.crash is not None:
            return self.crash
        for process in self.processes:
            if process.exit_code not in RAN or process.sha256 is None:
                lines = process.stderr.strip().splitlines()
                reason = lines[-1] if lines else "no output"
                return (
                    f"the process with PYTHONHASHSEED={process.hash_seed} exited"
                    f" {process.exit_code}: {reason}"
                )
        return None

    @property
    def hashes(self) -> list[str]:
        found = [process.sha256 for process in self.processes if process.sha256]
        if self.in_process_sha256 is not None:
            found.append(self.in_process_sha256)
        return found

    @property
    def exit_codes(self) -> list[int]:
        codes = [process.exit_code for process in self.processes]
        if self.in_process_exit is not None:
            codes.append(self.in_process_exit)
        return codes

    @property
    def deterministic(self) -> bool:
        """The histories are byte-identical and every run exited alike on them (a property
        of the scenario's own that iterates a set, say, could judge them differently)."""
        hashes = self.hashes
        return (self.error is None and len(hashes) >= 2 and len(set(hashes)) == 1
                and len(set(self.exit_codes)) == 1)

    def summary(self) -> str:
        if self.error is not None:
            return f"could not compare: {self.error}"
        if len(set(self.hashes)) == 1 and not self.deterministic:
            return (f"NOT deterministic: the runs exited {self.exit_codes} on identical"
                    " histories (a property of the scenario's own judges them differently)")
        if self.deterministic:
            return f"deterministic: {len(self.hashes)} runs, history sha256 {self.hashes[0][:16]}…"
        labels = [f"PYTHONHASHSEED={p.hash_seed}: {p.sha256}" for p in self.processes]
        if self.in_process_sha256 is not None:
            labels.append(f"in-process: {self.in_process_sha256}")
        return "NOT deterministic: the histories differ (" + "; ".join(labels) + ")"

    def to_json(self) -> dict[str, object]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "deterministic": self.deterministic,
            "error": self.error,
            "processes": [
                {"pythonhashseed": p.hash_seed, "exit_code": p.exit_code, "sha256": p.sha256}
                for p in self.processes
            ],
            "in_process_sha256": self.in_process_sha256,
            "in_process_exit_code": self.in_process_exit,
            "wall_time_s": round(self.wall_time_s, 3),
        }


def check_determinism(
    scenario: str | Path,
    seed: int,
    hash_seeds: tuple[str, ...] = HASH_SEEDS,
    in_process_sha256: str | None = None,
    on_process: Callable[[ProcessRun], None] | None = None,
    run_args: tuple[str, ...] = (),
) -> DeterminismResult:
    """Run `scenario` at `seed` in one fresh process per hash seed, all at once, and compare.

    The file should already have been validated: a process that exits 3 is reported as an
    error of the check, not as non-determinism. `run_args` are passed on to `bridgelab run`
    (e.g. `--signatures symbolic`).
    """
    started = time.perf_counter()  # wall-clock ok: reported check time
    result = DeterminismResult(str(scenario), seed, in_process_sha256=in_process_sha256)
    with tempfile.TemporaryDirectory(prefix="bridgelab-determinism-") as tmp:
        launched = []
        for attempt, hash_seed in enumerate(hash_seeds):
            out = Path(tmp) / f"run{attempt}"
            env = dict(os.environ, PYTHONHASHSEED=hash_seed)
            command = [
                sys.executable, "-m", "bridgelab", "run", str(scenario),
                "--seed", str(seed), "--out", str(out), "--quiet", *run_args,
            ]
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
            launched.append((hash_seed, out, process))
        try:
            _collect(launched, result, on_process)
        except BaseException:  # SIGINT or SIGTERM here: the processes go too, not orphaned
            _stop([process for _, _, process in launched])
            raise
    result.wall_time_s = time.perf_counter() - started  # wall-clock ok: reported check time
    return result


def _stop(processes: list[subprocess.Popen]) -> None:
    """Terminate `processes` (each marks its run incomplete and exits), killing any that
    has not exited within a few seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _collect(launched: list[tuple[str, Path, subprocess.Popen]], result: DeterminismResult,
             on_process: Callable[[ProcessRun], None] | None) -> None:
    for hash_seed, out, process in launched:
        _, stderr = process.communicate()
        sha256 = None
        results = out / "results.json"
        if process.returncode in RAN and results.exists():
            sha256 = json.loads(results.read_text())["history"]["sha256"]
            # The hash compared is the file's own, not only what results.json says.
            problem = history_problem(out / HISTORY, sha256)
            if problem is not None:
                sha256, stderr = None, f"{stderr}{out / HISTORY}: {problem}\n"
        run = ProcessRun(hash_seed, process.returncode, sha256, stderr)
        result.processes.append(run)
        if on_process is not None:
            on_process(run)
