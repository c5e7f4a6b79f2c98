"""The monitor can fail: a flawed verifier lets a colluding minority mint against no lock."""

from __future__ import annotations

from bridgelab.checker.monitor import Monitor
from bridgelab.core.history import Event
from bridgelab.runner import run
from tests.conftest import small_scenario

ATTACK = {
    "kind": "collusion.fabricated_lock",
    "targets": {"members": [0, 1, 2]},
    "schedule": {"at": 30.0},
    "params": {"amount": 5_000_000},
}


def test_flawed_verifier_unbacked_mint_is_caught_and_names_the_event():
    scenario = small_scenario(
        {"bridge": {"verifier": {"threshold_override": 3}}, "attacks": [ATTACK]}
    )
    result = run(scenario, 1)
    assert result.exit_code == 1
    failed = {prop for prop, verdict in result.verdicts.items() if verdict == "fail"}
    assert {
        "safety.supply-conservation",
        "safety.mint-backed-by-final-lock",
        "safety.certificate-quorum",
    } <= failed
    unbacked = [v for v in result.violations if v["property"] == "safety.mint-backed-by-final-lock"]
    assert len(unbacked) == 1
    assert unbacked[0]["event_kind"] == "mint"
    assert "no lock #1000000001" in unbacked[0]["detail"]
    assert unbacked[0]["time"] >= ATTACK["schedule"]["at"]
    conservation = [v for v in result.violations if v["property"] == "safety.supply-conservation"]
    assert conservation and "exceeds locked - released" in conservation[0]["detail"]


def test_correct_verifier_rejects_the_minority_certificate():
    scenario = small_scenario({"attacks": [ATTACK], "adversary": {"extract": False}})
    result = run(scenario, 1)
    assert result.exit_code == 0
    assert result.violations == []
    assert result.metrics["settlement"]["reverted_txs"] >= 1


def _event(seq: int, kind: str, **fields) -> Event:
    return Event(seq, float(seq), "test", kind, fields)


def test_conservation_checked_after_every_event_without_a_certificate_path():
    monitor = Monitor()
    monitor.observe(_event(0, "lock", nonce=0, asset="A", amount=10, recipient="u", escrowed=10))
    monitor.observe(_event(1, "burn", nonce=0, asset="A", amount=10, recipient="u", number=0))
    assert monitor.violations == []
    # A burn with nothing minted is fine; a release beyond what was locked is not.
    monitor.observe(_event(2, "lock", nonce=1, asset="A", amount=5, recipient="u", escrowed=15))
    assert monitor.verdicts()["safety.supply-conservation"] == "pass"
    assert monitor.verdicts()["safety.no-double-mint"] == "not_exercised"
