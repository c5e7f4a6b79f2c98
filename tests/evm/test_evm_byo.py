"""Bring your own contract: the shipped walk-through (attacks/byo-contract/, its campaign)
and the ways a contract_source is refused as bad input."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")

from bridgelab.runner import run
from bridgelab.scenario import load_scenario
from bridgelab.scenario.errors import ScenarioError
from bridgelab.scenario.load import deep_merge, parse_scenario
from bridgelab.scenario.reader import read_toml
from tests.conftest import BYO_ADAPTER_MODULE, BYO_EMPTY_FLAW, byo_example_copy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "attacks" / "byo-contract"
SAFETY_BROKEN = {
    "safety.certificate-quorum", "safety.mint-backed-by-final-lock",
    "safety.supply-conservation", "safety.escrow-covers-supply",
}


def _run(path: Path, seed: int = 1):
    captured = {}
    result = run(load_scenario(path), seed, keep_history=True, base_dir=path.parent,
                 setup=lambda bridge: captured.update(bridge=bridge))
    return result, captured["bridge"].world.history.events


def _failed(result) -> set[str]:
    return {name for name, verdict in result.verdicts.items()
            if name.startswith("safety.") and verdict == "fail"}


def test_the_users_contract_carries_honest_traffic():
    result, events = _run(EXAMPLE / "scenario.toml")
    assert not _failed(result)
    assert result.verdicts["liveness.deposits-minted"] == "pass"
    calls = [e.fields for e in events if e.kind == "contract.tx"]
    assert len(calls) == result.metrics["transfers"]["mints"] == 8
    assert result.metrics["evm"]["contract"] == "verifier.vy"


def test_the_witness_breaks_the_flawed_contract():
    result, events = _run(EXAMPLE / "empty-certificate.toml")
    assert _failed(result) == SAFETY_BROKEN
    divergences = [e.fields for e in events if e.kind == "contract.divergence"]
    # The forged mint: the model's verifier would have refused it, the user's contract did not.
    assert [d["model_check"] for d in divergences] == ["certificate_below_threshold"]
    assert divergences[0]["amount"] == 1_000_000


def _example_copy(tmp_path: Path, fix: bool) -> Path:
    return byo_example_copy(tmp_path / "byo", fix)


def test_the_fixed_contract_withstands_the_witness(tmp_path):
    directory = _example_copy(tmp_path, fix=True)
    result, events = _run(directory / "empty-certificate.toml")
    assert not _failed(result)
    reverted = [e.fields["check"] for e in events if e.kind == "tx.reverted"]
    assert "certificate_below_threshold" in reverted
    assert not [e for e in events if e.kind == "contract.divergence"]


def test_a_report_tells_two_versions_of_one_contract_file_apart(tmp_path, monkeypatch):
    """The fixed verifier.vy attacked, the flawed one (same file name, same scenario keys)
    only under honest traffic: one configuration to the report, which vouched for the
    flawed contract with the fixed one's attack. Each run's deployed code now tells them
    apart, and the flawed contract is reported untested."""
    fixed = _example_copy(tmp_path / "fixed", fix=True)
    flawed = _example_copy(tmp_path / "flawed", fix=False)
    code, summary, _ = _attacked_beside_honest(tmp_path, monkeypatch, fixed, flawed)
    assert summary["verdict"] == "inconclusive" and code == 2, summary
    assert len(summary["configurations"]) == 2
    assert summary["verdict_text"].startswith("No attack was tested against")


def _attacked_beside_honest(tmp_path: Path, monkeypatch, attacked: Path,
                            honest: Path) -> tuple[int, dict, Path]:
    """`attacked`'s witness run and `honest`'s honest run (both exit 0), reported together:
    the report's exit code, its summary and the runs' directory."""
    from bridgelab.cli import main

    runs = tmp_path / "runs"
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(attacked / "empty-certificate.toml"), "--seed", "1", "--quiet",
                 "--out", str(runs / "attacked")]) == 0
    assert main(["run", str(honest / "scenario.toml"), "--seed", "1", "--quiet",
                 "--out", str(runs / "honest")]) == 0
    out = tmp_path / "report"
    code = main(["report", str(runs), "--out", str(out), "--no-cost", "--quiet"])
    return code, json.loads((out / "report.json").read_text())["summary"], runs


def test_a_python_adapter_class_from_the_scenarios_directory(tmp_path):
    directory = _example_copy(tmp_path, fix=True)
    (directory / "my_adapter_mod.py").write_text(BYO_ADAPTER_MODULE)
    data = read_toml(directory / "empty-certificate.toml")
    source = data["settlement"]["contract_source"]
    del source["adapter"]
    source["adapter_class"] = "my_adapter_mod:Adapter"
    captured = {}
    result = run(parse_scenario(data, "s.toml"), 1, keep_history=True, base_dir=directory,
                 setup=lambda bridge: captured.update(bridge=bridge))
    assert not _failed(result)
    events = captured["bridge"].world.history.events
    assert "certificate_below_threshold" in [
        e.fields["check"] for e in events if e.kind == "tx.reverted"]


def test_the_campaign_names_the_arm_that_breaks_the_contract(tmp_path):
    store = tmp_path / "byo.sqlite"
    completed = subprocess.run(
        [sys.executable, "-m", "bridgelab", "campaign", str(ROOT / "campaigns/byo-contract.toml"),
         "--jobs", "1", "--store", str(store), "--histories", str(tmp_path / "histories"),
         "--quiet"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert completed.returncode in (0, 1), completed.stderr[-2000:]
    import sqlite3

    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT arm, safety_violation, failed FROM runs").fetchall()
    broken = {arm for arm, violation, _failed_json in rows if violation}
    assert broken == {"empty-certificate", "unbound-digest"}
    assert all(set(json.loads(failed)) >= SAFETY_BROKEN
               for arm, _violation, failed in rows if arm in broken)
    # The report names the user's contract and shows the gas the EVM metered per mint.
    reported = subprocess.run(
        [sys.executable, "-m", "bridgelab", "report", str(store), "--out", str(tmp_path / "r"),
         "--no-cost", "--quiet"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert (tmp_path / "r" / "report.md").exists(), reported.stderr[-2000:]
    markdown = (tmp_path / "r" / "report.md").read_text()
    assert "the user's own contract verifier.vy has a flaw a forged mint exploits" in markdown
    assert ("the user's own contract verifier.vy checks signatures against a digest the caller"
            " passes") in markdown
    breaking = [line for line in markdown.splitlines() if line.startswith("| empty-certificate")]
    assert breaking and "safety fail (2/2)" in breaking[0] and "gas/mint EVM" in breaking[0]


def _bridgelab(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bridgelab", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def _report_runs(store: Path, out: Path, cwd: Path) -> list[dict]:
    reported = _bridgelab("report", str(store), "--out", str(out), "--no-cost", "--quiet",
                          cwd=cwd)
    assert (out / "report.json").exists(), reported.stderr[-2000:]
    return json.loads((out / "report.json").read_text())["runs"]


def test_a_failing_run_replays_from_the_reports_saved_scenario(tmp_path):
    """The report saves a BYO run's scenario with the contract beside it (checked against
    the SHA-256 the run's history recorded); its replay command, run from elsewhere, gives
    the run's history byte for byte. A contract edited since the campaign gets no command."""
    shutil.copytree(EXAMPLE, tmp_path / "attacks" / "byo-contract")
    campaign = (ROOT / "campaigns" / "byo-contract.toml").read_text()
    small = campaign.replace("seeds = 2", "seeds = 1").split('[[attacks]]\nname = "unbound')[0]
    (tmp_path / "campaigns").mkdir()
    (tmp_path / "campaigns" / "byo-contract.toml").write_text(small)
    store = tmp_path / "byo.sqlite"
    completed = _bridgelab("campaign", "campaigns/byo-contract.toml", "--jobs", "1",
                           "--store", str(store), "--histories", "histories", "--quiet",
                           cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr[-2000:]
    runs = _report_runs(store, tmp_path / "report", tmp_path)
    failing = [run for run in runs if run["attack"] == "empty-certificate"]
    assert len(runs) == 2 and len(failing) == 1 and failing[0]["reproducible"]
    command = shlex.split(failing[0]["reproduce"])
    # Paths in the report are as seen from where it was made.
    saved = tmp_path / command[2]
    assert saved.name == "scenario.toml" and (saved.parent / "verifier.vy").read_bytes() == (
        EXAMPLE / "verifier.vy").read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    replayed = _bridgelab("run", str(saved), *command[3:], "--out", str(elsewhere / "run"),
                          "--quiet", cwd=elsewhere)
    assert replayed.returncode == 1, replayed.stderr[-2000:]
    history = tmp_path / failing[0]["history"]
    assert (elsewhere / "run" / "history.jsonl").read_bytes() == history.read_bytes()

    # The user edits the contract after the campaign: the copy would not be the run's.
    source = tmp_path / "attacks" / "byo-contract" / "verifier.vy"
    source.write_text(source.read_text() + "\n# edited\n")
    runs = _report_runs(store, tmp_path / "report2", tmp_path)
    assert not any(run["reproducible"] for run in runs)
    assert not list((tmp_path / "report2" / "scenarios").rglob("verifier.vy"))


# -- bad input -----------------------------------------------------------------------------


def _refused(tmp_path: Path, change) -> ScenarioError:
    directory = _example_copy(tmp_path, fix=False)
    data = read_toml(directory / "scenario.toml")
    change(data["settlement"]["contract_source"], directory)
    scenario = parse_scenario(data, "s.toml")
    with pytest.raises(ScenarioError) as refused:
        run(scenario, 1, base_dir=directory)
    assert refused.value.exit_code == 3
    return refused.value


def test_a_path_outside_the_scenarios_directory_is_refused(tmp_path):
    outside = tmp_path / "outside.vy"
    shutil.copy(EXAMPLE / "verifier.vy", outside)
    error = _refused(tmp_path, lambda source, _d: source.update(vyper="../outside.vy"))
    assert error.key == "settlement.contract_source.vyper"
    assert "inside the scenario's directory" in error.message


def test_a_missing_contract_file_is_refused(tmp_path):
    error = _refused(tmp_path, lambda source, _d: source.update(vyper="nowhere.vy"))
    assert error.key == "settlement.contract_source.vyper"


def test_adapter_arguments_must_have_the_functions_types(tmp_path):
    def swap(source, _directory):
        source["adapter"]["submit"]["args"] = ["digest", "nonce", "version", "signatures",
                                               "amount"]

    error = _refused(tmp_path, swap)
    assert error.key == "settlement.contract_source.adapter.submit.args"
    assert "bytes32, uint256, uint256, uint256, bytes[]" in error.message


def test_a_contract_that_does_not_compile_is_refused(tmp_path):
    def garble(source, directory):
        (directory / "verifier.vy").write_text("def nonsense(:\n")

    error = _refused(tmp_path, garble)
    assert error.key == "settlement.contract_source.vyper"


def test_bytecode_and_abi_json_deploy_like_the_source(tmp_path):
    from bridgelab.evm.byo import compile_vyper

    directory = _example_copy(tmp_path, fix=False)
    initcode, abi = compile_vyper((directory / "verifier.vy").read_text())
    (directory / "verifier.json").write_text(
        json.dumps({"bytecode": "0x" + initcode.hex(), "abi": list(abi)}))
    data = read_toml(directory / "empty-certificate.toml")
    source = data["settlement"]["contract_source"]
    del source["vyper"]
    source["bytecode"] = "verifier.json"
    result = run(parse_scenario(data, "s.toml"), 1, base_dir=directory)
    assert _failed(result) == SAFETY_BROKEN


@pytest.mark.parametrize(("source", "key"), [
    ({"adapter": {"submit": {"function": "f", "args": []}}}, "vyper"),
    ({"vyper": "a.vy"}, "adapter"),
    ({"vyper": "a.vy", "adapter_class": "not a reference"}, "adapter_class"),
    ({"vyper": "a.vy", "adapter": {"submit": {"function": "f", "args": ["eval"]}}},
     "adapter.submit.args.0"),
])
def test_a_malformed_contract_source_is_refused_on_read(source, key):
    data = deep_merge(read_toml(EXAMPLE / "scenario.toml"), {})
    data["settlement"]["contract_source"] = source
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(data, "s.toml")
    assert refused.value.key.startswith(f"settlement.contract_source.{key}")


CHALLENGED = """
[defences]
challenge_window = 600.0

[defences.watcher]
enabled = true
detection_delay = { dist = "fixed", value = 30.0 }
pause = true

[[attacks]]
kind = "key.compromise"
targets = { members = [0, 1, 2, 3] }
schedule = { at = 60.0 }
params = { amount = 3_000_000 }
"""


def test_a_mint_the_users_contract_made_is_never_recorded_as_queued(tmp_path):
    """The user's contract has no queue: it minted the forgery when it accepted it. The
    model queued it behind its challenge window, a model-only challenge cancelled it, and
    the history said the theft was stopped: every property passed, the report read SAFE."""
    directory = _example_copy(tmp_path, fix=True)
    scenario = directory / "challenged.toml"
    scenario.write_text((directory / "scenario.toml").read_text() + CHALLENGED)
    result, events = _run(scenario)
    assert {"safety.mint-backed-by-final-lock", "safety.supply-conservation"} <= _failed(result)
    # The window queues every mint in the model; the contract minted each at once (and,
    # knowing no pause, went on minting after the watcher paused the model's bridge).
    divergences = [e.fields for e in events if e.kind == "contract.divergence"]
    assert {d["model_check"] for d in divergences} <= {"queued_by_the_model_only", "paused"}
    [forged] = [d for d in divergences if d["amount"] == 3_000_000]
    assert forged["model_check"] == "queued_by_the_model_only"
    assert not [e for e in events if e.kind in ("mint.queued", "mint.challenged")]
    assert [e for e in events if e.kind == "mint" and e.fields["nonce"] == forged["nonce"]]


def _constructor_variant(tmp_path: Path, strict: bool) -> Path:
    """The example, its signature check switched by storage its constructor sets: two
    builds whose runtime code is the same byte for byte."""
    directory = _example_copy(tmp_path, fix=False)
    source = (directory / "verifier.vy").read_text()
    source = source.replace("supply: public(uint256)\n", "supply: public(uint256)\nstrict: bool\n")
    source = source.replace("    self.version = version\n",
                            f"    self.version = version\n    self.strict = {strict}\n")
    source = source.replace(BYO_EMPTY_FLAW, "    if self.strict or len(signatures) > 0:\n")
    (directory / "verifier.vy").write_text(source)
    return directory


def test_builds_that_differ_only_in_constructor_storage_are_two_bridges(tmp_path, monkeypatch):
    """Configurations were told apart by the deployed runtime code alone: a flawed build run
    honestly and a fixed build attacked read as one configuration, and the report said SAFE
    for the flawed one on the fixed one's attack."""
    strict = _constructor_variant(tmp_path / "strict", strict=True)
    lax = _constructor_variant(tmp_path / "lax", strict=False)
    code, summary, runs = _attacked_beside_honest(tmp_path, monkeypatch, strict, lax)
    codes = [json.loads(line)["code_sha256"] for name in ("attacked", "honest")
             for line in (runs / name / "history.jsonl").read_text().splitlines()
             if json.loads(line)["kind"] == "contract.deployed"]
    assert codes[0] == codes[1], "the two builds' runtime code must be the same"
    assert summary["verdict"] == "inconclusive" and code == 2, summary
    assert len(summary["configurations"]) == 2
