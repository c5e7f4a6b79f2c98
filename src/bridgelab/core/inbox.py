"""A node's bounded mailbox, read by the node's one loop.

Cheaper than `simpy.Store`: a message for a waiting reader wakes it directly, with no put
event in between, which matters when every message of a long run passes through here.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import simpy


class Inbox:
    """FIFO, at most `capacity` messages waiting; `get()` is an event yielding the next one."""

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        assert capacity > 0
        self.env = env
        self.capacity = capacity
        self.items: deque[Any] = deque()
        self._readers: deque[simpy.Event] = deque()

    def put(self, message: Any) -> None:
        """Hand `message` to a waiting reader, or queue it (the caller checks capacity)."""
        while self._readers:
            reader = self._readers.popleft()
            if not reader.triggered:
                reader.succeed(message)
                return
        assert len(self.items) < self.capacity, "inbox over capacity"
        self.items.append(message)

    def get(self) -> simpy.Event:
        event = self.env.event()
        if self.items:
            event.succeed(self.items.popleft())
        else:
            self._readers.append(event)
        return event
