"""`bridgelab hunt` rejects a budget it cannot search with before it searches: exit 3 with
one line naming the option; a budget of 0 seconds is a search that tries nothing (exit 2)."""

from __future__ import annotations

import pytest

import bridgelab.hunt.search
from bridgelab.cli import main
from bridgelab.exitcodes import EXIT_BAD_INPUT
from tests.conftest import ATTACKS

FLAWED = ATTACKS / "hunt-multisig-entities.toml"


@pytest.mark.parametrize(("flags", "message"), [
    (["--entities", "-1"], "--entities: expected an integer >= 0; found -1"),
    (["--relayers", "-2"], "--relayers: expected an integer >= 0; found -2"),
    (["--horizon", "0"], "--horizon: expected seconds > 0 (finite); found 0.0"),
    (["--horizon", "nan"], "--horizon: expected seconds > 0 (finite); found nan"),
    (["--horizon", "inf"], "--horizon: expected seconds > 0 (finite); found inf"),
    (["--budget-seconds", "-1"], "--budget-seconds: expected seconds >= 0 (finite); found -1.0"),
    (["--budget-seconds", "inf"], "--budget-seconds: expected seconds >= 0 (finite); found inf"),
    (["--objective", "cost", "--entities", "-3"], "--entities: expected an integer >= 0"),
])
def test_a_bad_budget_is_bad_input_before_any_search(flags, message, tmp_path, monkeypatch,
                                                     capsys):
    def no_search(*args, **kwargs):
        raise AssertionError("searched despite bad input")

    monkeypatch.setattr(bridgelab.hunt.search, "hunt", no_search)
    monkeypatch.setattr("bridgelab.hunt.cost.cheapest_break", no_search)
    code = main(["hunt", str(FLAWED), "--no-persist", "--out", str(tmp_path / "h"), *flags])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"error: hunt: {message}"), err
    assert not (tmp_path / "h").exists()

