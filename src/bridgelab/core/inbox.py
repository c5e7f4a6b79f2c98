"""A node's bounded mailbox, read by the node's one loop.

Cheaper than `simpy.Store`: a message for a waiting reader resumes it at once, with no put
or get event scheduled in between, which matters when every message of a run passes here.
A node whose loop only handles each message and waits for the next one can instead `serve`
its inbox: each message is handed to a function, with no process to resume at all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

import simpy
from simpy.events import PENDING, Event

from bridgelab.core.clock import CountingEnvironment

_new_event = Event.__new__  # an Event with no attributes yet; `get` sets them

Handler = Callable[[Any], object]


class Inbox:
    """FIFO, at most `capacity` messages waiting; `get()` is an event yielding the next one."""

    def __init__(self, env: CountingEnvironment, capacity: int) -> None:
        assert capacity > 0
        self.env = env
        self.capacity = capacity
        self.items: deque[Any] = deque()
        self._readers: deque[simpy.Event] = deque()
        self._handler: Handler | None = None  # set once `serve` has caught up

    def offer(self, message: Any) -> bool:
        """Hand `message` to a waiting reader, or queue it; False if it is dropped because
        `capacity` messages already wait.

        To be called only from an event's callback (the network's delivery timers, its one
        caller; nothing checks this on the hot path), never from inside a process: the
        reader is resumed here, exactly as SimPy would resume it when its get
        event is processed, saving a scheduled event per message. A reader waits only on an
        empty inbox, so the capacity matters only when the message is queued. A served
        inbox hands the message to its handler, as a reader would be resumed."""
        handler = self._handler
        if handler is not None:
            handler(message)
            return True
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
        assert self._handler is None, "a served inbox has no other reader"
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

    def serve(self, handler: Handler) -> None:
        """Hand every message to `handler` from now on, in the same events and order as
        the reader process `env.process(loop())` started now would, with `loop` being
        `while True: handler((yield inbox.get()))`: the process's start is an urgent
        event, and messages that wait by then are handed over one event each, as `get`
        schedules them; once the inbox is empty, `offer` calls `handler` where it would
        resume the reader. `handler` must not wait (it is no process); the inbox then has
        no other reader."""
        assert self._handler is None and not self._readers, "an inbox has one reader"
        self.env.process_start(partial(self._catch_up, handler))

    def _catch_up(self, handler: Handler, _event: simpy.Event) -> None:
        """Hand over what waits, one event at a time; then serve directly."""
        if not self.items:
            self._handler = handler
            return
        waiting = self.get()
        waiting.callbacks.append(partial(self._hand_over, handler))

    def _hand_over(self, handler: Handler, event: simpy.Event) -> None:
        handler(event._value)
        self._catch_up(handler, event)
