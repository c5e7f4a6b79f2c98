"""A `--seed` flag takes what a scenario's `[scenario] seed` takes (0..2**64-1): anything
else is a usage error (exit 3) before a run or a search starts."""

from __future__ import annotations

import pytest

from bridgelab.cli import main
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_PASS
from tests.conftest import ATTACKS

SMALL = ATTACKS.parent / "tests" / "data" / "small.toml"


@pytest.mark.parametrize("command", [["run"], ["hunt", "--no-persist"]])
@pytest.mark.parametrize("value", ["-1", str(2**64), "1.5", "x"])
def test_a_seed_a_scenario_could_not_pin_is_a_usage_error(command, value, tmp_path, capsys):
    code = main([command[0], str(SMALL), *command[1:], "--out", str(tmp_path / "out"),
                 "--seed", value])
    assert code == EXIT_BAD_INPUT
    last = capsys.readouterr().err.splitlines()[-1]
    assert last == (f"bridgelab {command[0]}: error: argument --seed: expected an integer"
                    f" 0..2**64-1, found {value!r}")
    assert not (tmp_path / "out").exists()


def test_the_largest_seed_runs(tmp_path):
    assert main(["run", str(SMALL), "--quiet", "--out", str(tmp_path / "out"),
                 "--seed", str(2**64 - 1)]) == EXIT_PASS
