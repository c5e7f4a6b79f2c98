"""A violation the hunt saw but could not replay is counted and said, never dropped: the
search then ended "nothing found" as if every batch had been clean."""

from __future__ import annotations

from hypothesis.errors import Flaky

from bridgelab.cli import main
from bridgelab.hunt import search
from bridgelab.hunt.machine import Budget
from bridgelab.scenario import load_scenario
from tests.conftest import ATTACKS

SCENARIO = ATTACKS / "hunt-bls-diversified.toml"


def _flaky_test(machine, settings):
    def test():
        raise Flaky("a violation that did not happen again on replay")
    return test


def test_an_unreproduced_violation_is_counted(monkeypatch):
    monkeypatch.setattr(search, "get_state_machine_test", _flaky_test)
    monkeypatch.setattr(search, "MAX_BATCHES", 3)
    found = search.hunt(load_scenario(SCENARIO), 1, Budget(entities=1, relayers=0), 60.0)
    assert not found.found and found.unreproduced == 3 and found.examples == 0


def test_the_hunt_command_says_a_violation_did_not_replay(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(search, "get_state_machine_test", _flaky_test)
    monkeypatch.setattr(search, "MAX_BATCHES", 2)
    code = main(["hunt", str(SCENARIO), "--budget-seconds", "30", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "a violation was seen in 2 batch(es) but did not happen again" in err
