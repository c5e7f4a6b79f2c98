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
    return [reason for reason in result.inconclusive if "struck no message" in reason]


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


def test_only_a_struck_relayers_record_of_the_attacks_own_harm_counts():
    rounds = AttackRounds()
    rounds.start("delay", "relayer.delay", ["relayer-0"])
    rounds.start("reorder", "relayer.reorder", ["relayer-0"])
    rounds.start("replay", "relayer.replay", ["relayer-1"])
    rounds.harm("relayer-0", "relay.replay", None)  # not a relayer the replay struck
    rounds.harm("relayer-0", "relay.held", "jitter")  # the reorder's harm, not the delay's
    assert not rounds.tested("replay", "relayer.replay")
    assert not rounds.tested("delay", "relayer.delay")
    assert rounds.tested("reorder", "relayer.reorder")
    assert rounds.never_struck("delay", "relayer.delay")
    assert not rounds.never_forged("delay", "relayer.delay")
    rounds.harm("relayer-1", "relay.replay", None)
    assert rounds.tested("replay", "relayer.replay")


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
