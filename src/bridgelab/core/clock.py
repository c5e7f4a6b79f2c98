"""The simulation clock: SimPy's environment, counting its events, with numbered places.

A component may take an event number now and use it later: for an event it queues at
that number, or for work it does in another event's turn that stands in for one.
"""

from __future__ import annotations

from heapq import heappush

import simpy
from simpy.core import NORMAL


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that can say how many events it has processed, at no cost per step.

    Each scheduled event takes the next number from SimPy's event counter; the processed
    ones are those numbered so far, less those still queued and those taken and not yet used."""

    def __init__(self) -> None:
        super().__init__()
        self._numbers_read = 0
        self._numbers_held = 0

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
