"""Run validated fuzz inputs, each in a subprocess under a time and a memory limit.

Each input gets a short horizon first (at most `MAX_DURATION` simulated seconds and
`MAX_TRANSFERS` transfers each way; its user property modules left out), so a run that is
merely long ends quickly and what is left slow is a finding, not a long scenario. The run is
`bridgelab run FILE --out OUT` in a fresh directory: the scenario in one place, the working
directory, HOME and TMPDIR in others; every file there but OUT is compared before and after,
so a write outside the output directory is seen.
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_PASS
from bridgelab.fuzz.outcome import Tally, message_problem
from bridgelab.fuzz.toml_text import document
from bridgelab.scenario import ScenarioError, parse_scenario

MAX_DURATION = 600.0
MAX_TRANSFERS = 10
VERDICTS = (EXIT_PASS, EXIT_FAIL, EXIT_INCONCLUSIVE)


@dataclass(frozen=True)
class Limits:
    seconds: float = 10.0  # of CPU time, rounded up to whole seconds
    memory_mb: int = 1_024
    # The engine's stall guard (core/guard.py), set well inside the CPU limit: a run that
    # stalls or runs away must end as inconclusive on its own; one the guard misses is a hang.
    max_events: int = 500_000
    stall_events: int = 100_000

    def guard_environment(self) -> dict[str, str]:
        """The run limits a fuzz run is given; memory below the address-space limit, so
        that the guard, not a MemoryError, ends a run that keeps growing."""
        return {"BRIDGELAB_MAX_EVENTS": str(self.max_events),
                "BRIDGELAB_STALL_EVENTS": str(self.stall_events),
                "BRIDGELAB_MAX_RSS_MB": str(max(1, self.memory_mb * 3 // 4))}


def short_horizon(data: dict[str, Any]) -> dict[str, Any]:
    """The scenario with its duration and transfers capped, and no user property modules
    (they would run code of the fuzz's choosing)."""
    meta = data.setdefault("scenario", {})
    meta["duration"] = min(meta.get("duration", MAX_DURATION), MAX_DURATION)
    workload = data.setdefault("workload", {})
    for key in ("deposits", "withdrawals"):
        workload[key] = min(workload.get(key, MAX_TRANSFERS), MAX_TRANSFERS)
    if isinstance(workload.get("scripted"), list):
        workload["scripted"] = workload["scripted"][:MAX_TRANSFERS]
    checks = data.get("checks")
    if isinstance(checks, dict):
        checks.pop("properties", None)
    return data


def prepare(raw: bytes) -> str | None:
    """A validated input with a short horizon, as TOML; None if capping made it invalid."""
    data = short_horizon(tomllib.loads(raw.decode("utf-8")))
    try:
        parse_scenario(data, "<fuzz>")
    except ScenarioError:
        return None
    return document(data)


def _snapshot(top: Path, skip: tuple[Path, ...]) -> dict[str, tuple[int, int]]:
    """Every file under `top` but those under `skip`: path -> (size, mtime in ns)."""
    files: dict[str, tuple[int, int]] = {}
    for directory, subdirectories, names in os.walk(top):
        here = Path(directory)
        subdirectories[:] = [name for name in subdirectories if here / name not in skip]
        for name in names:
            stat = (here / name).lstat()
            files[str((here / name).relative_to(top))] = (stat.st_size, stat.st_mtime_ns)
    return files


# `bridgelab ARGS...` with its address space (argv[1] megabytes) and its CPU time (argv[2]
# seconds, then SIGXCPU) limited first: set in the child itself, since a `preexec_fn` is
# unsafe beside the sampler's threads. CPU time, not wall-clock time: on a shared machine a
# run may wait for a core, and that is not a hang.
_LAUNCH = (
    "import resource, sys\n"
    "memory, seconds = int(sys.argv[1]) * 1024 * 1024, int(sys.argv[2])\n"
    "resource.setrlimit(resource.RLIMIT_AS, (memory, memory))\n"
    "resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))\n"
    "from bridgelab.cli import main\n"
    "sys.exit(main(sys.argv[3:]))\n"
)
# Wall-clock time a run may take, per second of CPU time allowed, before it counts as hung
# anyway (waiting on something rather than computing).
WALL_PER_CPU = 6


def run_one(text: str, seed: int, limits: Limits) -> tuple[str, str]:
    """(class, detail) of `bridgelab run` on the scenario `text` at `seed`."""
    with tempfile.TemporaryDirectory(prefix="bridgelab-fuzz-run-") as directory:
        top = Path(directory)
        places = {name: top / name for name in ("scenario", "work", "home", "tmp")}
        for place in places.values():
            place.mkdir()
        scenario = places["scenario"] / "fuzz.toml"
        scenario.write_text(text, encoding="utf-8")
        out = places["work"] / "out"
        skip = (out, places["tmp"])
        before = _snapshot(top, skip)
        env = {**os.environ, "HOME": str(places["home"]), "TMPDIR": str(places["tmp"]),
               "PYTHONDONTWRITEBYTECODE": "1", **limits.guard_environment()}
        cpu = max(1, math.ceil(limits.seconds))
        command = [sys.executable, "-c", _LAUNCH, str(limits.memory_mb), str(cpu), "run",
                   str(scenario), "--seed", str(seed), "--out", str(out), "--quiet"]
        process = subprocess.Popen(
            command, cwd=places["work"], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=WALL_PER_CPU * cpu)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the run we started, and its children
            process.communicate()
            return "hang", f"over {WALL_PER_CPU * cpu} s of wall-clock time"
        if process.returncode == -signal.SIGXCPU:
            return "hang", f"over {cpu} s of CPU time"
        changed = sorted(set(_snapshot(top, skip).items()) - set(before.items()))
        if changed:
            return "outside-write", ", ".join(name for name, _ in changed)[:300]
        saved = "".join(path.read_text(errors="replace") for path in places["tmp"].iterdir()
                        if path.is_file())
        return _classify(process.returncode, stderr, saved)


OUT_OF_MEMORY = ("MemoryError", "failed to map segment from shared object",
                 "Cannot allocate memory")


def _classify(code: int, stderr: str, saved: str) -> tuple[str, str]:
    last = stderr.strip().splitlines()[-1][:300] if stderr.strip() else ""
    # Under the address-space limit, memory may run out while a native extension is loaded:
    # the loader cannot map it ("failed to map segment"), or a system call meets ENOMEM
    # ("Cannot allocate memory"): neither is a MemoryError.
    if any(sign in text for sign in OUT_OF_MEMORY for text in (stderr, saved)):
        return "out-of-memory", last
    if code in VERDICTS and "Traceback" not in stderr and "internal error" not in stderr:
        return "ok", ""
    if code == EXIT_BAD_INPUT:
        problem = message_problem(stderr)
        return ("bad-message", problem) if problem else ("bad-input", last)
    return "traceback", f"exit {code}: {last}"


def sample_runs(
    valid: Sequence[bytes], runs: int, seed: int, tally: Tally, *, limits: Limits = Limits(),
    jobs: int = 1, progress: Callable[[int], None] | None = None,
) -> int:
    """Run `runs` inputs drawn (by `seed`) from `valid`, `jobs` at a time; tally each.
    Returns how many drawn inputs the short horizon made invalid (not run)."""
    rng = random.Random(seed)
    prepared: list[tuple[str, int]] = []
    skipped = 0
    order = list(valid)
    rng.shuffle(order)
    for raw in order:
        if len(prepared) == runs:
            break
        text = prepare(raw)
        if text is None:
            skipped += 1
        else:
            prepared.append((text, rng.randrange(1, 1_000)))
    while prepared and len(prepared) < runs:  # a small pool: the same inputs, other seeds
        text, _ = prepared[rng.randrange(len(prepared))]
        prepared.append((text, rng.randrange(1, 1_000)))

    def one(item: tuple[str, int]) -> tuple[str, tuple[str, str]]:
        return item[0], run_one(item[0], item[1], limits)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for text, (outcome, detail) in pool.map(one, prepared):
            tally.add(outcome, "run", detail, text.encode())
            if progress is not None:
                progress(tally.total)
    return skipped
