"""False-safe regressions, attacks that never reached the bridge: each run read safe (exit 0,
nothing inconclusive) though the attack put nothing to the bridge. Keys taken and never used
(a dwell past the run's end, `forge = false` alone, no key held), colluders armed after the
last lock, a forgery whose endorsers were all down, a redemption run with nobody to redeem.
Each control shows the same attack does reach the bridge when given the chance.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bridgelab.checker.judge import check_records, monitor_for
from bridgelab.runner import run
from bridgelab.scenario import ScenarioError
from tests.conftest import small_scenario

FIVE_NEED_THREE = {"committee": {"members": 5, "threshold": 3, "required": []},
                   "workload": {"deposits": 10, "withdrawals": 5, "deposit_interval": 10.0}}
THRESHOLD = {"select": "threshold"}


def _run(attacks: list[dict[str, Any]], **extra: Any):
    overrides = {**FIVE_NEED_THREE, **extra, "attacks": attacks}
    return run(small_scenario(overrides), 1)


def _safety_failed(result) -> bool:
    return any(v == "fail" for p, v in result.verdicts.items() if p.startswith("safety."))


def _attack_reasons(result) -> list[str]:
    return [r for r in result.inconclusive if "attack" in r]


def _compromise(**params: Any) -> dict[str, Any]:
    return {"kind": "key.compromise", "targets": THRESHOLD, "schedule": {"at": 30.0},
            "params": params}


UNTESTED = {
    "keys held past the run's end": [_compromise(dwell=100_000.0)],
    "keys taken, never used": [_compromise(forge=False)],
    "no key held": [{"kind": "adversary.forge", "schedule": {"at": 30.0}}],
    "colluders armed after the last lock": [
        {"kind": "collusion.equivocate", "targets": THRESHOLD, "schedule": {"at": 400.0}}],
    "keys handed on, used by nobody with them": [
        _compromise(forge=False), {"kind": "forge.empty_certificate", "schedule": {"at": 60.0}}],
    "a forger of the same name": [
        {**_compromise(dwell=100_000.0), "name": "x"}],
    "periods cut off by the run's end": [
        {"kind": "key.mobile", "schedule": {"at": 10.0},
         "params": {"period": 2_000.0, "periods": 5}}],
    "a later draw that never forged": [
        {"kind": "key.bernoulli", "schedule": {"at": 10.0, "every": 30.0, "count": 2},
         "params": {"p": 0.3, "dwell": 100_000.0}}],
}
TESTED = {
    "keys used at once": [_compromise()],
    "keys handed to a forger": [_compromise(forge=False),
                                {"kind": "adversary.forge", "schedule": {"at": 60.0}}],
    "colluders armed before a lock": [
        {"kind": "collusion.equivocate", "targets": THRESHOLD, "schedule": {"at": 5.0}}],
}
# Attacks that reach the bridge with too few keys: refused, and the refusal is the test.
REFUSED = {
    "too few keys recovered": ({"kind": "ecdsa.nonce_reuse", "schedule": {"at": 5.0},
                                "params": {"member": 0}}, "multisig"),
    "colluders below the BLS threshold": (
        {"kind": "collusion.equivocate", "targets": {"select": "threshold-1"},
         "schedule": {"at": 5.0}}, "threshold-bls"),
}


@pytest.mark.parametrize("case", sorted(UNTESTED))
def test_an_attack_that_never_put_a_forgery_to_the_bridge_is_inconclusive(case):
    result = _run(UNTESTED[case])
    assert not _safety_failed(result), result.verdicts
    (reason,) = _attack_reasons(result)
    # Never forged, or (a round cut off by the run's end) never finished.
    assert "never submitted a forgery" in reason or "still at it when the run ended" in reason
    assert result.exit_code == 2


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_too_few_keys_are_still_put_to_the_bridge(case):
    attack, custody = REFUSED[case]
    committee = {**FIVE_NEED_THREE["committee"], "custody": custody}
    result = _run([attack], committee=committee)
    assert not _safety_failed(result) and _attack_reasons(result) == [], result.inconclusive


@pytest.mark.parametrize("case", sorted(TESTED))
def test_the_same_attacks_reach_the_bridge_when_they_can(case):
    result = _run(TESTED[case])
    assert _safety_failed(result), f"{case}: the keys should break a 3-of-5 bridge"
    assert _attack_reasons(result) == []


def test_below_the_bls_threshold_the_best_forgery_is_still_submitted(tmp_path):
    """Two shares of a 3-of-5 group key cannot sign, but the adversary submits what they make,
    and the bridge's refusal is what the run tests: safe and conclusive."""
    attack = {"kind": "key.compromise", "targets": {"select": "threshold-1"},
              "schedule": {"at": 30.0}}
    committee = {**FIVE_NEED_THREE["committee"], "custody": "threshold-bls"}
    scenario = small_scenario({**FIVE_NEED_THREE, "committee": committee, "attacks": [attack]})
    result = run(scenario, 1, tmp_path)
    assert not _safety_failed(result) and _attack_reasons(result) == []
    history = (tmp_path / "history.jsonl").read_text()
    assert '"kind":"attack.short_forgery"' in history and '"kind":"attack.submit"' in history


def test_a_forgery_no_member_could_answer_is_inconclusive_not_refused():
    """The members all down while a foreign-contract forgery asks them to endorse: too few
    endorsements, but none was refused, so the flaw was never met."""
    crash = {"kind": "node.crash", "targets": {"select": "all"}, "schedule": {"at": 25.0},
             "heal": {"after": 120.0}, "params": {"role": "member"}}
    forge = {"kind": "forge.foreign_contract", "schedule": {"at": 30.0},
             "params": {"amount": 100_000_000}}
    flawed = {"bridge": {"flaws": ["foreign_contract_events"]}}
    down = _run([crash, forge], **flawed)
    assert not _safety_failed(down)
    assert any("found nothing to attack" in r for r in _attack_reasons(down)), down.inconclusive
    assert _safety_failed(_run([forge], **flawed)), "the control: the flaw breaks the bridge"


def test_a_saved_history_rechecked_without_its_attacks_is_inconclusive(tmp_path):
    scenario = small_scenario({**FIVE_NEED_THREE, "attacks": [_compromise(forge=False)]})
    run(scenario, 1, tmp_path)
    records = [json.loads(line)
               for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    bare = check_records(records)
    assert any("attacks were not given" in r for r in bare.inconclusive_reasons())
    configured = monitor_for(scenario)
    given = check_records(records, attacks=configured.attacks,
                          key_grants=configured.attack_rounds.grants)
    reasons = given.inconclusive_reasons()
    assert not any("attacks were not given" in r for r in reasons)
    assert any("never submitted a forgery" in r for r in reasons), reasons


def test_a_redemption_run_with_nobody_to_redeem_is_inconclusive():
    """Run at time 0, before anyone holds a token on the L2: no withdrawal, no load."""
    l2 = {"enabled": True, "destination": "l2", "batch_interval": 600.0,
          "oracle_members": 5, "oracle_quorum": 3}
    redeem = {"kind": "l2.redemption_run", "params": {"fraction": 1.0}}
    early = _run([{**redeem, "schedule": {"at": 0.0}}], l2=l2)
    assert any("found nothing to attack" in r for r in _attack_reasons(early)), early.inconclusive
    later = _run([{**redeem, "schedule": {"at": 1_500.0}}], l2=l2)
    assert _attack_reasons(later) == [], later.inconclusive


@pytest.mark.parametrize(("attack", "key"), [
    ({"kind": "network.loss", "params": {"probability": 0.0}}, "attacks.0.params.probability"),
    ({"kind": "network.duplicate", "params": {"probability": 0.0}},
     "attacks.0.params.probability"),
    ({"kind": "relayer.delay", "params": {"delay": 0.0}}, "attacks.0.params.delay"),
    ({"kind": "node.crash", "heal": {"after": 0.0}}, "attacks.0.heal.after"),
])
def test_a_fault_that_could_never_strike_is_bad_input(attack, key):
    """A loss or duplication that never happens, a delay of nothing, a heal at the moment of
    striking: the run would read as having withstood a fault it never had."""
    with pytest.raises(ScenarioError) as error:
        small_scenario({"attacks": [{**attack, "schedule": {"at": 10.0}}]})
    assert error.value.key == key, error.value


NOBODY = {
    "no member crashed": {"kind": "node.crash", "targets": {"members": []},
                          "params": {"role": "member"}, "heal": {"after": 60.0}},
    "no relayer censoring": {"kind": "relayer.censor", "targets": {"relayers": []}},
    "no proposer censoring": {"kind": "settlement.censor", "params": {"fraction": 0.001}},
    "no link between the two": {"kind": "network.loss",
                                "params": {"between": ["validator", "settlement"]}},
}


@pytest.mark.parametrize("case", sorted(NOBODY))
def test_a_fault_whose_targets_came_out_empty_tested_nothing(case):
    result = _run([{**NOBODY[case], "schedule": {"at": 10.0}}])
    assert any("found nothing to attack" in r for r in _attack_reasons(result)), (
        case, result.inconclusive)


def test_a_fault_with_someone_to_strike_is_tested():
    crash = {"kind": "node.crash", "targets": {"members": [1]}, "params": {"role": "member"},
             "heal": {"after": 60.0}, "schedule": {"at": 10.0}}
    assert _attack_reasons(_run([crash])) == []


def test_the_report_never_says_safety_held_in_runs_that_tested_nothing(tmp_path):
    """One run's keys never reached the bridge (inconclusive), another's transfers got
    stuck: the headline is about the conclusive runs only, and says how many were not."""
    from bridgelab.cli import main as cli_main

    never = small_scenario({**FIVE_NEED_THREE, "attacks": [_compromise(dwell=100_000.0)]})
    censor = small_scenario({**FIVE_NEED_THREE, "attacks": [
        {"kind": "relayer.censor", "targets": {"relayers": "all"}, "schedule": {"at": 0.0}}]})
    assert run(never, 1, tmp_path / "runs" / "never").exit_code == 2
    assert run(censor, 1, tmp_path / "runs" / "censor").exit_code == 1
    cli_main(["report", str(tmp_path / "runs"), "--out", str(tmp_path / "report"), "--no-cost",
              "--quiet"])
    summary = json.loads((tmp_path / "report" / "report.json").read_text())["summary"]
    assert summary["verdict"] == "at-risk", summary
    assert "Safety held in every run," not in summary["verdict_text"]
    assert "every conclusive run (1 of 2 were inconclusive)" in summary["verdict_text"]


def _single(**params: Any) -> dict[str, Any]:
    return {"amount": 1_000, "pacing": "single", **params}


def test_one_attacks_heal_does_not_take_seats_another_still_holds():
    """k0 heals (gives up seat 0) while a grant still holds it: the later forgery is signed
    with all three seats and breaks the bridge, instead of a two-seat forgery being
    counted as the grant's test."""
    attacks = [
        {"name": "k0", "kind": "key.compromise", "targets": {"members": [0]},
         "schedule": {"at": 50.0}, "heal": {"after": 100.0}, "params": _single()},
        {"name": "grant", "kind": "key.compromise", "targets": {"members": [0, 1, 2]},
         "schedule": {"at": 100.0}, "params": {"forge": False}},
        {"name": "forger", "kind": "adversary.forge", "schedule": {"at": 200.0},
         "params": _single()},
    ]
    assert _safety_failed(_run(attacks))


def test_a_grant_that_gave_its_seats_up_is_not_tested_by_a_later_forgery():
    attacks = [
        {"name": "grant", "kind": "key.compromise", "targets": {"members": [0, 1, 2]},
         "schedule": {"at": 100.0}, "heal": {"after": 10.0}, "params": {"forge": False}},
        {"name": "late", "kind": "key.compromise", "targets": {"members": [0]},
         "schedule": {"at": 200.0}, "params": _single()},
    ]
    result = _run(attacks)
    assert not _safety_failed(result)
    assert any("(grant)" in r for r in _attack_reasons(result)), result.inconclusive


def test_an_attack_longer_than_the_run_says_so():
    """Ten attempts ten minutes apart do not fit in an hour: the reason says the run was
    shorter than the attack, not that it found nothing."""
    attack = {"name": "keys", "kind": "key.compromise", "targets": {"members": [0, 1]},
              "schedule": {"at": 50.0},
              "params": _single(attempts=10, retry_every=600.0)}
    (reason,) = _attack_reasons(_run([attack]))
    assert "still at it when the run ended (keys)" in reason, reason


def test_a_liveness_failure_does_not_make_an_untested_attack_read_held(tmp_path):
    from bridgelab.cli import main as cli_main

    scenario = small_scenario({**FIVE_NEED_THREE, "attacks": [
        _compromise(dwell=100_000.0),
        {"kind": "relayer.censor", "targets": {"relayers": "all"}, "schedule": {"at": 1.0}}]})
    assert run(scenario, 1, tmp_path / "runs" / "one").exit_code == 1
    cli_main(["report", str(tmp_path / "runs"), "--out", str(tmp_path / "report"), "--no-cost",
              "--quiet"])
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert "Safety held in every run," not in report["summary"]["verdict_text"]
    # Nor the attack matrix: the cell's safety is unknown, not a pass with P(loss) 0 of 1.
    (cell,) = report["attack_matrix"]["cells"]
    assert cell["safety"]["verdict"] == "inconclusive" and cell["untested"] == 1, cell
    assert cell["p_loss"]["runs"] == 0


def test_a_reorg_that_orphans_nothing_tested_nothing():
    """At time 0 there is no block to orphan; later there is."""
    reorg = {"kind": "settlement.reorg", "params": {"depth": 2}}
    early = _run([{**reorg, "schedule": {"at": 0.0}}])
    assert any("found nothing to attack" in r for r in _attack_reasons(early)), early.inconclusive
    later = _run([{**reorg, "schedule": {"at": 100.0}}])
    assert _attack_reasons(later) == [], later.inconclusive
