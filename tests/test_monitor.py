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


def test_conservation_is_checked_on_the_event_that_breaks_it():
    monitor = Monitor()
    monitor.observe(_event(0, "lock", nonce=0, asset="A", amount=10, recipient="u", escrowed=10))
    monitor.observe(_event(1, "burn", nonce=0, asset="A", amount=10, recipient="u", number=0))
    monitor.observe(_event(2, "lock", nonce=1, asset="A", amount=5, recipient="u", escrowed=15))
    assert monitor.violations == []
    assert monitor.verdicts()["safety.supply-conservation"] == "pass"
    assert monitor.verdicts()["safety.no-double-mint"] == "not_exercised"
    # Minting 30 against 15 locked leaves minted - burned (20) above locked - released (15).
    monitor.observe(_event(3, "mint", nonce=1, asset="A", amount=30, recipient="u",
                           certificate=None))
    broken = [v for v in monitor.violations if v.property == "safety.supply-conservation"]
    assert broken and broken[0].seq == 3


def test_liveness_is_not_judged_while_a_healing_partition_is_active():
    # The partition heals long after the run's end: liveness cannot be judged, not "fail".
    attack = {"kind": "network.partition", "targets": {"select": "majority"},
              "params": {"role": "validator"}, "schedule": {"at": 5.0},
              "heal": {"after": 100_000.0}}
    result = run(small_scenario({"scenario": {"duration": 600.0}, "attacks": [attack]}), 1)
    assert result.verdicts["liveness.deposits-minted"] == "unknown"
    assert result.exit_code == 2
    assert any("network.partition still active" in reason for reason in result.inconclusive)


def test_a_permanent_fault_is_judged_and_fails_liveness():
    attack = {"kind": "network.partition", "targets": {"select": "majority"},
              "params": {"role": "validator"}, "schedule": {"at": 5.0}}
    result = run(small_scenario({"scenario": {"duration": 600.0}, "attacks": [attack]}), 1)
    assert result.verdicts["liveness.deposits-minted"] == "fail"
    assert result.exit_code == 1


def test_probes_report_what_was_exercised_and_expected_probes_gate():
    scenario = small_scenario({"checks": {"expect": ["coverage.reorg"]}})
    result = run(scenario, 1)
    assert result.verdicts["coverage.reorg"] == "not_exercised"
    assert result.exit_code == 2
    assert result.inconclusive == ["expected probe coverage.reorg was never hit"]
    attack = {"kind": "settlement.reorg", "schedule": {"at": 30.0}, "params": {"depth": 2}}
    scenario = small_scenario({"checks": {"expect": ["coverage.reorg"]}, "attacks": [attack]})
    assert run(scenario, 1).verdicts["coverage.reorg"] == "pass"


def test_user_property_from_a_module_next_to_the_scenario(tmp_path):
    (tmp_path / "my_props.py").write_text(
        "from bridgelab.checker.api import always\n"
        "@always('mine.small-mints', 'No mint above 500,000.')\n"
        "def small(event, view):\n"
        "    if event.kind == 'mint' and event.fields['amount'] > 500_000:\n"
        "        return f\"mint #{event.fields['nonce']} of {event.fields['amount']}\"\n"
        "    return None\n"
    )
    scenario = small_scenario({"checks": {"properties": ["my_props:small"]}})
    result = run(scenario, 1, base_dir=tmp_path)
    assert result.verdicts["mine.small-mints"] == "fail"
    assert any(v["property"] == "mine.small-mints" for v in result.violations)


def _theft_then(*after: Event) -> Monitor:
    """An honest deposit minted and burned, a thief's forged mint (a safety violation at t=4)
    and the thief's own burn, then `after`; the run ends at t=100 with every burn final."""
    monitor = Monitor()
    for event in (
        _event(1, "lock", nonce=0, asset="A", amount=10, sender="u", recipient="u", tx="u/l0",
               escrowed=10),
        _event(2, "mint", nonce=0, asset="A", amount=10, recipient="u"),
        _event(3, "attack.submit", nonce=9, amount=50, recipient="thief"),
        _event(4, "mint", nonce=9, asset="A", amount=50, recipient="thief"),
        _event(5, "burn", nonce=0, asset="A", amount=10, sender="u", recipient="u", number=0),
        Event(6, 6.0, "thief", "attack.extract", {"amount": 50, "round": 0}),
        _event(7, "burn", nonce=1, asset="A", amount=50, sender="thief", recipient="thief",
               number=0),
        *after,
        _event(99, "settlement.final", number=5),
        _event(100, "run.end", settled=True),
    ):
        monitor.observe(event)
    return monitor


def test_the_thiefs_burn_is_not_judged_and_a_pause_after_the_theft_explains_the_rest():
    monitor = _theft_then(_event(8, "escrow.frozen", tx="g/f", height=3))
    assert monitor.verdicts()["safety.mint-backed-by-final-lock"] == "fail"
    assert monitor.liveness_gaps()["liveness.withdrawals-released"] == [0]
    breakdown = monitor.liveness_breakdown()
    assert breakdown["theft_at"] == 4.0
    assert breakdown["liveness.withdrawals-released"] == {
        "honest_failures": 0, "frozen_by_theft": 1, "adversary": 1, "examples": []}
    # Honest funds are stuck all the same: the property fails, its cause is recorded.
    assert monitor.verdicts()["liveness.withdrawals-released"] == "fail"


def test_a_transfer_after_the_pause_was_lifted_is_an_honest_failure():
    monitor = _theft_then(
        _event(8, "escrow.frozen", tx="g/f", height=3),
        _event(9, "escrow.unfrozen", tx="g/u", height=4),
        _event(10, "lock", nonce=1, asset="A", amount=10, sender="v", recipient="v", tx="v/l1",
               escrowed=20),
        _event(11, "mint", nonce=1, asset="A", amount=10, recipient="v"),
        _event(12, "burn", nonce=2, asset="A", amount=10, sender="v", recipient="v", number=1),
    )
    stuck = monitor.liveness_breakdown()["liveness.withdrawals-released"]
    assert stuck == {"honest_failures": 1, "frozen_by_theft": 1, "adversary": 1,
                     "examples": [2]}


def test_a_pause_before_any_theft_and_a_destination_pause_do_not_explain_a_stuck_release():
    monitor = Monitor()
    monitor.observe(_event(0, "escrow.frozen", tx="g/f", height=1))
    monitor.observe(_event(1, "bridge.paused", tx="g/p", by="guardian"))
    monitor.observe(_event(2, "lock", nonce=0, asset="A", amount=10, sender="u", recipient="u",
                           tx="u/l0", escrowed=10))
    monitor.observe(_event(3, "mint", nonce=5, asset="A", amount=50, recipient="thief"))
    monitor.observe(_event(4, "burn", nonce=0, asset="A", amount=10, sender="u", recipient="u",
                           number=0))
    monitor.observe(_event(5, "settlement.final", number=1))
    monitor.observe(_event(6, "run.end", settled=False))
    breakdown = monitor.liveness_breakdown()
    assert breakdown["theft_at"] == 3.0
    assert breakdown["liveness.withdrawals-released"]["honest_failures"] == 1
    assert breakdown["liveness.deposits-minted"]["honest_failures"] == 1


def test_a_theft_explains_a_stuck_release_only_by_a_pause_or_a_drained_escrow():
    unexplained = _theft_then().liveness_breakdown()["liveness.withdrawals-released"]
    assert (unexplained["honest_failures"], unexplained["frozen_by_theft"]) == (1, 0)
    # The escrow reports holding less than the honest burn pays: the theft drained it.
    drained = _theft_then(_event(8, "lock", nonce=1, asset="A", amount=1, sender="v",
                                 recipient="v", tx="v/l1", escrowed=3))
    stuck = drained.liveness_breakdown()["liveness.withdrawals-released"]
    assert (stuck["honest_failures"], stuck["frozen_by_theft"]) == (0, 1)
