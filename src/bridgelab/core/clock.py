"""The simulation clock: SimPy's environment, counting its events, with numbered places.

A component may take an event number now and use it later: for an event it queues at
that number, or for work it does in another event's turn that stands in for one.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import NORMAL, URGENT, BoundClass, EventPriority, SimTime, StopSimulation
from simpy.events import Event, Timeout

_new_timeout = Timeout.__new__  # a Timeout with no attributes yet; `timeout` sets them


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that can say how many events it has processed, at no cost per step.

    Each scheduled event takes the next number from SimPy's event counter; the processed
    ones are those numbered so far, less those still queued and those taken and not yet used."""

    def __init__(self) -> None:
        super().__init__()
        # SimPy binds its event classes (`event`, `process`, `all_of`, ...) to the instance
        # only when they are defined on the instance's own class, so in a subclass every
        # `env.event()` would build a bound method; bind them here as SimPy does for itself.
        # `timeout` is this class's own method, below.
        for name, attribute in vars(simpy.Environment).items():
            if type(attribute) is BoundClass and name != "timeout":
                setattr(self, name, getattr(self, name))
        self._numbers_read = 0
        self._numbers_held = 0

    def timeout(self, delay: SimTime = 0, value: Any = None) -> Timeout:
        """A `Timeout`, built and scheduled as `Timeout.__init__` does, in one call. The
        inherited `timeout` binds the class on every use (SimPy binds it once only for its
        own class, not a subclass), then calls `__init__` and `schedule`; processes wait on
        a timeout at almost every turn, and the network's delivery timers are timeouts."""
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        timeout = _new_timeout(Timeout)
        timeout.env = self
        timeout.callbacks = []
        timeout._value = value
        timeout._delay = delay
        timeout._ok = True
        heappush(self._queue, (self._now + delay, NORMAL, next(self._eid), timeout))
        return timeout

    def run(self, until: SimTime | Event | None = None) -> Any:
        """SimPy's `run`, with its `step` written into the loop: the same events in the
        same order with the same outcome, without a method call per event (every event of
        a run passes here). As in SimPy, `until` is a time (stop before the normal events
        due then) or an event (stop once it is processed)."""
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
        try:
            while queue:
                # Environment.step, less its empty-queue check (the loop's condition).
                self._now, _, _, event = heappop(queue)
                callbacks, event.callbacks = event.callbacks, None
                try:
                    for callback in callbacks:
                        callback(event)
                except StopSimulation:
                    # The remaining callbacks run when the simulation resumes.
                    event.callbacks = callbacks[callbacks.index(callback) + 1 :]
                    self.schedule(event, EventPriority(-1))
                    raise
                if not event._ok and not hasattr(event, "_defused"):
                    # A failed event nothing handled crashes the run, with a fresh copy of
                    # its exception.
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    raise exc
        except StopSimulation as stop:
            return stop.args[0]  # the until event's value
        if until is not None:
            assert not until.triggered
            raise RuntimeError(
                f'No scheduled events left but "until" event was not triggered: {until}'
            )
        return None

    def process_start(self, callback: Callable[[Event], None]) -> Event:
        """An event that runs `callback` where `env.process` would run a process started
        now: an urgent event, scheduled now (SimPy's `Initialize`). For work that needs no
        process of its own but must keep a process's place in the order of events."""
        start = Event(self)
        start._ok, start._value = True, None
        start.callbacks.append(callback)
        self.schedule(start, URGENT)
        return start

    @property
    def steps(self) -> int:
        # Reading the counter takes a number; later events sort the same way without it.
        numbered = next(self._eid) - self._numbers_read
        self._numbers_read += 1
        return numbered - len(self._queue) - self._numbers_held

    def take_number(self) -> int:
        """The number the next scheduled event would get; SimPy orders events due at the
        same time and priority by it. Held until `queue_at` or `count_as_processed`."""
        self._numbers_held += 1
        return next(self._eid)

    def queue_at(self, event: simpy.Event, at: float, number: int) -> None:
        """Queue `event` (already triggered) at `at` with a normal priority and a held
        `number`: where an event scheduled when the number was taken would be."""
        assert at >= self._now and self._numbers_held > 0
        self._numbers_held -= 1
        heappush(self._queue, (at, NORMAL, number, event))

    def count_as_processed(self) -> None:
        """A held number's work was done in another event's turn: count it as processed."""
        assert self._numbers_held > 0
        self._numbers_held -= 1

    def runs_before(self, at: float, number: int) -> bool:
        """Whether a queued event comes before a normal-priority one at `at` numbered
        `number` (numbers are unique, so the queue's entries never tie with it)."""
        queue = self._queue
        return bool(queue) and queue[0] < (at, NORMAL, number)
