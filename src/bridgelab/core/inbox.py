"""A node's bounded mailbox: read by the node's reader process, or served to its handler.

Cheaper than `simpy.Store`: a message for a waiting reader resumes it at once, with no put
or get event scheduled in between (`engine.resume_now`). A node that only reacts `serve`s
its inbox instead: each message is handed to its handler, with no process to resume at all
(the node style is in `core/engine.py`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import simpy

from bridgelab.core.engine import CountingEnvironment, pending_event, ready_event, resume_now

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
        """Hand `message` to the handler or a waiting reader, or queue it; False if it is
        dropped because `capacity` messages already wait.

        To be called only from an event's callback (the network's delivery timers, its one
        caller), never from inside a process: the reader is resumed here, exactly as SimPy
        would resume it when its get event is processed. A reader waits only on an empty
        inbox, so the capacity matters only when the message is queued."""
        handler = self._handler
        if handler is not None:
            handler(message)
            return True
        readers = self._readers
        while readers:
            if resume_now(readers.popleft(), message):
                return True
        if len(self.items) >= self.capacity:
            return False
        self.items.append(message)
        return True

    def get(self) -> simpy.Event:
        """An event whose value is the next message: triggered now if one waits (scheduled
        as `succeed` would), else when `offer` hands one over."""
        assert self._handler is None, "a served inbox has no other reader"
        if self.items:
            return ready_event(self.env, self.items.popleft())
        event = pending_event(self.env)
        self._readers.append(event)
        return event

    def serve(self, handler: Handler) -> None:
        """Hand every message to `handler` from now on, in the same events and order as
        the reader process `while True: handler((yield inbox.get()))` started now would:
        a process hands over what waits by then, one event each as `get` schedules them;
        once the inbox is empty, `offer` calls `handler` where it would resume the reader.
        `handler` must not wait (it is no process); the inbox then has no other reader."""
        assert self._handler is None and not self._readers, "an inbox has one reader"
        self.env.process(self._catch_up(handler))

    def _catch_up(self, handler: Handler) -> simpy.events.ProcessGenerator:
        while self.items:
            handler((yield self.get()))
        self._handler = handler
