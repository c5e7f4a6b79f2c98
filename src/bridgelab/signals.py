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
not interrupted half-way.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

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


class _Handler:
    def __init__(self) -> None:
        self.raised: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.raised is not None:
            return  # already stopping: let the clean-up finish
        self.raised = signum
        raise Interrupted(signum)


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
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def ignore_in_worker() -> None:
    """A campaign worker leaves both signals to its parent, which stops the pool and keeps
    the completed rows (a worker whose parent is gone exits on its own)."""
    for signum in HANDLED:
        signal.signal(signum, signal.SIG_IGN)
