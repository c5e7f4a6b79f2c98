"""False-safe regressions, faults that struck nothing: a replay or double-submission window
after the last delivery read "replay protection held" (exit 0, nothing inconclusive), and a
censor of a user who never sends, a delay with no traffic, or a partition no message crossed
read withstood. A relayer attack is now tested only by a struck relayer's record of a message
it struck; a partition round whose cuts stopped no message records that it tested nothing.
Each control shows the same attack strikes when traffic passes while it is on.
"""

from __future__ import annotations

from typing import Any

import pytest

from bridgelab.checker.attack_rounds import AttackRounds
from bridgelab.runner import run
from tests.conftest import small_scenario

ALL = {"relayers": "all"}
# The small scenario's transfers are all delivered by about 380 s.
LATE = {"at": 400.0}
EARLY = {"at": 0.0}


def _attack(kind: str, schedule: dict[str, float], **params: Any) -> dict[str, Any]:
    return {"kind": kind, "targets": ALL, "schedule": schedule, "heal": {"after": 60.0},
            "params": params}


UNTESTED = {
    "a replay window after the last delivery": [_attack("relayer.replay", LATE)],
    "a double submission after the last delivery": [_attack("relayer.double_submit", LATE)],
    "a censor of a user who never sends": [
        {**_attack("relayer.censor", EARLY, users=["nobody"]), "heal": {"after": 600.0}}],
    "a delay with no traffic": [_attack("relayer.delay", LATE, delay=30.0)],
    "a reorder with no traffic, beside a delay that held": [
        {**_attack("relayer.delay", EARLY, delay=30.0), "heal": {"after": 600.0}},
        _attack("relayer.reorder", LATE, max_jitter=30.0)],
}
TESTED = {
    "a replay while certificates are delivered": [
        {**_attack("relayer.replay", EARLY), "heal": {"after": 600.0}}],
    "a double submission while certificates are delivered": [
        {**_attack("relayer.double_submit", EARLY), "heal": {"after": 600.0}}],
    "a censor of everyone": [_attack("relayer.censor", EARLY)],
    "a delay while messages pass": [_attack("relayer.delay", EARLY, delay=30.0)],
    "a reorder while messages pass": [_attack("relayer.reorder", EARLY, max_jitter=30.0)],
}


def _struck_nothing(result) -> list[str]:
    return [reason for reason in result.inconclusive
            if "struck nothing the bridge needed" in reason]


@pytest.mark.parametrize("case", sorted(UNTESTED))
def test_a_relayer_attack_that_struck_no_message_is_inconclusive(case):
    result = run(small_scenario({"attacks": UNTESTED[case]}), 1)
    assert not any(v == "fail" for v in result.verdicts.values()), result.verdicts
    reasons = _struck_nothing(result)
    assert len(reasons) == 1, result.inconclusive
    assert f"attack-{len(UNTESTED[case]) - 1}:" in reasons[0]


@pytest.mark.parametrize("case", sorted(TESTED))
def test_the_same_relayer_attacks_strike_when_messages_pass(case):
    result = run(small_scenario({"attacks": TESTED[case]}), 1)
    assert result.inconclusive == [], result.inconclusive


def test_only_a_record_naming_the_attack_counts_and_a_copy_must_arrive():
    kinds = {"delay": "relayer.delay", "reorder": "relayer.reorder",
             "censor": "relayer.censor", "replay": "relayer.replay",
             "double": "relayer.double_submit", "double-l1": "relayer.double_submit"}
    rounds = AttackRounds()
    for name, kind in kinds.items():
        rounds.start(name, kind)
    rounds.held("relayer-0", {"attack": "reorder", "cause": "jitter"})
    rounds.held("relayer-0", {"attacks": ["censor"]})
    rounds.replayed("relayer-1", {"attack": "replay", "nonce": 3, "txs": ["relayer-1/tx9"]})
    rounds.doubled("relayer-1", {"attack": "double", "nonce": 4, "txs": ["l2", "l2"]})
    rounds.doubled("relayer-1", {"attack": "double-l1", "nonce": 5,
                                 "txs": ["relayer-1/tx10", "relayer-1/tx11"]})
    assert [name for name, kind in kinds.items() if rounds.tested(name, kind)] == [
        "reorder", "censor"]
    rounds.arrived("settlement", {"tx": "relayer-1/tx8"})  # another transaction
    rounds.l2_delivered("l2-gateway", {"relayer": "relayer-0", "nonce": 4})  # another relayer
    assert not rounds.tested("replay", "relayer.replay")
    assert not rounds.tested("double", "relayer.double_submit")
    assert rounds.never_struck("delay", "relayer.delay")
    assert not rounds.never_forged("delay", "relayer.delay")
    rounds.arrived("settlement", {"tx": "relayer-1/tx9"})
    rounds.l2_delivered("l2-gateway", {"relayer": "relayer-1", "nonce": 4})
    rounds.arrived("settlement", {"tx": "relayer-1/tx10"})  # one copy alone: no duplicate
    assert rounds.tested("replay", "relayer.replay")
    assert rounds.tested("double", "relayer.double_submit")
    assert not rounds.tested("double-l1", "relayer.double_submit")
    rounds.arrived("settlement", {"tx": "relayer-1/tx11"})
    assert rounds.tested("double-l1", "relayer.double_submit")


RELAYERS_FROM_SETTLEMENT = {"side_a": ["relayer"], "side_b": ["settlement"]}
IDLE_PARTITIONS = {
    "healed": {"kind": "network.partition", "schedule": LATE, "heal": {"after": 60.0},
               "params": RELAYERS_FROM_SETTLEMENT},
    "never healed": {"kind": "network.partition", "schedule": LATE,
                     "params": RELAYERS_FROM_SETTLEMENT},
}


@pytest.mark.parametrize("case", sorted(IDLE_PARTITIONS))
def test_a_partition_no_message_crossed_is_inconclusive(case):
    captured: dict[str, Any] = {}
    result = run(small_scenario({"attacks": [IDLE_PARTITIONS[case]]}), 1, keep_history=True,
                 setup=lambda bridge: captured.update(bridge=bridge))
    assert result.inconclusive and "network.partition" in result.inconclusive[0]
    events = captured["bridge"].world.history.events
    idle = [e for e in events if e.kind == "attack.failed"]
    assert [e.fields["reason"] for e in idle] == ["nothing_crossed"]


def test_a_partition_that_stopped_messages_is_tested():
    attack = {**IDLE_PARTITIONS["healed"], "schedule": EARLY}
    assert run(small_scenario({"attacks": [attack]}), 1).inconclusive == []


# -- a second review's findings ----------------------------------------------------------------

def _inconclusive_for(attacks: list[dict[str, Any]], name: str, **extra: Any) -> bool:
    result = run(small_scenario({**extra, "attacks": attacks}), 1)
    return any(name in reason for reason in result.inconclusive)


def test_another_censors_strikes_do_not_test_one_that_matched_nothing():
    ghost = {**_attack("relayer.censor", EARLY, users=["nobody"]), "name": "ghost",
             "heal": {"after": 600.0}}
    everyone = {**_attack("relayer.censor", EARLY), "name": "everyone"}
    assert _inconclusive_for([ghost, everyone], "ghost")
    assert not _inconclusive_for([ghost, everyone], "everyone")


def test_a_later_delay_does_not_test_an_earlier_one_that_held_nothing():
    early = {**_attack("relayer.delay", {"at": 0.0}, delay=30.0), "name": "brief",
             "heal": {"after": 0.5}}
    later = {**_attack("relayer.delay", {"at": 1.0}, delay=30.0), "name": "long",
             "heal": {"after": 600.0}}
    assert _inconclusive_for([early, later], "brief")
    assert not _inconclusive_for([early, later], "long")


REPLAY_LATE_COPIES = {**_attack("relayer.replay", EARLY, after=1000.0),
                      "name": "replay", "heal": {"after": 2000.0}}


@pytest.mark.parametrize("stop", [
    {"kind": "node.crash", "targets": ALL, "schedule": {"at": 950.0},
     "params": {"role": "relayer"}},
    {"kind": "network.partition", "schedule": {"at": 950.0},
     "params": {"side_a": ["relayer"], "side_b": ["settlement", "validator"]}},
])
def test_replayed_copies_that_never_leave_the_relayer_test_nothing(stop):
    assert _inconclusive_for([REPLAY_LATE_COPIES, stop], "replay")
    assert not _inconclusive_for([REPLAY_LATE_COPIES], "replay")


def test_second_copies_a_full_mempool_turned_away_test_nothing():
    double = {**_attack("relayer.double_submit", EARLY), "name": "double",
              "heal": {"after": 2000.0}}
    one_way = {"workload": {"withdrawals": 0, "deposit_interval": 60.0}}
    assert _inconclusive_for([double], "double", settlement={"mempool_capacity": 1},
                             **one_way)
    assert not _inconclusive_for([double], "double", settlement={"mempool_capacity": 2},
                                 **one_way)


def test_every_round_of_a_partition_that_never_heals_is_judged():
    rounds = {**IDLE_PARTITIONS["never healed"], "schedule": {"at": 400.0, "every": 10.0,
                                                              "count": 2}}
    assert _inconclusive_for([rounds], "network.partition")


def test_a_partition_of_a_node_that_is_down_stops_nothing():
    crash = {"kind": "node.crash", "targets": {"nodes": ["relayer-0"]}, "schedule": EARLY,
             "params": {"role": "relayer"}}
    isolate = {"kind": "network.partition", "name": "isolate", "schedule": EARLY,
               "heal": {"after": 600.0}, "params": {"side_a": ["relayer-0"],
                                                      "side_b": ["settlement", "validator"]}}
    assert _inconclusive_for([crash, isolate], "isolate")
    assert not _inconclusive_for([isolate], "isolate")


@pytest.mark.parametrize("seed", [2, 3])
def test_a_replay_is_credited_to_the_round_that_set_it(seed):
    """Round 0 and round 1 strike different relayers; round 0's copies arrive after round 1
    has started and still test the attack."""
    replay = {"kind": "relayer.replay", "name": "replay", "targets": {"select": "one"},
              "schedule": {"at": 0.0, "every": 350.0, "count": 2}, "heal": {"after": 150.0},
              "params": {"after": 400.0}}
    result = run(small_scenario({"attacks": [replay]}), seed)
    assert result.inconclusive == [], result.inconclusive


def test_a_replayed_copy_refused_before_the_replay_check_tests_nothing():
    """The L2's escape hatch opens while the sequencer is halted; every replayed copy is then
    refused as `rollup_frozen`, before the gateway asks whether it was delivered."""
    import tomllib
    from pathlib import Path

    from bridgelab.scenario import parse_scenario

    path = Path(__file__).parents[2] / "attacks" / "l2-sequencer-halt-escape.toml"
    data = tomllib.loads(path.read_text())
    data["l2"]["escape_timeout"] = 600.0
    data["attacks"][0]["schedule"] = {"at": 200.0}
    data["attacks"].append({"kind": "relayer.replay", "name": "replay",
                            "schedule": {"at": 0.0}, "params": {"after": 1_500.0}})
    result = run(parse_scenario(data, str(path)), 1)
    assert any("(replay)" in reason for reason in result.inconclusive), result.inconclusive


def test_a_replay_beside_a_double_submission_on_the_same_relayers_is_tested():
    replay = {"kind": "relayer.replay", "name": "replay", "schedule": EARLY,
              "params": {"after": 5.0}}
    double = {"kind": "relayer.double_submit", "name": "double", "schedule": EARLY}
    result = run(small_scenario({"attacks": [replay, double]}), 1)
    assert result.inconclusive == [], result.inconclusive
