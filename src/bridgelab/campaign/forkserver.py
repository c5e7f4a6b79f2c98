"""The campaign's fork server: one fresh interpreter that imports what a run needs once, from
which every pool worker is forked.

Each worker starts with those imports done instead of paying them itself, and copies nothing
from the campaign's process. `start_early` starts the server when the command expects to run
a pool, before it reads the campaign, so that the server's imports (about a third of a
second) overlap that reading; the pool then connects to it, and `stop_if_unused` stops it if
no pool came (a refused campaign, nothing left to run). The server is stopped when the pool
has ended normally, so the next campaign's workers start from the code and environment of its
start, as spawned ones would. Where there is no fork server (Windows) workers are spawned.
This module imports nothing of bridgelab's, so that importing it delays the start by nothing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import os
import signal
from collections.abc import Iterator

# What a pool worker needs for a run, imported once in the fork server: the parent's main
# module (multiprocessing runs it in every child that lacks it), the task module, the runner
# and the scenario parser. tests/campaign/test_worker_imports.py checks that a run imports
# nothing beyond these.
WORKER_MODULES = (
    "__main__", "bridgelab.campaign.worker", "bridgelab.runner", "bridgelab.scenario",
)
# True while a server `start_early` started has not been handed to a pool.
_unused_early = [False]


def _fork_server_context() -> multiprocessing.context.BaseContext | None:
    """The fork server's start method, set to preload `WORKER_MODULES`; None without one."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_MODULES))
    return context


def _ensure_running() -> None:
    """Start the server unless it runs, without waiting for its imports, with SIGINT blocked:
    a Ctrl-C reaches the whole process group, and during its imports the server would still
    raise KeyboardInterrupt and print a traceback. The server keeps the blocked mask (it
    ignores SIGINT after its imports anyway), and so do its workers, which ignore SIGINT and
    SIGTERM from their first line (`campaign/worker.py`, `init_pool_worker`)."""
    from multiprocessing import forkserver, resource_tracker

    # The fork server starts the resource tracker first unless it runs, and that start
    # unblocks SIGINT on its way out: start it before blocking.
    resource_tracker.ensure_running()
    blocking = hasattr(signal, "pthread_sigmask")
    if blocking:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        if blocking:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def start_early() -> None:
    """Start the fork server now; the next pool uses it. Nothing where there is none, and
    nothing if it cannot start (a socket path too long, no file descriptors left): the pool
    tries again and reports why."""
    if _fork_server_context() is None:
        return
    try:
        _ensure_running()
    except OSError:
        return
    _unused_early[0] = True


def stop_if_unused() -> None:
    """Stop, at once, a server `start_early` started that no pool has used: left running, it
    would serve the next pool in this process with this command's code and environment."""
    if not _unused_early[0]:
        return
    _unused_early[0] = False
    pid = server_pid()
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # rather than wait for the rest of its imports
    _stop_fork_server()


@contextlib.contextmanager
def worker_context() -> Iterator[multiprocessing.context.BaseContext]:
    """The start method of the pool's workers: the fork server (started here unless
    `start_early` did), stopped when the pool has ended normally. Stopping waits for every
    worker it forked, so after an interruption or a failure (workers may still be exiting) it
    is left to exit with this process instead; a later pool in this process reuses it."""
    context = _fork_server_context()
    if context is None:
        yield multiprocessing.get_context("spawn")
        return
    _unused_early[0] = False
    with contextlib.suppress(OSError):  # the pool's own start raises it again, as before
        _ensure_running()
    yield context
    _stop_fork_server()


def server_pid() -> int | None:
    """The process's running fork server, if any: kept only in multiprocessing's private
    singleton (read defensively, as `_stop_fork_server` reads its stop)."""
    from multiprocessing import forkserver

    pid: int | None = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
    return pid


def _stop_fork_server() -> None:
    """Stop the process's fork server (the next pool starts another). Python has no public
    call for it; without the private one the server stays until this process exits."""
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()
