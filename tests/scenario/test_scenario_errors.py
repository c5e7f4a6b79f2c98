"""Malformed scenario files: one short message naming file, key, expected and found; exit 3."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bridgelab.cli import main
from tests.conftest import BASELINE


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    return path


def _baseline_with(old: str, new: str) -> str:
    text = BASELINE.read_text()
    assert old in text, f"fixture drift: {old!r} not in baseline.toml"
    return text.replace(old, new, 1)


CASES = {
    "missing key": (
        _baseline_with('name = "baseline"\n', ""),
        "scenario.name", "this required key", "nothing",
    ),
    "wrong type": (
        _baseline_with("members = 9", 'members = "nine"'),
        "committee.members", "an integer", "the string 'nine'",
    ),
    "threshold above n": (
        _baseline_with("threshold = 6", "threshold = 12"),
        "committee.threshold", "at most members (9)", "12",
    ),
    "negative latency": (
        _baseline_with("median = 0.05", "median = -0.05"),
        "network.latency.median", "a finite number, at least 1e-06", "-0.05",
    ),
    "unknown field": (
        _baseline_with("[relayers]\n", "[relayers]\ncensor = true\n"),
        "relayers.censor", "no such key", "an unknown key",
    ),
    "not TOML": (
        "[scenario\nname = 'x'\n",
        None, "valid TOML", "a syntax error",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_names_file_key_expected_found(case, tmp_path, capsys):
    text, key, expected, found = CASES[case]
    path = _write(tmp_path, text)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 3
    assert str(path) in err
    if key is not None:
        assert f": {key}:" in err
    assert f"expected {expected}" in err
    assert f"found {found}" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 3


def test_run_rejects_bad_scenario_with_exit_3(tmp_path, capsys):
    path = _write(tmp_path, _baseline_with("threshold = 6", "threshold = 0"))
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "out")]) == 3
    assert "committee.threshold" in capsys.readouterr().err
    assert not (tmp_path / "out" / "results.json").exists()


def test_missing_file_is_bad_input(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.toml")]) == 3
    assert "no such file" in capsys.readouterr().err


def test_real_process_prints_no_traceback(tmp_path):
    path = _write(tmp_path, _baseline_with("members = 9", "members = 9.5"))
    completed = subprocess.run(
        [sys.executable, "-m", "bridgelab", "validate", str(path)],
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 3
    assert "committee.members" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_valid_scenarios_validate(capsys):
    for path in sorted(BASELINE.parent.rglob("*.toml")):
        assert main(["validate", str(path)]) == 0, path
