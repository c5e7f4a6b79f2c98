"""`bridgelab hunt` on a scenario that names files beside itself (the user's own contract,
attacks/byo-contract/): both objectives read them from the scenario's directory whatever
the working directory, and every witness they write replays from where it is written."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")

from bridgelab.cli import main
from bridgelab.hunt import artefacts
from bridgelab.hunt.cost import cheapest_break
from bridgelab.hunt.machine import Budget, SafetyViolated, Step, make_machine
from bridgelab.runner import run
from bridgelab.scenario import load_scenario
from tests.conftest import ATTACKS

EXAMPLE = ATTACKS / "byo-contract"
SCENARIO = EXAMPLE / "scenario.toml"
THRESHOLD = ["operator-0", "operator-1", "operator-2", "operator-3"]
FORGE = {"amount": 10_000_000, "forgeries": 1, "pacing": "adaptive", "directions": ["deposit"]}


def _elsewhere(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory that is not the scenario's: files named relative to the
    scenario must not be looked up here."""
    directory = root / "elsewhere"
    directory.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(directory)
    return directory


def _failed(verdicts: dict[str, str]) -> set[str]:
    return {name for name, verdict in verdicts.items()
            if name.startswith("safety.") and verdict == "fail"}


@pytest.fixture(scope="module")
def cost_hunt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`bridgelab hunt --objective cost` on the example, run from another directory."""
    root = tmp_path_factory.mktemp("cost-hunt")
    with pytest.MonkeyPatch.context() as monkeypatch:
        _elsewhere(root, monkeypatch)
        code = main(["hunt", str(SCENARIO), "--objective", "cost", "--no-persist", "--quiet",
                     "--out", str(root / "out")])
    assert code == 1, "the cost hunt must find a break (exit 1), not stop (3)"
    return root / "out"


def test_the_cost_hunt_reads_the_contract_beside_the_scenario(cost_hunt):
    cost = json.loads((cost_hunt / "cost.json").read_text())
    # The example's contract falls to a forgery with no key at all (hunt/keyless.py).
    assert cost["entities"] == [] and cost["cost"] == 0.0 and cost["gaps"] == []
    assert {v["property"] for v in cost["violations"]} >= {"safety.mint-backed-by-final-lock"}
    # The witness carries the contract it was found against.
    assert (cost_hunt / "verifier.vy").read_bytes() == (EXAMPLE / "verifier.vy").read_bytes()


def test_the_cost_witness_replays_from_elsewhere_to_the_searchs_verdicts(
        cost_hunt, tmp_path, monkeypatch):
    found = cheapest_break(load_scenario(SCENARIO), 1, base_dir=EXAMPLE)
    assert found.witness is not None and found.entities == ()
    _elsewhere(tmp_path, monkeypatch)
    # The reproduce command the hunt prints, run from a directory of no relation.
    witness = cost_hunt / "cheapest-attack.toml"
    assert main(["run", str(witness), "--seed", "1", "--quiet",
                 "--out", str(tmp_path / "replay")]) == 1
    replayed = json.loads((tmp_path / "replay" / "results.json").read_text())["verdicts"]
    assert replayed == found.witness.verdicts
    assert _failed(replayed) >= {"safety.mint-backed-by-final-lock"}


def test_the_safety_hunt_builds_its_machine_for_the_users_contract():
    """The machine's bridge deploys verifier.vy from the scenario's directory, and a
    threshold of keys forging through it breaks safety."""
    machine = make_machine(load_scenario(SCENARIO), 1, Budget(entities=4), base_dir=EXAMPLE)
    state = machine()
    assert state.bridge.world.now == 0.0
    for entity in THRESHOLD:
        state.compromise_entity(entity)
    state.start_forgery(FORGE["amount"], FORGE["forgeries"], FORGE["pacing"], ("deposit",))
    state.advance_by(60)
    with pytest.raises(SafetyViolated):
        state.safety_holds()


def test_the_safety_hunt_searches_a_byo_scenario_from_elsewhere(tmp_path, monkeypatch, capsys):
    """One batch within a one-key budget: nothing found (exit 2), not bad input (3)."""
    _elsewhere(tmp_path, monkeypatch)
    code = main(["hunt", str(SCENARIO), "--entities", "1", "--budget-seconds", "0.5",
                 "--no-persist", "--out", str(tmp_path / "out")])
    assert code == 2, capsys.readouterr().err
    assert "no safety violation found within budget" in capsys.readouterr().err


def _counterexample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> artefacts.Artefacts:
    """The artefacts of the threshold-of-keys break, written (and persisted) from a working
    directory other than the scenario's."""
    steps = [Step(0.0, "compromise", {"entity": entity, "seats": [index]})
             for index, entity in enumerate(THRESHOLD)]
    steps.append(Step(0.0, "forge", dict(FORGE)))
    violation = {"property": "safety.mint-backed-by-final-lock", "time": 12.0,
                 "event_kind": "mint", "event_seq": 31, "detail": "an unbacked mint"}
    _elsewhere(tmp_path, monkeypatch)
    return artefacts.write(load_scenario(SCENARIO), SCENARIO, 1, steps, violation,
                           tmp_path / "out")


def test_the_counterexample_and_its_persisted_copy_replay_where_they_are(tmp_path, monkeypatch):
    written = _counterexample(tmp_path, monkeypatch)
    assert written.unreplayable is None and written.persisted is not None
    # Each copy has the contract beside it, in a folder of its own when persisted.
    assert written.persisted.parent.name == "byo-contract"
    for scenario in (written.scenario, written.persisted):
        assert (scenario.parent / "verifier.vy").read_bytes() == (
            EXAMPLE / "verifier.vy").read_bytes()
        result = run(load_scenario(scenario), 1, base_dir=scenario.parent)
        assert "safety.mint-backed-by-final-lock" in _failed(result.verdicts)


def test_the_regression_test_reads_the_contract_beside_the_scenario(tmp_path, monkeypatch):
    """It fails on the flawed configuration by its assertion, not by a missing file."""
    written = _counterexample(tmp_path, monkeypatch)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(written.test)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path / "elsewhere",
    )
    assert completed.returncode == 1, completed.stdout[-2000:]
    assert "assert 'fail' != 'fail'" in completed.stdout, completed.stdout[-2000:]
    assert "expected an existing file" not in completed.stdout


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_files_are_carried_only_as_the_search_read_them(tmp_path):
    """A file changed since the search, or one that would take the place of the hunt's own
    output, is not carried: the hunt says the witness does not replay, keeping nothing."""
    source = tmp_path / "scenario"
    source.mkdir()
    (source / "verifier.vy").write_bytes(b"# read by the search\n")
    (source / "cost.json").write_bytes(b"{}")
    read = {"verifier.vy": _sha(b"# read by the search\n")}
    out = tmp_path / "out"
    assert artefacts.carry_files(source, out, read) is None
    assert (out / "verifier.vy").read_bytes() == b"# read by the search\n"
    (source / "verifier.vy").write_bytes(b"# edited during the search\n")
    changed = artefacts.carry_files(source, tmp_path / "out2", read)
    assert changed is not None and "changed" in changed
    assert not (tmp_path / "out2" / "verifier.vy").exists()
    clash = artefacts.carry_files(source, tmp_path / "out3", {"cost.json": _sha(b"{}")})
    assert clash is not None and "cost.json" in clash
    assert not (tmp_path / "out3").exists()
