"""Same seed, same scenario: byte-identical history across processes and hash seeds."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from bridgelab.cli import main
from bridgelab.core.rng import Streams
from bridgelab.hunt.artefacts import scenario_toml
from bridgelab.runner import run
from bridgelab.scenario import load_scenario

SMALL = Path(__file__).parents[1] / "data" / "small.toml"


def _run_in_fresh_process(out: Path, seed: int, hash_seed: str) -> bytes:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    completed = subprocess.run(
        [sys.executable, "-m", "bridgelab", "run", str(SMALL), "--seed", str(seed), "--out",
         str(out), "--quiet"],
        env=env, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return (out / "history.jsonl").read_bytes()


def test_same_seed_byte_identical_across_processes_and_hash_seeds(tmp_path):
    first = _run_in_fresh_process(tmp_path / "a", 5, "0")
    second = _run_in_fresh_process(tmp_path / "b", 5, "12345")
    assert len(first) > 10_000
    assert first == second


def test_different_seeds_give_different_histories(tmp_path):
    scenario = load_scenario(SMALL)
    one = run(scenario, 1, tmp_path / "s1")
    two = run(scenario, 2, tmp_path / "s2")
    assert one.history_sha256 != two.history_sha256
    recorded = hashlib.sha256((tmp_path / "s1" / "history.jsonl").read_bytes()).hexdigest()
    assert recorded == one.history_sha256


def test_check_determinism_command_passes(capsys):
    assert main(["run", str(SMALL), "--check-determinism"]) == 0
    assert "deterministic" in capsys.readouterr().err


def test_streams_are_stable_and_independent():
    a, b = Streams(7), Streams(7)
    assert [a.get("x").random() for _ in range(3)] == [b.get("x").random() for _ in range(3)]
    # Drawing from one stream never shifts another.
    c = Streams(7)
    c.get("y").random()
    assert c.get("x").random() == Streams(7).get("x").random()
    assert Streams(7).get("x").random() != Streams(8).get("x").random()
    assert Streams(7).get("x").random() != Streams(7).get("z").random()


def test_attacked_threshold_bls_run_is_byte_identical_across_processes(tmp_path):
    from bridgelab.hunt.artefacts import scenario_toml
    from tests.conftest import small_scenario

    scenario = small_scenario({
        "committee": {"custody": "threshold-bls", "refresh_interval": 30.0, "required": []},
        "network": {"loss": 0.02},
        "attacks": [
            {"kind": "key.mobile", "schedule": {"at": 10.0},
             "params": {"period": 30.0, "periods": 4, "amount": 1_000_000}},
            {"kind": "relayer.reorder", "targets": {"relayers": "all"},
             "params": {"max_jitter": 20.0}, "heal": {"after": 120.0}},
        ],
    })
    path = tmp_path / "attacked.toml"
    path.write_text(scenario_toml(scenario.model_dump(mode="json", exclude_none=True), "t"))
    histories = []
    for index, hash_seed in enumerate(("3", "4")):
        out = tmp_path / f"run{index}"
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        completed = subprocess.run(
            [sys.executable, "-m", "bridgelab", "run", str(path), "--seed", "9", "--out",
             str(out), "--quiet"],
            env=env, capture_output=True, text=True, check=False,
        )
        assert completed.returncode in (0, 1), completed.stderr
        histories.append((out / "history.jsonl").read_bytes())
    assert histories[0] == histories[1]
    assert b'"kind":"custody.refresh"' in histories[0]
    assert b'"kind":"attack.compromise"' in histories[0]


def test_check_determinism_exits_as_the_run_when_the_histories_agree(tmp_path, capsys):
    """Deterministic is not passing: a run that broke safety exits 1 here too."""
    data = tomllib.loads(SMALL.read_text())
    data["bridge"] = {**data.get("bridge", {}), "verifier": {"threshold_override": 3}}
    data["attacks"] = [{"kind": "collusion.fabricated_lock", "targets": {"members": [0, 1, 2]},
                        "schedule": {"at": 30.0}, "params": {"amount": 5_000_000}}]
    path = tmp_path / "broken.toml"
    path.write_text(scenario_toml(data, "a colluding minority under a flawed verifier"))
    assert main(["run", str(path), "--check-determinism"]) == 1
    err = capsys.readouterr().err
    assert "deterministic" in err and "NOT deterministic" not in err
    assert "the run itself exited 1" in err


def test_check_determinism_fails_when_identical_histories_exit_apart(monkeypatch, capsys):
    """The same history with two exit codes: a property of the scenario's own is not
    deterministic, and neither code can be the command's."""
    from bridgelab.gate import determinism

    def two_codes(scenario, seed, **kwargs):
        return determinism.DeterminismResult(str(scenario), seed, [
            determinism.ProcessRun("0", 0, "ab" * 32), determinism.ProcessRun("1", 1, "ab" * 32),
        ])

    monkeypatch.setattr(determinism, "check_determinism", two_codes)
    assert main(["run", str(SMALL), "--check-determinism"]) == 1
    assert "exited [0, 1] on identical histories" in capsys.readouterr().err
