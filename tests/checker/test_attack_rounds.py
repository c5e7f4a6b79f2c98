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
    # A reverted forgery is the bridge's defence holding: the attack was tested.
    reverted = ("attack.failed", {"reason": "reverted", "tx": "t", "check": "unknown_lock"})
    assert _reasons(_start(0), reverted) == []


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


# -- attacks that forge with keys: tested only by a forgery of their own ---------------------

KEYS = "attack-1:key.compromise"


def _keyed(kind: str, *events: tuple[str, str, dict], grants: frozenset[str] = frozenset()
           ) -> list[str]:
    monitor = Monitor(attacks=((KEYS, kind),), key_grants=grants)
    for seq, (actor, event_kind, fields) in enumerate(events):
        monitor.observe(Event(seq, float(seq), actor, event_kind, fields))
    # (A forgery with no outcome recorded is a reason of its own, `checker/pending.py`.)
    return [reason for reason in monitor.inconclusive_reasons()
            if "of the scenario's" in reason]


def _keyed_start(kind: str) -> tuple[str, str, dict]:
    return KEYS, "fault.start", {"attack": kind, "round": 0, "heals_at": None}


SUBMIT = ("attack.submit", {"tx": "t", "nonce": 1, "amount": 1, "recipient": "attacker",
                            "signatures": 1, "signers": [0]})


def test_keys_taken_and_never_submitted_leave_the_attack_untested():
    reasons = _keyed("key.compromise", _keyed_start("key.compromise"))
    assert len(reasons) == 1 and "never submitted a forgery" in reasons[0]


def test_a_forgery_of_its_own_tests_it():
    assert _keyed("key.compromise", _keyed_start("key.compromise"), (KEYS, *SUBMIT)) == []


def test_another_attacks_forgery_does_not_test_one_that_forges_itself():
    other = "attack-2:adversary.forge"
    reasons = _keyed("key.compromise", _keyed_start("key.compromise"), (other, *SUBMIT))
    assert len(reasons) == 1 and KEYS in reasons[0]


def test_keys_handed_on_are_tested_by_a_forgery_signed_with_them():
    """A grant (`forge = false`) is tested by a forgery made after it and signed with a
    seat it took: not by one made before, nor by one that used none of its seats."""
    other = "attack-2:adversary.forge"
    took = (KEYS, "attack.compromise", {"seats": [0, 1, 2], "new": [0, 1, 2], "held": [0, 1, 2],
                                        "epoch": 0})
    with_them = (other, "attack.submit", {**SUBMIT[1], "signers": [1]})
    without = (other, "attack.submit", {**SUBMIT[1], "tx": "u", "signers": [4]})
    grants = frozenset({KEYS})
    start = _keyed_start("key.compromise")
    assert _keyed("key.compromise", start, took, with_them, grants=grants) == []
    assert len(_keyed("key.compromise", start, took, without, grants=grants)) == 1
    assert len(_keyed("key.compromise", start, with_them, took, grants=grants)) == 1
    assert len(_keyed("key.compromise", start, took, grants=grants)) == 1


def test_a_forgery_a_mempool_turned_away_tests_nothing():
    dropped = ("settlement", "tx.dropped", {"tx": "t", "reason": "mempool_full"})
    reasons = _keyed("key.compromise", _keyed_start("key.compromise"), (KEYS, *SUBMIT), dropped)
    assert len(reasons) == 1 and "never submitted a forgery" in reasons[0]


def test_a_bernoulli_draw_of_no_seat_is_a_trial():
    drew = (KEYS, "attack.failed", {"reason": "no_seats_compromised"})
    assert _keyed("key.bernoulli", _keyed_start("key.bernoulli"), drew) == []
    assert len(_keyed("key.bernoulli", _keyed_start("key.bernoulli"))) == 1


def test_too_few_endorsements_test_the_bridge_only_if_a_member_refused():
    """A member's `endorse.refused` for the forged nonce is the bridge's check holding; too
    few endorsements with no refusal at all means nobody answered."""
    start = ("fault.start", {"attack": KIND, "round": 0, "heals_at": None})
    short = ("attack.failed", {"reason": "endorsements_refused", "nonce": 7, "endorsements": []})
    refused = ("endorse.refused", {"direction": "deposit", "nonce": 7, "check": "unknown_lock"})
    assert _reasons(start, refused, short) == []
    (reason,) = _reasons(start, short)
    assert "found nothing to attack" in reason
    other_nonce = ("endorse.refused", {"direction": "deposit", "nonce": 8, "check": "x"})
    assert len(_reasons(start, other_nonce, short)) == 1
