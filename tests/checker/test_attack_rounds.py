"""An attack is tested only by a round that did not end finding nothing to attack: the
checker reads that from the attack's own `attack.failed` records (`tested: false`)."""

from __future__ import annotations

from bridgelab.checker.monitor import Monitor
from bridgelab.core.history import Event

ACTOR, KIND = "attack-0:forge.unbound_digest", "forge.unbound_digest"


def _reasons(*events: tuple[str, dict]) -> list[str]:
    monitor = Monitor(attacks=((ACTOR, KIND),))
    for seq, (kind, fields) in enumerate(events):
        monitor.observe(Event(seq, float(seq), ACTOR, kind, fields))
    return [reason for reason in monitor.inconclusive_reasons() if "attack" in reason]


def _start(round_: int) -> tuple[str, dict]:
    return "fault.start", {"attack": KIND, "round": round_, "heals_at": None}


IDLE = ("attack.failed", {"reason": "no_certificate_seen", "tested": False})


def test_an_attack_that_never_started_is_untested():
    assert _reasons() == ["none of the scenario's 1 attack(s) started: the run tested none"
                          " of them"]


def test_every_round_finding_nothing_leaves_the_attack_untested():
    reasons = _reasons(_start(0), IDLE, _start(1), IDLE)
    assert len(reasons) == 1 and "found nothing to attack in any round" in reasons[0]
    assert ACTOR in reasons[0]


def test_one_round_that_found_something_tests_it():
    assert _reasons(_start(0), IDLE, _start(1)) == []


def test_a_failure_that_tested_the_bridge_counts_as_tested():
    # A refused endorsement is the bridge's defence holding: the attack was tested.
    refused = ("attack.failed", {"reason": "endorsements_refused"})
    assert _reasons(_start(0), refused) == []


def test_two_attacks_of_one_name_are_told_apart_by_kind():
    """One name, two kinds: one acted, the other found nothing. The one that acted does not
    stand for the other (the idle round names its kind)."""
    other = "forge.empty_certificate"
    monitor = Monitor(attacks=((ACTOR, KIND), (ACTOR, other)))
    events = [("fault.start", {"attack": KIND, "round": 0, "heals_at": None}),
              ("fault.start", {"attack": other, "round": 0, "heals_at": None}),
              ("attack.failed", {"reason": "no_certificate_seen", "attack": KIND,
                                 "tested": False})]
    for seq, (kind, fields) in enumerate(events):
        monitor.observe(Event(seq, float(seq), ACTOR, kind, fields))
    reasons = [r for r in monitor.inconclusive_reasons() if "found nothing" in r]
    assert len(reasons) == 1 and "1 of the scenario's 2 attacks" in reasons[0]
