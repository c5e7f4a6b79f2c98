"""False "safe" through exit codes (issue 17, item 2): a typo, a crash or a search that found
nothing must never read as a pass, and a crash never as "a property failed".

Each test fails on the code before the issue: argparse exited 2 ("inconclusive", let through
by the `|| [ $? -eq 2 ]` recipe of docs/ci.md), crashes exited 1 or escaped as tracebacks,
`hunt` exited 0 when its budget ran out, and `campaign` / `campaign-stats` exited 0 on
inconclusive or broken runs."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bridgelab.cli import main
from tests.conftest import tiny_campaign_base

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"
CONSOLE_SCRIPT = Path(sys.executable).parent / "bridgelab"


# The validators' network is cut for longer than the run: liveness cannot be judged.
PARTITION_ARM = """
[[attacks]]
name = "partition"
kind = "network.partition"
targets = { select = "majority" }
params = { role = "validator" }
schedule = { at = 1.0 }
heal = { after = 100000.0 }
"""

# A verifier that accepts three signatures where four are needed, and three colluders.
BROKEN_ARM = """
[base.bridge.verifier]
threshold_override = 2

[[attacks]]
name = "collusion"
kind = "collusion.fabricated_lock"
targets = { members = [0, 1] }
schedule = { at = 30.0 }
params = { amount = 5_000_000 }
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def _crash(*args, **kwargs):
    raise RuntimeError("model exploded")


def test_a_typo_fails_the_old_ci_recipe_and_writes_no_pass(tmp_path):
    """`check … --seedz 1,2,3 || [ $? -eq 2 ]` passed the job with no JUnit file."""
    recipe = f"{CONSOLE_SCRIPT} check {SMALL} --seedz 1,2,3 --junit junit.xml || [ $? -eq 2 ]"
    completed = subprocess.run(["sh", "-c", recipe], capture_output=True, text=True,
                               cwd=tmp_path, check=False)
    assert completed.returncode != 0, completed.stderr
    assert "unrecognized arguments: --seedz" in completed.stderr


def test_a_typo_fails_the_documented_ci_recipe(tmp_path):
    """The gate line of docs/ci.md, with its flag mistyped, fails the job."""
    docs = (ROOT / "docs" / "ci.md").read_text()
    assert "|| [ $? -eq 2 ]" not in docs
    assert "--allow-inconclusive" in docs
    completed = subprocess.run(
        [str(CONSOLE_SCRIPT), "check", str(SMALL), "--seedz", "1,2,3", "--allow-inconclusive"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )
    assert completed.returncode == 3
    assert main(["check", str(SMALL), "--seedz", "1,2,3"]) == 3


def test_a_crashed_run_is_an_internal_error_not_a_failed_property(tmp_path, monkeypatch):
    import bridgelab.runner

    monkeypatch.setattr(bridgelab.runner, "run", _crash)
    junit = tmp_path / "junit.xml"
    code = main(["check", str(SMALL), "--junit", str(junit), "--determinism", "none",
                 "--no-replay"])
    assert code == 4
    error = ET.parse(junit).getroot().find("testsuite/testcase/error")
    assert error is not None and error.get("type") == "RuntimeError"  # still written


def test_a_crash_beside_an_inconclusive_run_is_not_read_as_a_finding(tmp_path, monkeypatch):
    """Precedence: 1 a property failed, else 4 a crash, else 2 inconclusive, else 0."""
    from bridgelab.gate.check import GateReport, RunRecord

    def record(status: str) -> RunRecord:
        return RunRecord("scenario", "s.toml", "s", 1, status, None)  # type: ignore[arg-type]

    assert GateReport(runs=[record("inconclusive"), record("error")]).exit_code == 4
    assert GateReport(runs=[record("fail"), record("error")]).exit_code == 1
    assert GateReport(runs=[record("inconclusive")], allow_inconclusive=True).exit_code == 0


def test_an_uncaught_exception_in_run_is_one_line_and_exit_4(tmp_path, monkeypatch, capsys):
    import bridgelab.runner

    monkeypatch.setattr(bridgelab.runner, "run", _crash)
    code = main(["run", str(SMALL), "--quiet", "--out", str(tmp_path / "out")])
    assert code == 4
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("internal error: RuntimeError: model exploded (traceback saved to ")
    saved = Path(line.removesuffix(")").rsplit(" ", 1)[1])
    assert "Traceback (most recent call last)" in saved.read_text()


def test_a_hunt_that_finds_nothing_is_inconclusive_not_safe(tmp_path, capsys):
    code = main(["hunt", str(SMALL), "--budget-seconds", "0", "--no-persist",
                 "--out", str(tmp_path / "hunt")])
    assert code == 2
    assert "not a proof of safety" in capsys.readouterr().err


def test_a_cost_hunt_that_finds_nothing_is_inconclusive_not_safe(tmp_path, monkeypatch):
    import bridgelab.hunt.cost

    nothing = bridgelab.hunt.cost.CostResult(entities=None, cost=None, evaluations=3)
    monkeypatch.setattr(bridgelab.hunt.cost, "cheapest_break", lambda *args, **kwargs: nothing)
    assert main(["hunt", str(SMALL), "--objective", "cost", "--out", str(tmp_path)]) == 2


def _campaign(tmp_path: Path, name: str, extra: str, *options: str) -> tuple[int, int]:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[campaign]\nname = "{name}"\nseeds = 1\n\n'
                    f"{tiny_campaign_base(name, duration=300.0, withdrawals=0)}{extra}")
    store = tmp_path / f"{name}.sqlite"
    code = main(["campaign", str(path), "--jobs", "1", "--store", str(store), "--quiet",
                 *options])
    return code, main(["campaign-stats", str(path), "--store", str(store)])


def test_a_campaign_of_inconclusive_runs_is_not_a_pass(tmp_path):
    assert _campaign(tmp_path, "partitioned", PARTITION_ARM) == (2, 2)


def test_campaign_stats_is_not_a_pass_when_runs_broke_safety(tmp_path):
    assert _campaign(tmp_path, "broken", BROKEN_ARM) == (1, 1)


@pytest.mark.parametrize("extra, code", [("", 0), (BROKEN_ARM, 1)])
def test_runs_read_back_without_their_history_vouch_for_nothing(tmp_path, extra, code):
    """Stored without a history, a row is its own word: the campaign that ran it reports it,
    but read back (`campaign-stats`, a resumed campaign) it is left out, so the store is
    inconclusive. A row whose history was dropped afterwards read as the campaign's runs
    did, whatever it claimed."""
    assert _campaign(tmp_path, "bare", extra, "--no-histories") == (code, 2)


# A forged certificate, were it ever sent; scheduled after the run ends, it never is.
LATE_FORGERY = """
[[attacks]]
kind = "forge.empty_certificate"
schedule = { at = %s }
"""


# An attack that starts and breaks nothing: a relayer slowed for twenty seconds.
SLOW_RELAYER = """
[[attacks]]
kind = "relayer.delay"
targets = { relayers = [0] }
schedule = { at = 10.0 }
heal = { after = 20.0 }
params = { delay = 1.0 }
"""


def test_an_attack_that_started_does_not_stand_for_one_that_did_not(tmp_path):
    """The verifier skips an empty certificate, and the forgery that would show it is due
    after the run's end; a harmless attack that does start made the run "attacked" and
    passing: exit 0, PASS, and a report of SAFE."""
    scenario = tmp_path / "partial.toml"
    scenario.write_text(SMALL.read_text() + '\n[bridge]\nflaws = ["skip_verification_if_empty"]\n'
                        + LATE_FORGERY % "99999.0" + SLOW_RELAYER)
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--seed", "1", "--out", str(out), "--quiet"]) == 2
    results = json.loads((out / "results.json").read_text())
    assert results["metrics"]["events_by_kind"]["fault.start"] == 1
    assert ("1 of the scenario's 2 attacks never started (attack-0:forge.empty_certificate):"
            " the run tested none of those") in results["inconclusive"]
    assert not any(verdict == "fail" for verdict in results["verdicts"].values())


@pytest.mark.parametrize("at, code", [("99999.0", 2), ("60.0", None)])
def test_a_run_whose_attacks_never_started_is_inconclusive(tmp_path, at, code):
    """An attack scheduled after the run's end tested nothing: `run` and `check` said 0 and
    PASS (the report already read such a run as unattacked). The same attack in time is
    judged on its merits; the saved history, judged again, agrees either way."""
    from bridgelab.rundir.verify import verify_run_dir

    scenario = tmp_path / "late.toml"
    scenario.write_text(SMALL.read_text() + LATE_FORGERY % at)
    out = tmp_path / "run"
    exit_code = main(["run", str(scenario), "--seed", "1", "--out", str(out), "--quiet"])
    results = json.loads((out / "results.json").read_text())
    started = results["metrics"]["events_by_kind"].get("fault.start", 0)
    reason = "none of the scenario's 1 attack(s) started: the run tested none of them"
    if code is not None:
        assert exit_code == code and started == 0
        assert reason in results["inconclusive"]
        assert main(["check", str(scenario), "--out", str(tmp_path / "check"),
                     "--determinism", "none", "--quiet"]) == 2
    else:
        assert started > 0 and reason not in results["inconclusive"]
    assert verify_run_dir(out, results).problems == []


@pytest.mark.parametrize("delay, code", [(86_400.0, 2), (10_000.0, 1), (3_000.0, 1)])
def test_a_forged_mint_still_queued_at_the_end_is_never_safe(tmp_path, delay, code):
    """The flawed verifier accepts an empty certificate and the contract queues the forged
    mint behind its delay for large sums. The run stopped once the traffic had settled, the
    mint still waiting, and passed: exit 0, PASS, a report of SAFE. Now the run goes on
    while a mint is queued: due within the run's 4 hours (10,000 s), it executes and fails
    safety; due after the run's end (a day), the run is inconclusive."""
    source = (ROOT / "attacks" / "forge-empty-certificate.toml").read_text()
    assert "\n[bridge.limits]" not in source
    scenario = tmp_path / "delayed.toml"
    scenario.write_text(source + "\n[bridge.limits]\ndelay_threshold = 10_000_000\n"
                        f"delay = {delay}\n")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--seed", "1", "--out", str(out), "--quiet"]) == code
    results = json.loads((out / "results.json").read_text())
    queued = [reason for reason in results["inconclusive"] if "still queued" in reason]
    if code == 2:
        assert queued == ["1 mint(s) the bridge accepted were still queued behind its delay"
                          " when the run ended (the first of 100000000 to attacker, due at"
                          " t=87000.0): what they would mint was never judged"]
        assert not any(verdict == "fail" for verdict in results["verdicts"].values())
    else:
        assert not queued and results["verdicts"]["safety.supply-conservation"] == "fail"


@pytest.mark.parametrize("flag", [["--out", "r"], ["--replace"]])
def test_check_determinism_refuses_an_output_directory_it_would_not_write(tmp_path, flag):
    """Its two runs write to temporary directories: an earlier passing run in OUT stayed,
    and read as this check's run."""
    assert main(["run", str(SMALL), "--check-determinism", *flag]) == 3
