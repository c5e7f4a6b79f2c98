"""Drive the hunt: batches of Hypothesis examples until a violation or the wall-time budget.

A found violation is shrunk by Hypothesis; the minimal program's steps are the last ones the
machine recorded (Hypothesis replays the shrunk example last).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.errors import Flaky
from hypothesis.stateful import get_state_machine_test

from bridgelab.hunt.machine import Budget, SafetyViolated, Step, make_machine
from bridgelab.scenario.model import Scenario

BATCH_EXAMPLES = 25
MAX_BATCHES = 10_000


@dataclass
class HuntResult:
    found: bool
    steps: list[Step]
    violation: dict[str, Any] | None
    examples: int
    batches: int
    wall_seconds: float
    # Batches where a violation was seen but did not happen again when Hypothesis replayed
    # it: the model then depends on something besides the scenario and the seed (a bug), and
    # a violation may exist that this search could not pin down.
    unreproduced: int = 0


def hunt(
    scenario: Scenario,
    run_seed: int,
    budget: Budget,
    wall_budget: float,
    search_seed: int = 0,
    max_steps: int = 12,
    on_batch: Callable[[int, float], None] | None = None,
    base_dir: Path | None = None,
) -> HuntResult:
    """Search until a safety violation is found and shrunk, or `wall_budget` seconds pass;
    the files the scenario names are read from `base_dir`, its directory."""
    machine = make_machine(scenario, run_seed, budget, base_dir)
    started = time.perf_counter()  # wall-clock ok: the search's own time budget
    examples = unreproduced = 0
    for batch in range(MAX_BATCHES):
        elapsed = time.perf_counter() - started  # wall-clock ok: search budget
        if elapsed >= wall_budget:
            break
        config = settings(
            max_examples=BATCH_EXAMPLES,
            stateful_step_count=max_steps,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.generate, Phase.shrink),
            print_blob=False,
        )
        test = get_state_machine_test(machine, settings=config)
        test = seed(search_seed * 1_000_003 + batch)(test)
        try:
            test()
        except SafetyViolated:
            return HuntResult(
                True, list(machine.last_steps), machine.last_violation,
                examples + BATCH_EXAMPLES, batch + 1,
                time.perf_counter() - started,  # wall-clock ok: reported duration
            )
        except Flaky:
            unreproduced += 1
            continue
        examples += BATCH_EXAMPLES
        if on_batch is not None:
            on_batch(batch + 1, time.perf_counter() - started)  # wall-clock ok
    return HuntResult(
        False, [], None, examples, batch + 1,
        time.perf_counter() - started,  # wall-clock ok: reported duration
        unreproduced,
    )
