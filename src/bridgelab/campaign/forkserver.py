"""The campaign's fork server: one fresh interpreter that imports what a run needs once, from
which every pool worker is forked.

Each worker starts with those imports done instead of paying them itself, and copies nothing
from the campaign's process. `start_early` starts the server as soon as the command knows it
will run a pool, so that its imports (about a third of a second) overlap this process's own
reading of the campaign; the pool then connects to it. The server is stopped when the pool
has ended normally, so the next campaign's workers start from the code and environment of its
start, as spawned ones would. Where there is no fork server (Windows) workers are spawned.
This module imports nothing of bridgelab's, so that the server starts before the rest loads.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
from collections.abc import Iterator

# What a pool worker needs for a run, imported once in the fork server: the parent's main
# module (multiprocessing runs it in every child that lacks it), the task module, the runner
# and the scenario parser. tests/campaign/test_worker_imports.py checks that a run imports
# nothing beyond these.
WORKER_MODULES = (
    "__main__", "bridgelab.campaign.worker", "bridgelab.runner", "bridgelab.scenario",
)


def _fork_server_context() -> multiprocessing.context.BaseContext | None:
    """The fork server's start method, set to preload `WORKER_MODULES`; None without one."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_MODULES))
    return context


def start_early() -> None:
    """Start the fork server now, without waiting for its imports; the next pool uses it.
    Nothing where there is none."""
    if _fork_server_context() is None:
        return
    from multiprocessing import forkserver

    forkserver.ensure_running()


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
    yield context
    _stop_fork_server()


def _stop_fork_server() -> None:
    """Stop the process's fork server (the next pool starts another). Python has no public
    call for it; without the private one the server stays until this process exits."""
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()
