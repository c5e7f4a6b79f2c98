"""A node's bounded mailbox, read by the node's one loop.

Cheaper than `simpy.Store`: a message for a waiting reader resumes it at once, with no put
or get event scheduled in between, which matters when every message of a run passes here.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import simpy
from simpy.events import PENDING, Event

_new_event = Event.__new__  # an Event with no attributes yet; `get` sets them


class Inbox:
    """FIFO, at most `capacity` messages waiting; `get()` is an event yielding the next one."""

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        assert capacity > 0
        self.env = env
        self.capacity = capacity
        self.items: deque[Any] = deque()
        self._readers: deque[simpy.Event] = deque()

    def offer(self, message: Any) -> bool:
        """Hand `message` to a waiting reader, or queue it; False if it is dropped because
        `capacity` messages already wait.

        To be called only from an event's callback (the network's delivery timers, its one
        caller; nothing checks this on the hot path), never from inside a process: the
        reader is resumed here, exactly as SimPy would resume it when its get
        event is processed, saving a scheduled event per message. A reader waits only on an
        empty inbox, so the capacity matters only when the message is queued."""
        readers = self._readers
        while readers:
            reader = readers.popleft()
            if reader._value is not PENDING:  # already triggered
                continue
            reader._ok = True
            reader._value = message
            callbacks, reader.callbacks = reader.callbacks, None
            for callback in callbacks:
                callback(reader)
            return True
        if len(self.items) >= self.capacity:
            return False
        self.items.append(message)
        return True

    def get(self) -> simpy.Event:
        """An event whose value is the next message: triggered now if one waits (scheduled
        as `succeed` would), else when `offer` hands one over. Built as `Event.__init__`
        builds it, without the call: a reader asks once for every message of a run."""
        event = _new_event(Event)
        event.env = self.env
        event.callbacks = []
        if self.items:
            event._ok = True
            event._value = self.items.popleft()
            self.env.schedule(event)
        else:
            event._value = PENDING
            self._readers.append(event)
        return event
