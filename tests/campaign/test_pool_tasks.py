"""How a campaign's runs are cut into pool tasks: every run once, in order, and one run a
task at the end, so that a worker is never left idle while another finishes a batch."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bridgelab.campaign.execute import GUIDED_SHARE, MAX_CHUNK, chunks


@given(runs=st.integers(0, 3_000), jobs=st.integers(1, 16))
def test_tasks_hold_every_run_once_in_order(runs: int, jobs: int) -> None:
    todo = list(range(runs))
    tasks = list(chunks(todo, runs, jobs))  # type: ignore[arg-type]
    assert [run for task in tasks for run in task] == todo
    assert all(1 <= len(task) <= MAX_CHUNK for task in tasks)


@given(runs=st.integers(1, 3_000), jobs=st.integers(1, 16))
def test_tasks_shrink_to_single_runs_at_the_end(runs: int, jobs: int) -> None:
    sizes = [len(task) for task in chunks(range(runs), runs, jobs)]  # type: ignore[arg-type]
    assert sizes == sorted(sizes, reverse=True)
    # Once no more than jobs * GUIDED_SHARE runs are left to hand out, each task takes one;
    # the task before may take the first of them along.
    tail = min(runs, jobs * GUIDED_SHARE - 1)
    assert sizes[-tail:] == [1] * tail


def test_a_long_campaign_travels_in_full_tasks_first() -> None:
    # Short runs are worth batching: a 1,000-run campaign on two jobs starts with full tasks.
    sizes = [len(task) for task in chunks(range(1_000), 1_000, 2)]  # type: ignore[arg-type]
    assert sizes[0] == MAX_CHUNK
    assert len(sizes) < 1_000 // 4


@given(runs=st.integers(0, 500), count=st.integers(0, 500), jobs=st.integers(1, 8))
def test_a_wrong_count_loses_no_run(runs: int, count: int, jobs: int) -> None:
    # The count only shapes the tasks: runs beyond it still go out, one a task.
    tasks = list(chunks(iter(range(runs)), count, jobs))  # type: ignore[arg-type]
    assert [run for task in tasks for run in task] == list(range(runs))
    assert all(len(task) == 1 for task in tasks[count:])
