"""The stall guard: a run that stops making progress stops, and says which component spun.

A scenario can validate and still never end: a timer that re-arms faster than the clock
can tell apart keeps simulated time crawling while events pile up, and a fault that never
heals keeps every retry loop busy until the duration runs out. The engine checks its
`RunLimits` every `CHECK_EVERY` events (a counter per event; the checks themselves are
rare), and raises `Stalled` when

- simulated time has not advanced by `min_advance` seconds over `stall_events` events,
- more than `max_events` events have been processed, or
- the process's resident memory is above `max_rss_mb`.

`Stalled` names the component whose events ran most in a short look at the events that
come next (a process by its function and node, a timer by its callback). The runner turns
it into an incomplete run: exit 2 (inconclusive) unless a property had already failed,
never a pass.

The defaults leave every shipped scenario and the 100,000-transfer benchmark far below
them; `RunLimits.from_environment` reads overrides (`BRIDGELAB_MAX_EVENTS`,
`BRIDGELAB_STALL_EVENTS`, `BRIDGELAB_MAX_RSS_MB`; see docs/limits.md).
"""

from __future__ import annotations

import os
import resource
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simpy.events import Condition, Process

from bridgelab.scenario.errors import ScenarioError

# Events between two checks: the per-event cost is one decrement and one test.
CHECK_EVERY = 4_096
# Events looked at, after a limit is hit, to name the component that keeps the run busy.
DIAGNOSE_EVENTS = 2_048
# Conditions nested in conditions, followed to the process that waits on them.
MAX_CONDITION_DEPTH = 8


@dataclass(frozen=True)
class RunLimits:
    """How far a run may go before the engine stops it as stalled."""

    # Events one run may process. The 100,000-transfer benchmark takes about 10 million.
    max_events: int = 100_000_000
    # Events in a row over which simulated time must advance by at least `min_advance`.
    # A block of 100,000 scripted transfers due at one instant takes about half of it.
    stall_events: int = 1_000_000
    # One millisecond: no timer of a valid scenario repeats faster (scenario.base.MIN_PERIOD).
    min_advance: float = 1e-3
    # Resident memory, in MiB. The 100,000-transfer benchmark peaks near 400 MiB.
    max_rss_mb: int = 8_192

    def __post_init__(self) -> None:
        assert self.max_events >= CHECK_EVERY and self.stall_events >= CHECK_EVERY, self
        assert self.min_advance > 0 and self.max_rss_mb > 0, self

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> RunLimits:
        """The defaults, with any of BRIDGELAB_MAX_EVENTS, BRIDGELAB_STALL_EVENTS and
        BRIDGELAB_MAX_RSS_MB set in the environment taking their place."""
        environ = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for field_name, variable, low in _OVERRIDES:
            raw = environ.get(variable)
            if raw is None or raw == "":
                continue
            try:
                value = int(raw)
            except ValueError:
                value = None
            if value is None or value < low:
                # Bad input like a scenario's: one line, exit 3.
                raise ScenarioError("environment", variable, f"a whole number >= {low:,}",
                                    repr(raw))
            values[field_name] = value
        return cls(**values)


_OVERRIDES = (
    ("max_events", "BRIDGELAB_MAX_EVENTS", CHECK_EVERY),
    ("stall_events", "BRIDGELAB_STALL_EVENTS", CHECK_EVERY),
    ("max_rss_mb", "BRIDGELAB_MAX_RSS_MB", 1),
)


class Stalled(Exception):
    """The run hit one of its limits; `component` is what kept it busy."""

    def __init__(self, reason: str, component: str, at: float) -> None:
        super().__init__(f"{reason} (at simulated time {at:.6f} s; busiest: {component})")
        self.reason = reason
        self.component = component
        self.at = at


class Guard:
    """The state the checks keep between calls: events counted, and where time last moved."""

    def __init__(self, limits: RunLimits) -> None:
        self.limits = limits
        self.events = 0
        self.still_since = 0.0  # simulated time at the start of the current still stretch
        self.still_events = 0
        self.stopping = False  # a stop is scheduled (the budget was passed between checks)

    def check(self, now: float, events: int) -> str | None:
        """Count `events` more; the limit broken, if any."""
        limits = self.limits
        self.events += events
        if now - self.still_since >= limits.min_advance:
            self.still_since, self.still_events = now, 0
        else:
            self.still_events += events
        if self.still_events >= limits.stall_events:
            return (f"simulated time advanced less than {limits.min_advance} s over"
                    f" {self.still_events:,} events")
        if self.events > limits.max_events:
            return f"the run took more than {limits.max_events:,} events"
        rss_mb = resident_mb()
        if rss_mb > limits.max_rss_mb:
            return f"resident memory reached {rss_mb:,} MiB (limit {limits.max_rss_mb:,})"
        return None


def resident_mb() -> int:
    """This process's resident memory now (Linux), or its peak where /proc is absent."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux


def component_of(callback: Callable[..., Any], depth: int = 0) -> str:
    """A name for what an event's callback runs: a process's function and the node it
    belongs to (through any all-of / any-of condition it waits on), or a callback's own
    qualified name."""
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, Condition) and depth < MAX_CONDITION_DEPTH:
        for waiting in owner.callbacks or ():
            if getattr(waiting, "__self__", None) is not owner:
                return component_of(waiting, depth + 1)
    if isinstance(owner, Process):
        generator = owner._generator  # public since SimPy 3 in all but name
        name = getattr(generator, "__qualname__", repr(generator))
        frame = getattr(generator, "gi_frame", None)
        holder = frame.f_locals.get("self") if frame is not None else None
        return _with_node(name, holder)
    target = getattr(callback, "func", callback)  # a functools.partial
    name = getattr(target, "__qualname__", type(target).__name__)
    return _with_node(name, getattr(target, "__self__", None))


def _with_node(name: str, holder: object) -> str:
    node = getattr(holder, "node", None) or getattr(holder, "name", None)
    return f"{name} ({node})" if isinstance(node, str) else name


def busiest(components: Iterable[str]) -> str:
    """The component named most often (ties to the first name in order)."""
    tally = Counter(components)
    if not tally:
        return "nothing (no event had a callback)"
    return min(tally.items(), key=lambda item: (-item[1], item[0]))[0]
