"""What a campaign worker imports, and that it does not pay for it itself.

Pool workers are forked from a fork server that imported `WORKER_MODULES` once; a worker is
fast to start only if those modules import cleanly (the fork server skips one that fails,
silently, and every worker would then import it itself) and cover every module a run needs.
Checked in fresh interpreters by the modules loaded and the process that loaded them, never
timed: the time itself is measured by hand and recorded in docs/performance.md.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from bridgelab.campaign.forkserver import (
    WORKER_MODULES,
    _stop_fork_server,
    server_pid,
    start_early,
    worker_context,
)
from bridgelab.campaign.worker import init_pool_worker

ROOT = Path(__file__).resolve().parents[2]
PRELOAD = [name for name in WORKER_MODULES if name != "__main__"]

# The fork server's imports, then one run of each arm of a small campaign (specs pickled by
# the test, as the pool sends them): the modules the runs add to those the server loaded.
A_RUN_AFTER_THE_PRELOAD = (
    "import json, pickle, sys\n"
    "for name in json.loads(sys.argv[2]):\n"
    "    __import__(name)\n"
    "before = set(sys.modules)\n"
    "with open(sys.argv[1], 'rb') as file:\n"
    "    specs = pickle.load(file)\n"
    "from bridgelab.campaign.worker import execute_run\n"
    "rows = [execute_run(spec) for spec in specs]\n"
    "assert all(row['status'] == 'ok' for row in rows), rows\n"
    "print(json.dumps(sorted(set(sys.modules) - before)))\n"
)

PRELOAD_ALONE = (
    "import json, sys\n"
    "for name in json.loads(sys.argv[1]):\n"
    "    __import__(name)\n"
    "print(json.dumps(sorted(sys.modules)))\n"
)


def _fresh(code: str, *args: str) -> list[str]:
    completed = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                               text=True, check=True, timeout=120, cwd=ROOT)
    return json.loads(completed.stdout.splitlines()[-1])


def test_the_preload_imports_cleanly_without_the_campaign_schema_or_networkx():
    loaded = set(_fresh(PRELOAD_ALONE, json.dumps(PRELOAD)))
    assert {"bridgelab.runner", "bridgelab.campaign.worker", "bridgelab.campaign.runspec"} \
        <= loaded
    assert not any(name == "networkx" or name.startswith("networkx.") for name in loaded)
    assert "bridgelab.campaign.spec" not in loaded
    assert "bridgelab.campaign.schema" not in loaded


def test_runs_import_nothing_beyond_the_preload(tmp_path):
    """Whatever a run imported lazily, every forked worker would import again itself."""
    from bridgelab.campaign.spec import load_campaign

    specs = list(load_campaign(ROOT / "campaigns" / "throughput.toml").specs())
    pickled = tmp_path / "specs.pickle"
    pickled.write_bytes(pickle.dumps([specs[0], specs[-1]]))
    assert specs[0].arm != specs[-1].arm
    assert _fresh(A_RUN_AFTER_THE_PRELOAD, str(pickled), json.dumps(PRELOAD)) == []


def _worker_facts() -> dict[str, object]:
    from bridgelab.campaign import worker

    return {"pid": os.getpid(), "imported_by": worker.IMPORTED_BY_PID,
            "runner": "bridgelab.runner" in sys.modules,
            "scenario": "bridgelab.scenario" in sys.modules}


def test_a_pool_worker_starts_with_the_imports_done_by_another_process():
    with worker_context() as context:
        if context.get_start_method() != "forkserver":
            pytest.skip("no fork server on this platform: workers are spawned")
        with ProcessPoolExecutor(1, mp_context=context, initializer=init_pool_worker,
                                 initargs=(os.getpid(),)) as pool:
            facts = pool.submit(_worker_facts).result(timeout=120)
    assert facts["pid"] != os.getpid()
    # Imported in the fork server, before the fork: the worker itself imported nothing.
    assert facts["imported_by"] != facts["pid"]
    assert facts["runner"] and facts["scenario"]


def test_a_fork_server_started_early_is_the_one_the_pool_forks_from():
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork server on this platform: workers are spawned")
    _stop_fork_server()  # one left by an earlier test would pass for the early one
    assert server_pid() is None
    start_early()
    early = server_pid()
    assert early is not None
    with worker_context() as context, ProcessPoolExecutor(
            1, mp_context=context, initializer=init_pool_worker,
            initargs=(os.getpid(),)) as pool:
        facts = pool.submit(_worker_facts).result(timeout=120)
    assert facts["imported_by"] == early != facts["pid"]


def test_a_campaign_refused_before_its_pool_leaves_no_fork_server(tmp_path):
    """Left running, it would serve the next pool in this process from this call's state."""
    import multiprocessing

    from rich.console import Console

    from bridgelab.campaign import cli as campaign_cli
    from bridgelab.cli import build_parser
    from bridgelab.scenario import ScenarioError

    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork server on this platform: workers are spawned")
    _stop_fork_server()
    broken = tmp_path / "broken.toml"
    broken.write_text("[campaign]\nname = 'x'\nseeds = 'many'\n")
    args = build_parser().parse_args(["campaign", str(broken), "--store",
                                      str(tmp_path / "s.sqlite")])
    started: list[int | None] = []
    real_start = campaign_cli.start_early

    def start_and_note() -> None:
        real_start()
        started.append(server_pid())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(campaign_cli, "start_early", start_and_note)
        with pytest.raises(ScenarioError):
            campaign_cli.main(args, Console(stderr=True))
    assert started and started[0] is not None  # it was running while the file was read
    assert server_pid() is None


# In a fresh interpreter (no resource tracker yet, as in a command): start the server, read
# its blocked signals, send it a Ctrl-C while it imports, and say whether it lived on.
CTRL_C_WHILE_IMPORTING = (
    "import os, signal, time\n"
    "from bridgelab.campaign.forkserver import server_pid, start_early, stop_if_unused\n"
    "start_early()\n"
    "pid = server_pid()\n"
    "status = open(f'/proc/{pid}/status').read().splitlines()\n"
    "blocked = int(next(l.split()[1] for l in status if l.startswith('SigBlk:')), 16)\n"
    "time.sleep(0.05)\n"
    "os.kill(pid, signal.SIGINT)\n"
    "time.sleep(0.5)\n"
    "alive = os.waitpid(pid, os.WNOHANG) == (0, 0)\n"
    "stop_if_unused()\n"
    "print(blocked & (1 << (signal.SIGINT - 1)) != 0, alive)\n"
)


def test_a_ctrl_c_while_the_early_fork_server_imports_is_no_traceback():
    """A Ctrl-C reaches the whole process group: the server, still importing, must neither
    die nor print a KeyboardInterrupt traceback (Linux: the blocked mask is in /proc)."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods() or not Path(
            "/proc/self/status").is_file():
        pytest.skip("needs a fork server and /proc")
    completed = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_IMPORTING],
                               capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr
    assert "KeyboardInterrupt" not in completed.stderr
    assert completed.stdout.split() == ["True", "True"]


def test_a_fork_server_that_cannot_start_early_is_left_to_the_pool(tmp_path):
    """A socket path over the AF_UNIX limit: the early start gives up quietly."""
    long_tmp = tmp_path / ("t" * 100)
    long_tmp.mkdir()
    completed = subprocess.run(
        [sys.executable, "-c", "from bridgelab.campaign.forkserver import start_early\n"
         "start_early()\nprint('went on')"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "TMPDIR": str(long_tmp)},
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "went on"


class _Loaded(Exception):
    """Raised in place of loading the campaign: the command got that far."""


@pytest.mark.parametrize(("extra", "starts"), [
    ((), True), (("--dry-run",), False), (("--scheduler", "tcp://127.0.0.1:9"), False),
])
def test_only_a_local_campaign_that_runs_starts_the_fork_server_early(
        monkeypatch, extra, starts):
    from rich.console import Console

    from bridgelab.campaign import cli as campaign_cli
    from bridgelab.campaign import spec
    from bridgelab.cli import build_parser

    started: list[bool] = []
    monkeypatch.setattr(campaign_cli, "start_early", lambda: started.append(True))

    def loaded(_path: object) -> None:
        raise _Loaded

    monkeypatch.setattr(spec, "load_campaign", loaded)
    args = build_parser().parse_args(["campaign", "campaigns/throughput.toml", *extra])
    with pytest.raises(_Loaded):
        campaign_cli.main(args, Console(stderr=True))
    assert started == ([True] if starts else [])


def test_a_run_spec_unpickles_from_the_light_module():
    from bridgelab.campaign.runspec import RunSpec
    from bridgelab.campaign.spec import RunSpec as FromSpec

    assert FromSpec is RunSpec and RunSpec.__module__ == "bridgelab.campaign.runspec"
