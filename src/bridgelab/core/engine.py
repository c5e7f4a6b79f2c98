"""The simulation engine: SimPy's environment, and the only module that reaches inside SimPy.

How the model is written, one rule for every node:

- **A node that only reacts registers a handler.** `network.serve(name, handler)` (or
  `inbox.serve(handler)`) hands the handler each message in the same order, and at the same
  place in the order of events, as a reader process `while True: handler((yield
  inbox.get()))` started then would be resumed. A handler never waits: it records, sends,
  changes state, and starts a process for anything that takes time. Validators, relayers
  and the settlement chain's intake are handlers.
- **Timed work is a generator process.** Anything that waits — producing blocks, a member's
  processing time, retries and back-off, a back-up relayer's delay, the watcher's
  detection delay, a user's withdrawal — is started with `env.process(...)` and yields
  `env.timeout(...)`, events, or `inbox.get()`.
- Nothing else: no callbacks on timers or events, and no SimPy private field outside this
  module. Model code uses only SimPy's public API (`env.process`, `env.timeout`,
  `env.event`, `yield`).

This module is the exception, for the message network's sake (`core/network.py`,
`core/inbox.py`): a delivery runs as a callback of its timer, and a waiting reader is
resumed inside that callback instead of one event later. These use SimPy's private fields
(`Environment._queue`, `_eid`, `_now`; `Event._ok`, `_value`, `callbacks`), which is why
`pyproject.toml` pins SimPy to one version (`SIMPY_VERSION`, checked by a test).

The run loop also holds every run to its limits (`core/guard.py`, the stall guard): a run
whose simulated time stops advancing, or that outgrows its event or memory budget, raises
`Stalled` naming the component that kept it busy.
The fast paths kept here, and what each earns, are in docs/performance.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy
from simpy.core import URGENT, BoundClass, SimTime, StopSimulation
from simpy.events import PENDING, Event

from bridgelab.core.guard import (
    CHECK_EVERY,
    DIAGNOSE_EVENTS,
    Guard,
    RunLimits,
    Stalled,
    busiest,
    component_of,
)

# The SimPy release whose private fields this module uses; pyproject.toml pins it.
SIMPY_VERSION = "4.1.2"

Callback = Callable[[Event], None]


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that can say how many events it has processed, at no cost per step.

    Each scheduled event takes the next number from SimPy's event counter; the processed
    ones are those numbered so far, less those still queued."""

    def __init__(self) -> None:
        super().__init__()
        # SimPy binds its event classes (`event`, `timeout`, `process`, ...) to the instance
        # only when they are defined on the instance's own class, so in a subclass every
        # `env.timeout()` would build a bound method; bind them here as SimPy does for itself.
        for name, attribute in vars(simpy.Environment).items():
            if type(attribute) is BoundClass:
                setattr(self, name, getattr(self, name))
        self._numbers_read = 0
        self.guard = Guard(RunLimits())
        self._countdown = CHECK_EVERY  # events left before the guard's next check

    def run(self, until: SimTime | Event | None = None) -> Any:
        """SimPy's `run`, with the stall guard's count in its loop. As in SimPy, `until`
        is a time (stop before the normal events due then) or an event (stop once it is
        processed)."""
        if until is not None:
            if not isinstance(until, Event):
                at: SimTime = until if isinstance(until, int) else float(until)
                if at <= self._now:
                    raise ValueError(
                        f"until ({at}) must be greater than the current simulation time"
                    )
                # Scheduled before all normal events due at `at`.
                until = Event(self)
                until._ok = True
                until._value = None
                self.schedule(until, URGENT, at - self._now)
            elif until.callbacks is None:  # already processed
                return until.value
            until.callbacks.append(StopSimulation.callback)

        queue = self._queue
        countdown = self._countdown
        try:
            while queue:
                self.step()
                countdown -= 1
                if not countdown:
                    self._check_guard()
                    countdown = CHECK_EVERY
        except StopSimulation as stop:
            return stop.args[0]  # the until event's value
        finally:
            self._countdown = countdown
        if until is not None:
            assert not until.triggered
            raise RuntimeError(
                f'No scheduled events left but "until" event was not triggered: {until}'
            )
        return None

    def limit(self, limits: RunLimits) -> None:
        """Hold the run to `limits` from now on (core/guard.py)."""
        self.guard = Guard(limits)
        self.guard.still_since = self._now

    def count_work(self, units: int) -> None:
        """Count `units` of work the model does without an event each (a slot's background
        bundles) toward the event budget, so that a run busy inside few events is bounded
        too. Past the budget, the run stops at a timer due now: the caller is model code,
        which must not see the guard's exception."""
        guard = self.guard
        guard.events += units
        if guard.events > guard.limits.max_events and not guard.stopping:
            guard.stopping = True
            self.call_later(0.0, self._over_budget)

    def _over_budget(self, _timer: Event) -> None:
        self._stop(f"the run took more than {self.guard.limits.max_events:,} events"
                   " (background bundles included)")

    def _check_guard(self) -> None:
        """Raise `Stalled` if the run broke one of its limits."""
        broken = self.guard.check(self._now, CHECK_EVERY)
        if broken is not None:
            self._stop(broken)

    def _stop(self, broken: str) -> None:
        """Raise `Stalled` for the limit `broken`, naming the component whose events run
        most among the next few (they are run to find out: the run stops anyway, and its
        history is marked incomplete)."""
        seen: list[str] = []
        try:
            for _ in range(DIAGNOSE_EVENTS):
                if not self._queue:
                    break
                # Named before the event runs: a processed event forgets its callbacks.
                seen += map(component_of, self._queue[0][3].callbacks or ())
                self.step()
        except StopSimulation:
            pass
        raise Stalled(broken, busiest(seen), self._now)

    @property
    def steps(self) -> int:
        """How many events have been processed (a figure for results, not for the model)."""
        # Reading the counter takes a number; later events sort the same way without it.
        numbered = next(self._eid) - self._numbers_read
        self._numbers_read += 1
        return numbered - len(self._queue)

    def call_later(self, delay: float, callback: Callback) -> None:
        """Run `callback` in `delay`, as a timer's callback: for the network's deliveries
        only (model code waits in processes)."""
        self.timeout(delay).callbacks.append(callback)


# -- a reader's event, resumed in place ------------------------------------------------------

_new_event = Event.__new__  # an Event with no attributes yet; the builders below set them


def pending_event(env: simpy.Environment) -> Event:
    """An untriggered event, built as `Event.__init__` builds it, without the call."""
    event = _new_event(Event)
    event.env = env
    event.callbacks = []
    event._value = PENDING
    return event


def ready_event(env: simpy.Environment, value: Any) -> Event:
    """An event triggered with `value` and scheduled now, as `env.event().succeed(value)`."""
    event = _new_event(Event)
    event.env = env
    event.callbacks = []
    event._ok = True
    event._value = value
    env.schedule(event)
    return event


def resume_now(event: Event, value: Any) -> bool:
    """Trigger a pending `event` with `value` and run its callbacks at once (resuming the
    process waiting on it), as SimPy would when it processes the event; False if the event
    was already triggered. To be called only from an event's callback, never from inside a
    process: a message's delivery timer resumes the reader waiting for it."""
    if event._value is not PENDING:
        return False
    event._ok = True
    event._value = value
    callbacks, event.callbacks = event.callbacks, None
    for callback in callbacks:
        callback(event)
    return True
