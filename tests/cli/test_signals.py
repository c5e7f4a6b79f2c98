"""SIGINT and SIGTERM stop every command cleanly (issue 20, "Signals"): one line on stderr,
128 + the signal as the exit code, no traceback, and what was left behind marked incomplete.

Each test starts a real `bridgelab` process, waits until it is provably at work (its history
or its store has something in it; for `hunt`, which writes nothing until it finds, until it
has used CPU time past its start-up), sends the signal, and reads what the process left.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from bridgelab.hunt.artefacts import scenario_toml
from tests.campaign.test_hostile_artefacts import CAMPAIGN
from tests.conftest import ATTACKS
from tests.report.report_fixtures import scenario_data

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

WAIT_S = 120.0  # a bound on waiting for a process to reach the moment to signal
POLL_S = 0.05


def long_scenario(directory: Path, name: str = "long") -> Path:
    """A bridge that keeps working for minutes: far more deposits than a test waits for."""
    data = scenario_data("honest-multisig")
    data["scenario"].update(name=name, duration=10_000_000.0)
    data["workload"].update(deposits=200_000, withdrawals=0, deposit_interval=1.0)
    path = directory / f"{name}.toml"
    path.write_text(scenario_toml(data, "a long run, to be interrupted"))
    return path


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bridgelab", *args], cwd=cwd, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )


def wait_for(condition: Callable[[], bool], process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the process ended before {what}: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no {what} within {WAIT_S:.0f} s")
        time.sleep(POLL_S)


def non_empty(path: Path) -> Callable[[], bool]:
    return lambda: path.is_file() and path.stat().st_size > 0


def stop(process: subprocess.Popen, signum: int) -> tuple[int, str, str]:
    process.send_signal(signum)
    out, err = process.communicate(timeout=WAIT_S)
    return process.returncode, out, err


def assert_one_clean_line(err: str, signum: int) -> str:
    name = signal.Signals(signum).name
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"interrupted by {name}; "), err
    return last


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_run_marks_its_directory_incomplete(tmp_path, signum, code):
    scenario = long_scenario(tmp_path)
    out = tmp_path / "out"
    process = start(["run", str(scenario), "--out", str(out), "--quiet"], tmp_path)
    wait_for(non_empty(out / "history.jsonl"), process, "history written")
    returncode, _, err = stop(process, signum)
    assert returncode == code
    assert len(err.strip().splitlines()) == 1, err
    assert_one_clean_line(err, signum)
    results = json.loads((out / "results.json").read_text())
    assert results["complete"] is False
    assert results["error"] == f"interrupted by {signal.Signals(signum).name}"
    # What was left is read as an incomplete run, never used.
    report = subprocess.run(
        [sys.executable, "-m", "bridgelab", "report", str(out), "--out", str(tmp_path / "r"),
         "--no-cost"], capture_output=True, text=True, check=False)
    assert report.returncode == 2, report.stderr
    assert "incomplete run (interrupted by" in report.stderr


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_check_writes_its_reports_with_the_runs_not_made(tmp_path, signum, code):
    first = long_scenario(tmp_path, "first")
    second = long_scenario(tmp_path, "second")
    junit, summary = tmp_path / "junit.xml", tmp_path / "summary.json"
    process = start(["check", str(first), str(second), "--seeds", "1,2", "--out",
                     str(tmp_path / "runs"), "--junit", str(junit), "--json-out", str(summary),
                     "--no-replay"], tmp_path)
    history = tmp_path / "runs" / "runs" / "000-first-seed1" / "history.jsonl"
    wait_for(non_empty(history), process, "history written")
    returncode, _, err = stop(process, signum)
    name = signal.Signals(signum).name
    assert returncode == code
    assert_one_clean_line(err, signum)
    data = json.loads(summary.read_text())
    assert data["interrupted"] == name and data["exit_code"] == code
    assert [(run["name"], run["seed"], run["status"]) for run in data["runs"]] == [
        ("first", 1, "not_run"), ("first", 2, "not_run"),
        ("second", 1, "not_run"), ("second", 2, "not_run")]
    assert data["runs"][0]["error"] == f"not run (interrupted by {name})"
    cases = ET.parse(junit).getroot().iter("testcase")
    skipped = [case.find("skipped").get("message") for case in cases]
    assert skipped == [f"not run (interrupted by {name})"] * 4
    interrupted_run = json.loads(history.with_name("results.json").read_text())
    assert interrupted_run["complete"] is False


def test_campaign_keeps_its_completed_rows_and_resumes(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CAMPAIGN.replace("seeds = 2", "seeds = 60"))
    store = tmp_path / "c.sqlite"
    process = start(["campaign", str(path), "--store", str(store), "--jobs", "2", "--quiet"],
                    tmp_path)

    def rows_stored() -> bool:
        if not store.exists():
            return False
        try:
            with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
                return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] >= 2
        except sqlite3.Error:
            return False

    wait_for(rows_stored, process, "rows stored")
    returncode, _, err = stop(process, signal.SIGTERM)
    assert returncode == 143
    line = assert_one_clean_line(err, signal.SIGTERM)
    assert "continue with --resume" in line
    kept = stored_rows(store)
    assert 2 <= len(kept) < 60 and not any(row.get("problem") for row in kept)
    assert all(row["status"] == "ok" for row in kept)
    resumed = subprocess.run(
        [sys.executable, "-m", "bridgelab", "campaign", str(path), "--store", str(store),
         "--jobs", "2", "--quiet", "--resume"], cwd=tmp_path, capture_output=True, text=True,
        check=False, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    rows = stored_rows(store)
    assert len(rows) == 60 == len({row["run_key"] for row in rows})
    kept_rows = {row["run_key"]: row["history_sha256"] for row in kept}
    assert all(kept_rows[row["run_key"]] == row["history_sha256"]
               for row in rows if row["run_key"] in kept_rows)


READ_ROWS = """
import json, sys
from bridgelab.campaign.store import Store
with Store(sys.argv[1], readonly=True) as store:
    [entry] = store.campaigns()
    rows = store.rows(entry["campaign_hash"])
print(json.dumps([{key: row.get(key) for key in ("run_key", "status", "history_sha256",
                                                 "problem")} for row in rows]))
"""


def stored_rows(store: Path) -> list[dict]:
    """The store's rows, read by a fresh process as a command would read them (SQLite keeps
    per-process state about a file that another process then rewrote: a reader that lives
    across another process's campaign is not what is being tested here)."""
    read = subprocess.run([sys.executable, "-c", READ_ROWS, str(store)], capture_output=True,
                          text=True, check=False)
    assert read.returncode == 0, read.stderr
    return json.loads(read.stdout)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_hunt_stops_with_one_line(tmp_path):
    process = start(["hunt", str(ATTACKS / "hunt-bls-diversified.toml"), "--budget-seconds",
                     "600", "--no-persist", "--out", str(tmp_path / "hunt")], tmp_path)
    # hunt writes nothing until it finds an attack: wait until it has worked past start-up.
    wait_for(lambda: cpu_seconds(process.pid) > 3.0, process, "CPU time used")
    returncode, _, err = stop(process, signal.SIGINT)
    assert returncode == 130
    assert len(err.strip().splitlines()) == 1, err
    assert_one_clean_line(err, signal.SIGINT)
    assert not (tmp_path / "hunt").exists()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_report_is_never_half_written(tmp_path):
    """SIGTERM during the cost search (which runs simulations): no report file is left, not
    even a temporary one."""
    runs = tmp_path / "runs"
    made = subprocess.run([sys.executable, "-m", "bridgelab", "run", str(tmp_path / "s.toml"),
                           "--out", str(runs / "s"), "--quiet"],
                          input=None, capture_output=True, check=False,
                          cwd=_baseline_copy(tmp_path))
    assert made.returncode == 0, made.stderr
    out = tmp_path / "report"
    process = start(["report", str(runs), "--out", str(out), "--quiet", "--cost-evaluations",
                     "100000"], tmp_path)
    wait_for(lambda: cpu_seconds(process.pid) > 4.0, process, "CPU time used")
    returncode, _, err = stop(process, signal.SIGTERM)
    assert returncode == 143
    assert len(err.strip().splitlines()) == 1, err
    assert_one_clean_line(err, signal.SIGTERM)
    for name in ("report.json", "report.md", "runs.md", "report.html", "runs.html"):
        assert not (out / name).exists()
    assert not list(out.rglob("*.tmp")) if out.exists() else True


def _baseline_copy(directory: Path) -> Path:
    """A bridge of fifteen members (one operator each): the cost search has thousands of sets
    of entities to try, each a simulation, minutes of work."""
    data = scenario_data("honest-multisig")
    data["committee"].update(members=15, threshold=10)
    (directory / "s.toml").write_text(scenario_toml(data, "fifteen members"))
    return directory


def test_an_interruption_is_the_same_when_made_again_from_its_arguments():
    """The simulation clock re-raises a process's exception as `type(e)(*e.args)`: a signal
    that arrives inside a model process must come out as the same interruption."""
    from bridgelab.signals import Interrupted

    first = Interrupted(signal.SIGTERM)
    again = type(first)(*first.args)
    assert (again.signum, again.exit_code, str(again)) == (signal.SIGTERM, 143, "SIGTERM")
    assert isinstance(again, KeyboardInterrupt)


def test_an_error_raised_while_a_signal_is_handled_is_the_interruption(monkeypatch, capsys):
    """Hypothesis, stopped by Ctrl-C at the wrong moment, fails an assertion of its own while
    the KeyboardInterrupt unwinds: the command was interrupted, it did not crash."""
    from bridgelab import cli
    from bridgelab.signals import Interrupted

    def hunt(args, err):
        try:
            raise Interrupted(signal.SIGTERM)
        except KeyboardInterrupt:
            raise AssertionError("state._runner is not None") from None

    monkeypatch.setitem(cli.HANDLERS, "validate", hunt)
    assert cli.main(["validate", str(ATTACKS / "baseline.toml")]) == 143
    assert capsys.readouterr().err == (
        "interrupted by SIGTERM; partial outputs marked incomplete\n")


def test_a_signal_inside_a_gc_callback_is_sent_again_not_lost():
    """Python drops what a garbage-collector callback raises ("Exception ignored in"): a
    signal handled there must not be marked as handled, or the command runs on."""
    from bridgelab.signals import Interrupted, _Handler

    sent: list[int] = []
    handler = _Handler(redeliver=sent.append)
    raised_inside: list[BaseException] = []

    def callback(phase, info):
        if phase == "start" and not sent:
            try:
                handler(signal.SIGINT, sys._getframe())
            except BaseException as error:  # as Python would: printed and dropped
                raised_inside.append(error)

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    assert sent == [signal.SIGINT] and raised_inside == [] and handler.raised is None
    with pytest.raises(Interrupted):  # delivered again outside the callback: it raises
        handler(signal.SIGINT, sys._getframe())
    assert handler.raised == signal.SIGINT


def test_a_signal_inside_a_finaliser_is_sent_again_not_lost():
    from bridgelab.signals import _Handler

    sent: list[int] = []
    handler = _Handler(redeliver=sent.append)

    class Finalised:
        def __del__(self):
            handler(signal.SIGTERM, sys._getframe())

    Finalised()  # its __del__ runs now, as the last reference goes
    assert sent == [signal.SIGTERM] and handler.raised is None


def test_a_signal_inside_a_weakref_finalize_callback_is_sent_again_not_lost():
    import weakref

    from bridgelab.signals import _Handler

    sent: list[int] = []
    handler = _Handler(redeliver=sent.append)

    class Owner:
        pass

    owner = Owner()
    weakref.finalize(owner, lambda: handler(signal.SIGINT, sys._getframe()))
    del owner  # the finaliser runs now, as the last reference goes
    assert sent == [signal.SIGINT] and handler.raised is None


def test_an_interruption_python_drops_elsewhere_is_sent_again_not_lost():
    """A plain weakref callback is not recognised by its frame: the handler raises, Python
    drops the exception, and the unraisable hook hands the signal back."""
    import weakref

    from bridgelab import signals

    sent: list[int] = []
    before = sys.unraisablehook
    with signals.raising():
        handler = signal.getsignal(signal.SIGINT)
        handler.redeliver = sent.append

        class Owner:
            pass

        owner = Owner()
        reference = weakref.ref(owner, lambda _: handler(signal.SIGINT, sys._getframe()))
        del owner  # the callback runs now; what it raises is dropped
        assert reference() is None
        assert sent == [signal.SIGINT] and handler.raised is None
    assert sys.unraisablehook is before  # restored after the block
