"""Dask across hosts: workers in their own working directories (as on other machines) send
every run's files back; the parent writes them where the campaign keeps histories."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bridgelab.campaign.execute import run_campaign
from bridgelab.campaign.spec import load_campaign
from bridgelab.campaign.store import Store
from tests.campaign.test_campaign import write_campaign

distributed = pytest.importorskip("distributed")

def _start(command: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _wait_for(path: Path, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.2)


def test_histories_come_back_from_workers_in_other_directories(tmp_path, monkeypatch):
    parent, host_a, host_b = (tmp_path / name for name in ("parent", "host-a", "host-b"))
    for folder in (parent, host_a, host_b):
        folder.mkdir()
    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    worker = [sys.executable, "-m", "distributed.cli.dask_worker"]
    processes = [_start([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", str(scheduler_file)], tmp_path)]
    try:
        _wait_for(scheduler_file)
        for host in (host_a, host_b):
            processes.append(_start([*worker, "--scheduler-file", str(scheduler_file),
                                     "--nthreads", "1", "--no-dashboard",
                                     "--host", "127.0.0.1"], host))
        address = json.loads(scheduler_file.read_text())["address"]
        client = distributed.Client(address, timeout="60s")
        client.wait_for_workers(2, timeout=60)
        monkeypatch.chdir(parent)
        path = write_campaign(parent, "", name="shipped", seeds="3")
        campaign = load_campaign(path)
        with Store(parent / "c.sqlite") as store:
            # A relative history root: on another host it would name that host's disk.
            tally = run_campaign(campaign, store, scheduler=client, history_root=Path("runs"))
            rows = store.rows(campaign.hash)
        client.close()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    assert tally.done == 3 and {row["status"] for row in rows} == {"ok"}
    for row in rows:
        history = parent / row["history_path"]
        assert hashlib.sha256(history.read_bytes()).hexdigest() == row["history_sha256"]
        assert (history.parent / "results.json").is_file()
        assert (history.parent / "scenario.toml").is_file()
    for host in (host_a, host_b):
        assert not (host / "runs").exists(), f"a worker wrote into {host}"


def test_an_unreachable_scheduler_is_an_error_line_not_a_crash(tmp_path, monkeypatch, capsys):
    from bridgelab.cli import main

    class Refused(distributed.Client):
        def __init__(self, *args, **kwargs):
            raise OSError("Timed out trying to connect to tcp://nowhere:1 after 30 s")

    monkeypatch.setattr(distributed, "Client", Refused)
    path = write_campaign(tmp_path, "")
    store = tmp_path / "runs.sqlite"
    code = main(["campaign", str(path), "--scheduler", "nowhere:1", "--store", str(store)])
    assert code == 2  # nothing ran: incomplete, not a verdict and not a defect of the model
    err = capsys.readouterr().err
    assert "error: executor failed: cannot reach the Dask scheduler 'nowhere:1'" in err, err
    assert "internal error" not in err
