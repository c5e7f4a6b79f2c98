"""Campaigns at scale: 1,000 runs, SIGKILL half-way then --resume, Dask vs the process pool,
and the binomial validation (the shipped 1,000-run campaign)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bridgelab.campaign.execute import run_campaign
from bridgelab.campaign.spec import load_campaign
from bridgelab.campaign.stats import report
from bridgelab.campaign.store import Store, result_columns
from bridgelab.campaign.theory import all_inside

ROOT = Path(__file__).resolve().parents[2]
BINOMIAL = ROOT / "campaigns" / "theory-binomial.toml"
SWARM = ROOT / "campaigns" / "swarm.toml"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The 1,000-run binomial campaign, start to end, on two pool workers."""
    tmp = tmp_path_factory.mktemp("binomial")
    campaign = load_campaign(BINOMIAL)
    with Store(tmp / "store.sqlite") as store:
        tally = run_campaign(campaign, store, jobs=2)
        rows = store.rows(campaign.hash)
    return campaign, tally, rows


def test_a_thousand_run_campaign_completes(uninterrupted):
    campaign, tally, rows = uninterrupted
    assert campaign.total_runs() == 1_000
    assert tally.done == len(rows) == 1_000 and tally.complete
    assert tally.errors == 0 and tally.duplicates == 0
    assert len({row["run_key"] for row in rows}) == 1_000
    assert all(row["status"] == "ok" for row in rows)
    print(f"\n1,000 runs in {tally.elapsed_s:.1f} s = {tally.runs_per_s:.1f} runs/s (2 jobs)")


def test_binomial_validation(uninterrupted):
    """P(k-of-n broken) under independent compromise agrees with P(X >= k), X ~ Bin(n, p)."""
    campaign, _, rows = uninterrupted
    theory = report(campaign, rows)["theory"]
    assert [(t["n"], t["k"], t["p"]) for t in theory] == [
        (3, 2, 0.3), (5, 3, 0.4), (7, 5, 0.6), (9, 6, 0.5)
    ]
    for entry in theory:
        assert entry["runs"] == 250
        # Run by run: broken exactly when the adversary drew k seats.
        assert entry["runs_consistent"] == 250
        assert entry["low"] <= entry["expected"] <= entry["high"], entry
        print(f"n={entry['n']} k={entry['k']} p={entry['p']}: P(X>=k)={entry['expected']:.4f}"
              f" estimate {entry['estimate']:.4f} [{entry['low']:.4f}, {entry['high']:.4f}]")
    assert all_inside(theory)


def _count(store: Path) -> int:
    try:
        with sqlite3.connect(store, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "bridgelab", "campaign", *args]


def test_sigkill_half_way_then_resume_stores_each_run_once(uninterrupted, tmp_path):
    campaign, _, reference = uninterrupted
    store = tmp_path / "killed.sqlite"
    command = _cli(str(BINOMIAL), "--jobs", "2", "--store", str(store), "--quiet")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(store) < 500:
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    workers = psutil.Process(process.pid).children(recursive=True)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stderr.close()
    stored = _count(store)
    assert 500 <= stored < 1_000, stored
    # The orphaned workers (and their fork server) notice the campaign is gone and exit.
    _gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive

    # Not -q this time: the "resuming" note is what the test reads.
    resumed = subprocess.run([*(word for word in command if word != "--quiet"), "--resume"],
                             capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 1, resumed.stderr  # 1: runs in this campaign break the bridge
    assert f"resuming: {stored:,} runs already stored" in resumed.stderr
    with Store(store) as results:
        rows = results.rows(campaign.hash)
        (duplicates,) = results.db.execute(
            "SELECT COUNT(*) - COUNT(DISTINCT run_key) FROM runs"
        ).fetchone()
    assert len(rows) == 1_000 and duplicates == 0
    assert [row["run_key"] for row in rows] == [row["run_key"] for row in reference]
    assert result_columns(rows) == result_columns(reference)
    assert report(campaign, rows) == report(campaign, reference)


def test_dask_local_cluster_gives_the_same_rows_as_the_pool(uninterrupted, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    from bridgelab.cli import main

    swarm = load_campaign(SWARM)
    campaign, _, reference = uninterrupted
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        code = main(["campaign", str(SWARM), "--scheduler", address, "--store",
                     str(tmp_path / "dask.sqlite")])
        assert code in (0, 1)
        assert "Dask" in capsys.readouterr().err
        with Store(tmp_path / "dask.sqlite") as store:
            tally = run_campaign(campaign, store, scheduler=address, max_runs=200)
            assert tally.done == 200 and tally.executor == "dask"
            dask_binomial = store.rows(campaign.hash)
    with Store(tmp_path / "dask.sqlite") as store:
        dask_swarm = store.rows(swarm.hash)
    with Store(tmp_path / "pool.sqlite") as store:
        run_campaign(swarm, store, jobs=2)
        pool_swarm = store.rows(swarm.hash)
    assert len(dask_swarm) == swarm.total_runs() == 40
    assert result_columns(dask_swarm) == result_columns(pool_swarm)
    assert any(row["profile"]["faults"] for row in dask_swarm)
    assert result_columns(dask_binomial) == result_columns(reference[:200])
    workers = {row["worker"] for row in dask_swarm}
    assert all(not worker.endswith(f":{os.getpid()}") for worker in workers)


@pytest.mark.slow
def test_repeated_sigkills_at_random_moments_lose_and_repeat_nothing(uninterrupted, tmp_path):
    """Kill the campaign five times at arbitrary moments (including while it starts up and
    while it writes), resuming each time; the store ends up exactly as an uninterrupted one."""
    import random

    campaign, _, reference = uninterrupted
    store = tmp_path / "killed.sqlite"
    rng = random.Random(20240601)
    command = _cli(str(BINOMIAL), "--jobs", "2", "--store", str(store), "--quiet", "--resume")
    for _ in range(5):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        workers = psutil.Process(process.pid).children(recursive=True)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        psutil.wait_procs(workers, timeout=10)
    final = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert final.returncode == 1, final.stderr
    with Store(store) as results:
        rows = results.rows(campaign.hash)
    assert len(rows) == 1_000 == len({row["run_key"] for row in rows})
    assert result_columns(rows) == result_columns(reference)
    assert report(campaign, rows) == report(campaign, reference)
