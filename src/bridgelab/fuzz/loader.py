"""Feed fuzz inputs to the loader, in this process, and classify each.

The loader is what `bridgelab validate` runs (`load_scenario`, `load_campaign`); an input
must come back as a validated object or as `ScenarioError`, whose line `bridgelab` prints
(`error: ...`) must be one short line of safe characters. Anything else that escapes is a
traceback; a time limit (a CPU-time interval timer) turns a hang into a class of its own.
"""

from __future__ import annotations

import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from bridgelab.campaign.spec import load_campaign
from bridgelab.exitcodes import describe
from bridgelab.fuzz.corpus import Seed
from bridgelab.fuzz.mutations import extreme, mutated
from bridgelab.fuzz.outcome import Tally, message_problem
from bridgelab.fuzz.raw import raw_inputs
from bridgelab.scenario import ScenarioError, load_scenario


class _OutOfTime(BaseException):
    """Raised by the interval timer; a BaseException, so no `except Exception` takes it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` of this process's CPU time (main thread only):
    CPU time, so waiting for a core on a shared machine is not a hang."""

    def expire(signum: int, frame: object) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def classify(kind: str, path: Path, seconds: float) -> tuple[str, str]:
    """(class, detail) of loading the file at `path` as a `kind` ("scenario", "campaign")."""
    load: Callable[[Path], object] = load_campaign if kind == "campaign" else load_scenario
    try:
        with time_limit(seconds):
            load(path)
    except ScenarioError as error:
        problem = message_problem(f"error: {error.message}\n")
        return ("bad-message", problem) if problem else ("bad-input", "")
    except _OutOfTime:
        return "hang", f"over {seconds:g} s of CPU time"
    except MemoryError:
        return "out-of-memory", ""
    except Exception as error:  # the loader let something out: that is the finding
        return "traceback", describe(error)[:300]
    return "ok", ""


def inputs(seeds: Sequence[Seed]) -> st.SearchStrategy[tuple[str, bytes]]:
    """Two parts structural mutations (one with a single mutation, which sometimes still
    validates), one part raw bytes, one part scenarios pushed to the schema's edges (which
    mostly validate, and feed the run sampler)."""
    return st.one_of(
        mutated(seeds), mutated(seeds, most=1), raw_inputs(seeds), extreme(seeds)
    )


def fuzz_loader(
    seeds: Sequence[Seed], examples: int, seed: int, tally: Tally, *,
    seconds: float = 10.0, valid: list[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Draw `examples` inputs (Hypothesis, seeded by `seed`), load each, tally its class;
    the scenario inputs that validate are appended to `valid` (for the run sampler)."""
    with tempfile.TemporaryDirectory(prefix="bridgelab-fuzz-") as directory:
        path = Path(directory) / "input.toml"

        @hypothesis_seed(seed)
        @settings(
            max_examples=examples, database=None, deadline=None, phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(inputs(seeds))
        def feed(item: tuple[str, bytes]) -> None:
            kind, data = item
            path.write_bytes(data)
            outcome, detail = classify(kind, path, seconds)
            tally.add(outcome, kind, detail, data)
            if outcome == "ok" and kind == "scenario" and valid is not None:
                valid.append(data)
            if progress is not None:
                progress(tally.total)

        feed()
