"""Run a campaign's missing runs on a local process pool or a Dask cluster, storing each row
as it completes.

The pool's workers are forked from the campaign's fork server (`campaign/forkserver.py`): a
fresh interpreter that imports what a run needs once. A worker exits on its own if the
parent dies. Dask runs the same `execute_run` on the cluster's workers. Either way only this
process writes the store, one complete row at a time, so a kill at any moment loses nothing
that `--resume` cannot redo and duplicates nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgelab.campaign.forkserver import worker_context
from bridgelab.campaign.spec import Campaign, RunSpec
from bridgelab.campaign.store import Store
from bridgelab.campaign.worker import (
    execute_batch,
    execute_shipped,
    init_pool_worker,
    land_shipped,
)

WINDOW_PER_JOB = 4
MAX_CHUNK = 8
# A task takes this share of the runs not yet handed out, per job (guided self-scheduling).
GUIDED_SHARE = 4
POLL_S = 0.25


class CampaignExistsError(Exception):
    """The store already holds runs of this campaign and neither resume nor fresh was asked."""

    def __init__(self, stored: int, total: int) -> None:
        self.stored = stored
        self.total = total
        super().__init__(f"the store already holds {stored} of {total} runs of this campaign")


class ExecutorError(Exception):
    """The executor itself failed (a worker process died, the cluster went away)."""


@dataclass(slots=True)
class Tally:
    """What the live progress shows, and what the campaign reports at the end."""

    total: int = 0
    already: int = 0
    to_run: int = 0
    done: int = 0
    errors: int = 0
    failing: int = 0
    violations: int = 0
    broken: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    stopped: bool = False
    interrupted: bool = False
    elapsed_s: float = 0.0
    # Seconds from the start until the first run came back (spawning and warming workers).
    first_s: float | None = None
    executor: str = ""
    jobs: int = 0

    @property
    def runs_per_s(self) -> float:
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def steady_runs_per_s(self) -> float | None:
        """Throughput once the first run is back: without the workers' start-up."""
        if self.first_s is None or self.done < 2 or self.elapsed_s <= self.first_s:
            return None
        return (self.done - 1) / (self.elapsed_s - self.first_s)

    @property
    def complete(self) -> bool:
        return self.already + self.done == self.total

    def count(self, row: dict[str, Any]) -> None:
        self.done += 1
        if row["status"] != "ok":
            self.errors += 1
            return
        failed = _json_list(row["failed"])
        if failed:
            self.failing += 1
        if row["safety_violation"]:
            self.violations += 1
        for prop in failed:
            self.broken[prop] = self.broken.get(prop, 0) + 1


def _json_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value or [])


# Told of each row as it is stored: the row, the tally, and whether this call's insert stored
# it (False: the store held the key already, and keeps its own row).
RowCallback = Callable[[dict[str, Any], Tally, bool], None]


def pending_specs(
    campaign: Campaign, store: Store, history_root: Path | None, resume: bool, fresh: bool
) -> tuple[Iterator[RunSpec], Tally]:
    """The runs still to do, in order, built one at a time as the executor takes them (a
    campaign of millions of runs holds only those in flight); registers the campaign in the
    store."""
    specs = campaign.specs(history_root)
    total = campaign.total_runs()
    store.register(campaign.hash, campaign.name, str(campaign.path), total,
                   campaign.registration)
    done = store.done_keys(campaign.hash)
    if done and fresh:
        store.delete(campaign.hash)
        done = set()
    elif done and not resume:
        raise CampaignExistsError(len(done), total)
    already = campaign.run_keys_among(done)
    todo = (spec for spec in specs if spec.run_key not in done)
    return todo, Tally(total=total, already=already, to_run=total - already)


def run_campaign(
    campaign: Campaign,
    store: Store,
    *,
    jobs: int = 1,
    scheduler: str | Any | None = None,
    resume: bool = False,
    fresh: bool = False,
    stop_on_fail: bool = False,
    history_root: Path | None = None,
    on_start: Callable[[Tally], None] | None = None,
    on_row: RowCallback | None = None,
    max_runs: int | None = None,
) -> Tally:
    """Execute every run the store does not hold yet; return the tally.

    `scheduler` is a Dask scheduler address (or a `distributed.Client`); otherwise a local
    pool of `jobs` processes. `max_runs` caps how many runs this call executes.
    """
    todo, tally = pending_specs(campaign, store, history_root, resume, fresh)
    if max_runs is not None:
        todo = itertools.islice(todo, max_runs)
        tally.to_run = min(tally.to_run, max_runs)
    tally.jobs = jobs
    tally.executor = "dask" if scheduler is not None else "process-pool"
    if on_start is not None:
        on_start(tally)

    def handle(row: dict[str, Any]) -> bool:
        """Store a row; True when the campaign should stop."""
        if tally.first_s is None:
            tally.first_s = time.perf_counter() - started  # wall-clock ok: throughput
        stored = store.add(row)
        if not stored:
            tally.duplicates += 1
        tally.count(row)
        if on_row is not None:
            on_row(row, tally, stored)
        return stop_on_fail and (row["status"] != "ok" or row["exit_code"] == 1)

    started = time.perf_counter()  # wall-clock ok: campaign throughput, not model input
    try:
        if tally.to_run and scheduler is not None:
            _run_dask(todo, scheduler, max(1, jobs), handle, tally)
        elif tally.to_run:
            _run_pool(todo, tally.to_run, max(1, jobs), handle, tally)
    except KeyboardInterrupt:  # SIGINT or SIGTERM: the rows stored so far stay; the caller
        tally.interrupted = True  # reports the interruption
        raise
    finally:
        tally.elapsed_s = time.perf_counter() - started  # wall-clock ok: throughput
    return tally


def chunk_size(unsubmitted: int, jobs: int) -> int:
    """Runs in the next pool task, given how many are not handed out yet: a share of them,
    at most MAX_CHUNK (guided self-scheduling). Early tasks carry several runs (less IPC per
    run); the last ones carry one each, so that no worker sits idle at the end while another
    works through a batch of long runs."""
    return max(1, min(MAX_CHUNK, -(-unsubmitted // (jobs * GUIDED_SHARE))))


def chunks(todo: Iterable[RunSpec], count: int, jobs: int) -> Iterator[list[RunSpec]]:
    """`todo` (about `count` runs) in order, cut into pool tasks of `chunk_size`. Every run is
    handed out, whatever `count` says: past it, one run a task."""
    runs = iter(todo)
    left = count
    while True:
        chunk = list(itertools.islice(runs, chunk_size(max(left, 1), jobs)))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def _run_pool(todo: Iterable[RunSpec], count: int, jobs: int, handle: Callable[[dict], bool],
              tally: Tally) -> None:
    with worker_context() as context:
        _run_pool_in(context, todo, count, jobs, handle, tally)


def _run_pool_in(context: multiprocessing.context.BaseContext, todo: Iterable[RunSpec],
                 count: int, jobs: int, handle: Callable[[dict], bool], tally: Tally) -> None:
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=init_pool_worker,
        initargs=(os.getpid(),),
    )
    tasks = chunks(todo, count, jobs)
    pending: dict[Future, int] = {}
    window = jobs * WINDOW_PER_JOB

    def refill() -> None:
        while len(pending) < window:
            chunk = next(tasks, None)
            if chunk is None:
                return
            pending[pool.submit(execute_batch, chunk)] = chunk[0].ordinal

    def collect(future: Future) -> bool:
        try:
            rows = future.result()
        except Exception as exc:  # a worker died: BrokenProcessPool and the like
            raise ExecutorError(f"{type(exc).__name__}: {exc}") from exc
        stop = False
        for row in rows:
            stop = handle(row) or stop
        return stop

    def store_finished() -> None:
        """After an interruption: store the rows of batches already back, wait for none."""
        for future in sorted(pending, key=lambda f: pending[f]):
            if future.done() and not future.cancelled() and future.exception() is None:
                for row in future.result():
                    handle(row)

    try:
        refill()
        stop = False
        while pending and not stop:
            finished, _ = wait(list(pending), timeout=POLL_S, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: pending[f]):
                pending.pop(future)
                stop = collect(future) or stop
            if not stop:
                refill()
        if stop:
            tally.stopped = True
            for future in pending:
                future.cancel()
            # Runs already executing finish and are stored: they are complete results.
            for future in list(pending):
                if not future.cancelled():
                    with contextlib.suppress(Exception):  # shutting down after a stop
                        collect(future)
    except KeyboardInterrupt:
        with contextlib.suppress(Exception):
            store_finished()
        _stop_workers(pool)
        raise
    except BaseException:
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop the pool now: its workers are killed (they ignore SIGINT and SIGTERM, and hold
    nothing the store needs: only this process writes it), so that the command does not wait
    for the runs in progress. Their run directories are left without a complete results.json
    and are redone by `--resume`."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5.0)


def _run_dask(todo: Iterable[RunSpec], scheduler: str | Any, jobs: int,
              handle: Callable[[dict], bool], tally: Tally) -> None:
    from bridgelab.extras import require

    distributed = require("distributed", "dask", "the Dask runner (--scheduler)")
    Client, as_completed = distributed.Client, distributed.as_completed

    own_client = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout="30s") if own_client else scheduler
    # Nothing has run yet, so whatever Dask raises while connecting (an OSError when no
    # scheduler answers, a ValueError for an address it cannot parse, its own assertions
    # when an earlier client in this process left its event loop behind) is the executor's.
    except Exception as exc:
        detail = str(exc) or type(exc).__name__
        raise ExecutorError(f"cannot reach the Dask scheduler {scheduler!r}: {detail}"
                            ) from exc
    try:
        workers = max(1, sum(client.nthreads().values()))
        tally.jobs = workers
        window = max(jobs, workers) * WINDOW_PER_JOB
        queue: Iterator[RunSpec] = iter(todo)
        tag = uuid.uuid4().hex[:8]  # task keys must be unique across submissions

        specs_by_key: dict[str, RunSpec] = {}

        def submit(spec: RunSpec):
            key = f"bridgelab-run-{spec.campaign_hash[:12]}-{spec.ordinal}-{tag}"
            specs_by_key[key] = spec
            # Histories travel back with the row: a worker on another host would otherwise
            # write them to its own disk under the parent's path.
            return client.submit(execute_shipped, spec, key=key, pure=False)

        initial = [submit(spec) for spec in _take(queue, window)]
        completed = as_completed(initial)
        stop = False
        for future in completed:
            try:
                row, files = future.result()
            except Exception as exc:
                raise ExecutorError(f"{type(exc).__name__}: {exc}") from exc
            spec_done = specs_by_key.pop(future.key)
            if spec_done.history_dir is not None:
                row = land_shipped(spec_done.history_dir, row, files)
            if stop:
                handle(row)
                continue
            stop = handle(row)
            if stop:
                tally.stopped = True
                continue
            spec = next(queue, None)
            if spec is not None:
                completed.add(submit(spec))
    finally:
        if own_client:
            client.close()


def _take(queue: Iterator[RunSpec], count: int) -> list[RunSpec]:
    taken = []
    for _ in range(count):
        spec = next(queue, None)
        if spec is None:
            break
        taken.append(spec)
    return taken
