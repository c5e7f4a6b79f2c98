"""The event history: every domain event as one canonical JSON line, hashed as it is written.

Checkers are pure functions over this record; the rolling SHA-256 is the run's identity.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bridgelab.core.encoding import canonical_json, canonical_line

TIME_DECIMALS = 6


# Not frozen: a run builds one per event, and a frozen dataclass's `__init__` costs three times
# as much. Listeners share each event, so none may change it.
@dataclass(slots=True)
class Event:
    """One recorded domain event: when, who, what, and the event's own fields."""

    seq: int
    time: float
    actor: str
    kind: str
    fields: dict[str, Any]

    def to_json(self) -> str:
        """The event's line in history.jsonl (without the newline)."""
        return canonical_json(_record(self.seq, self.time, self.actor, self.kind, self.fields))


def _record(seq: int, time: float, actor: str, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """An event as a line of history.jsonl holds it."""
    return {"seq": seq, "t": time, "actor": actor, "kind": kind, **fields}


Listener = Callable[[Event], None]
# Called with an event's record exactly as history.jsonl holds it (with `seq`); shared by
# every record listener, so they read it and never change it.
RecordListener = Callable[[dict[str, Any]], None]


class History:
    """Append-only event log: streamed to disk, hashed, and fanned out to listeners."""

    def __init__(self, path: Path | None = None, keep: bool = True) -> None:
        """`keep=False` streams: events go to the file, the hash and the listeners, and are
        not kept in `events` (memory stays flat however long the run)."""
        self._hasher = hashlib.sha256()
        self._file: IO[bytes] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("wb")
        self.keep = keep
        self.events: list[Event] = []
        self.count = 0
        self._listeners: list[tuple[Listener, frozenset[str] | None]] = []
        self._record_listeners: list[RecordListener] = []

    def subscribe(
        self, listener: Listener, first: bool = False, kinds: Iterable[str] | None = None
    ) -> None:
        """Call `listener` with every event from now on (of the given `kinds` only, if any:
        an event that no listener takes and the history does not keep is never built). A
        listener that records events (the monitor records violations) makes later listeners
        see those before the event that caused them; a `first` listener sees every event in
        `seq` order."""
        subscription = (listener, None if kinds is None else frozenset(kinds))
        if first:
            self._listeners.insert(0, subscription)
        else:
            self._listeners.append(subscription)

    def subscribe_records(self, listener: RecordListener) -> None:
        """Call `listener` with every record from now on, in `seq` order and before any
        event listener: what a fold over a saved history.jsonl would read."""
        self._record_listeners.append(listener)

    def record(self, time: float, actor: str, kind: str, **fields: Any) -> None:
        self.record_fields(time, actor, kind, fields)

    def record_fields(self, time: float, actor: str, kind: str, fields: dict[str, Any]) -> None:
        """`record` with the fields already in a dict (which the event then owns)."""
        seq = self.count
        time = round(time, TIME_DECIMALS)
        record = _record(seq, time, actor, kind, fields)
        line = canonical_line(record)
        self._hasher.update(line)
        if self._file is not None:
            self._file.write(line)
        self.count = seq + 1
        event = None
        if self.keep:
            event = Event(seq, time, actor, kind, fields)
            self.events.append(event)
        for record_listener in self._record_listeners:
            record_listener(record)
        for listener, kinds in self._listeners:
            if kinds is None or kind in kinds:
                if event is None:
                    event = Event(seq, time, actor, kind, fields)
                listener(event)

    @property
    def sha256(self) -> str:
        return self._hasher.hexdigest()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_history(path: Path) -> list[dict[str, Any]]:
    """Parse a history.jsonl file back into plain records."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
