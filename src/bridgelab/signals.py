"""SIGINT and SIGTERM: stop any command cleanly, with one line and the shell's code.

While a command runs, both signals raise `Interrupted` in the main thread (SIGTERM's default
would kill the process without a word; SIGINT's raises a bare KeyboardInterrupt). The
exception unwinds through the code that was running, so each command marks what it leaves
behind as it would for any other exception: a run directory gets `complete: false`, a
campaign keeps only its completed rows, the gate writes its reports with the unfinished runs
as not run, and reports are written whole or not at all. `bridgelab.cli.main` then prints one
line on stderr and exits 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM. These
are outside the verdict codes 0-4 on purpose: an interrupted command has no verdict, and a
CI system that stops a job by SIGTERM reads 143 as "terminated", as it would from any tool.

`Interrupted` is a KeyboardInterrupt, so code that already stops cleanly on Ctrl-C (the
campaign's executor) stops the same way on SIGTERM. Only the first signal raises: a second
one, while the first is being handled, is noted and ignored, so that the clean-up itself is
not interrupted half-way. A signal that arrives inside a garbage-collector callback, a
`__del__` or a `weakref.finalize` callback, where Python drops whatever is raised, is sent
again a moment later instead; so is one raised anywhere else Python drops it (a plain weakref
callback: `sys.unraisablehook` sees the interruption go).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The command was stopped by a signal (SIGINT or SIGTERM)."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        # The signal's number is the one argument, so that code which re-creates an exception
        # from its type and arguments (the simulation clock does) gets the same one back.
        self.signum = int(signum)
        super().__init__(self.signum)

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process a signal stopped."""
        return 128 + self.signum


def as_interrupted(error: KeyboardInterrupt) -> Interrupted:
    """A KeyboardInterrupt raised without our handler (SIGINT's default) as `Interrupted`."""
    return error if isinstance(error, Interrupted) else Interrupted(signal.SIGINT)


def interruption_in(error: BaseException, depth: int = 16) -> Interrupted | None:
    """The interruption `error` was raised while handling, if any: a library that fails in
    its own clean-up when a signal arrives (Hypothesis can) raises something else, and the
    command was still stopped by the signal, not broken."""
    seen: BaseException | None = error
    for _ in range(depth):
        if seen is None:
            return None
        if isinstance(seen, KeyboardInterrupt):
            return as_interrupted(seen)
        seen = seen.__cause__ or seen.__context__
    return None


# How long after a signal that could not be raised it is sent again (`_Handler`).
REDELIVER_S = 0.05


def _redeliver(signum: int) -> None:
    threading.Timer(REDELIVER_S, os.kill, (os.getpid(), signum)).start()


# `weakref.finalize` runs its callback from here; Python drops what the callback raises.
_FINALIZE_CALL = weakref.finalize.__call__.__code__


def _where_raising_is_lost(frame: FrameType | None) -> bool:
    """Whether `frame` runs inside a garbage-collector callback, a `__del__` or a
    `weakref.finalize` callback: an exception raised there is printed ("Exception ignored
    in") and dropped, not propagated."""
    callbacks = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    depth = 0
    while frame is not None and depth < MAX_FRAMES:
        code = frame.f_code
        if code in callbacks or code is _FINALIZE_CALL or code.co_name == "__del__":
            return True
        frame, depth = frame.f_back, depth + 1
    return False


MAX_FRAMES = 1_000  # how deep `_where_raising_is_lost` looks


class _Handler:
    def __init__(self, redeliver: Callable[[int], None] = _redeliver) -> None:
        self.raised: int | None = None
        self.redeliver = redeliver

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.raised is not None:
            return  # already stopping: let the clean-up finish
        if _where_raising_is_lost(frame):
            # Raising here would be swallowed, and the command would run on with the signal
            # marked as handled: send it again once this callback has returned.
            self.redeliver(signum)
            return
        self.raised = signum
        raise Interrupted(signum)

    def lost(self, unraisable: Any) -> bool:
        """Python dropped an exception where it could not be raised (a weakref callback the
        frame check does not know): if it was this handler's interruption, forget that it
        was handled and send the signal again. True when it was.

        The hook alone would not do: a callback that catches what it raises itself (as a
        library's gc callback may) never passes it to the hook, so where the frame shows
        the exception would be lost, the handler does not raise at all."""
        error = getattr(unraisable, "exc_value", None)
        if not isinstance(error, Interrupted) or self.raised != error.signum:
            return False
        self.raised = None
        self.redeliver(error.signum)
        return True


@contextlib.contextmanager
def raising() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise `Interrupted`; the previous handlers are
    restored after it. Outside the main thread (where Python cannot install handlers) the
    block runs with the handlers as they are."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = _Handler()
    previous = {signum: signal.signal(signum, handler) for signum in HANDLED}
    previous_hook = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if not handler.lost(unraisable):
            previous_hook(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        for signum, old in previous.items():
            signal.signal(signum, old)


def ignore_in_worker() -> None:
    """A campaign worker leaves both signals to its parent, which stops the pool and keeps
    the completed rows (a worker whose parent is gone exits on its own)."""
    for signum in HANDLED:
        signal.signal(signum, signal.SIG_IGN)
