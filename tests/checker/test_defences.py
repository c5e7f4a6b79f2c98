"""Defences as configuration: a watcher that pauses, caps and rate limits that bound a loss,
an accountant that refuses unbacked mints, a challenge window that cancels them."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab.runner import run
from bridgelab.settlement.transactions import ChallengeTx, Fee
from tests.conftest import small_scenario

THEFT = {
    "kind": "key.compromise",
    "targets": {"members": [0, 1, 2, 3, 4, 5]},
    "schedule": {"at": 60.0},
    "params": {"amount": 3_000_000},
}
WORKLOAD = {"deposits": 20, "withdrawals": 0, "deposit_interval": 2.0}


def _theft(**overrides):
    return small_scenario({"workload": WORKLOAD, "attacks": [THEFT], **overrides})


def _fixed_watcher(delay: float) -> dict:
    return {"watcher": {"enabled": True, "detection_delay": {"dist": "fixed", "value": delay}}}


def test_without_defences_the_adversary_drains_the_escrow():
    result = run(_theft(), 1)
    outcome = result.metrics["outcome"]
    assert result.verdicts["safety.supply-conservation"] == "fail"
    assert outcome["value_extracted"] > 0
    assert outcome["time_to_detect_s"] is None


def test_watcher_detects_after_its_delay_pauses_and_cuts_the_loss():
    undefended = run(_theft(), 1).metrics["outcome"]
    result = run(_theft(defences=_fixed_watcher(30.0)), 1)
    outcome = result.metrics["outcome"]
    assert outcome["time_to_detect_s"] is not None
    assert 30.0 <= outcome["time_to_detect_s"] <= 30.0 + 1e-6
    assert outcome["time_to_pause_s"] >= outcome["time_to_detect_s"]
    assert outcome["value_extracted"] < undefended["value_extracted"]


def test_per_transfer_cap_stops_a_single_large_forgery():
    single = {**THEFT, "params": {**THEFT["params"], "pacing": "single"}}
    result = run(_theft(attacks=[single], bridge={"limits": {"per_transfer_cap": 1_000_000}}), 1)
    assert all(v != "fail" for p, v in result.verdicts.items() if p.startswith("safety."))
    assert result.metrics["outcome"]["unbacked_minted_peak"] == 0


def test_per_transfer_cap_only_splits_an_adaptive_forgery():
    cap = 1_000_000
    captured = {}
    result = run(_theft(bridge={"limits": {"per_transfer_cap": cap}}), 1, keep_history=True,
                 setup=lambda b: captured.setdefault("h", b.world.history))
    forged = [e.fields["amount"] for e in captured["h"].events
              if e.kind == "mint" and e.fields["nonce"] >= 1_000_000_000]
    assert result.verdicts["safety.supply-conservation"] == "fail"
    assert sum(forged) == THEFT["params"]["amount"] and max(forged) <= cap
    assert not [e for e in captured["h"].events
                if e.kind == "tx.reverted" and e.fields["check"] == "per_transfer_cap"]
    assert result.metrics["outcome"]["value_extracted"] > 0


def test_rate_limit_and_watcher_bound_a_repeated_forgery():
    # Generous for honest traffic (20 deposits of at most 1,000,000), tight for the thief.
    capacity, rate = 25_000_000, 20_000.0
    attack = {**THEFT, "params": {"amount": 5_000_000, "attempts": 30, "retry_every": 15.0}}
    scenario = small_scenario({
        "workload": WORKLOAD,
        "attacks": [attack],
        "bridge": {"limits": {"rate_capacity": capacity, "rate_per_second": rate}},
        "defences": _fixed_watcher(120.0),
    })
    result = run(scenario, 2)
    outcome = result.metrics["outcome"]
    assert outcome["unbacked_minted_peak"] > 0
    assert outcome["time_to_pause_s"] is not None
    # Everything the forgeries minted fits through the bucket before the pause landed.
    window = outcome["time_to_pause_s"] + scenario.settlement.slot_time
    assert outcome["unbacked_minted_peak"] <= capacity + rate * window


def test_accountant_refuses_a_mint_beyond_what_is_locked():
    captured = {}
    single = {**THEFT, "params": {**THEFT["params"], "pacing": "single"}}
    result = run(_theft(attacks=[single], defences={"accountant": True}), 1, keep_history=True,
                 setup=lambda b: captured.setdefault("h", b.world.history))
    checks = [e.fields["check"] for e in captured["h"].events if e.kind == "tx.reverted"]
    assert "accountant" in checks
    assert all(v != "fail" for p, v in result.verdicts.items() if p.startswith("safety."))


def test_accountant_headroom_is_what_an_adaptive_forger_takes():
    # Keys taken while honest deposits are in flight: their locks are in the escrow's books
    # but not yet minted, and the adaptive adversary fits its forgeries into that headroom.
    captured = {}
    early = {**THEFT, "schedule": {"at": 10.0}}
    result = run(_theft(attacks=[early], defences={"accountant": True}), 1, keep_history=True,
                 setup=lambda b: captured.setdefault("h", b.world.history))
    events = captured["h"].events
    forged = [e for e in events if e.kind == "mint" and e.fields["nonce"] >= 10**9]
    # The adversary's own transactions are named after the attack (`attack-0:...`).
    refused = [e for e in events
               if e.kind == "tx.reverted" and e.fields["tx"].startswith("attack-0:")]
    assert forged and not refused
    assert result.verdicts["safety.mint-backed-by-final-lock"] == "fail"


def test_challenge_window_cancels_a_mint_with_no_lock_behind_it():
    captured = {}
    defences = {"challenge_window": 120.0, "watcher": {"enabled": True}}
    result = run(_theft(defences=defences), 1, keep_history=True,
                 setup=lambda b: captured.setdefault("h", b.world.history))
    events = captured["h"].events
    challenged = [e.fields["nonce"] for e in events if e.kind == "mint.challenged"]
    assert challenged and all(nonce >= 1_000_000_000 for nonce in challenged)
    assert all(v != "fail" for p, v in result.verdicts.items() if p.startswith("safety."))
    # Honest deposits still arrive, one challenge window late.
    assert result.verdicts["liveness.deposits-minted"] == "pass"
    assert result.metrics["deposit_latency_s"]["min"] >= 120.0


def test_a_relayer_delivers_again_a_genuine_mint_a_challenge_cancelled():
    # A watcher that wrongly challenges one honest queued mint: the certificate is genuine, so
    # the relayer that carried it submits it again once it sees the mint left the queue.
    captured: dict = {}

    def wrongful_challenge(bridge):
        captured["bridge"] = bridge
        settlement = bridge.settlement

        def on_block(_block):
            # Late in the window, when the relayer has long seen its mint queued.
            now = bridge.world.now
            due = [nonce for nonce, item in settlement.bridge.delayed.items()
                   if item.due - now <= 30.0]
            if "victim" not in captured and due:
                captured["victim"] = due[0]
                settlement.submit(ChallengeTx("watcher/wrong", "watcher", now,
                                              Fee(50_000, 10**12), due[0]))

        settlement.on_block.append(on_block)

    # A window longer than the back-up delay: the back-ups found the mint queued and left it.
    window = 600.0
    scenario = small_scenario({"workload": WORKLOAD, "defences": {"challenge_window": window}})
    result = run(scenario, 1, keep_history=True, setup=wrongful_challenge)
    events = captured["bridge"].world.history.events
    victim = captured["victim"]
    challenged = [e for e in events if e.kind == "mint.challenged"]
    assert [e.fields["nonce"] for e in challenged] == [victim]
    assert [e.fields["nonce"] for e in events if e.kind == "relay.requeue"] == [victim]
    queued = [e.time for e in events if e.kind == "mint.queued" and e.fields["nonce"] == victim]
    minted = [e.time for e in events if e.kind == "mint" and e.fields["nonce"] == victim]
    # Queued twice (once before the challenge, once after), minted once, a window later.
    assert len(queued) == 2 and len(minted) == 1
    assert queued[1] > challenged[0].time and minted[0] >= queued[1] + window
    assert result.verdicts["liveness.deposits-minted"] == "pass"
    assert all(v != "fail" for p, v in result.verdicts.items() if p.startswith("safety."))


def test_a_delay_nobody_watches_only_postpones_an_adaptive_forgery():
    # Every mint waits 600 s (threshold 1: no forgery can dodge it) and no watcher cancels
    # anything: the adversary waits the delay out and its forgery executes.
    captured = {}
    scenario = _theft(bridge={"limits": {"delay_threshold": 1, "delay": 600.0}})
    result = run(scenario, 1, keep_history=True,
                 setup=lambda b: captured.setdefault("h", b.world.history))
    events = captured["h"].events
    queued = [e for e in events if e.kind == "mint.queued" and e.fields["nonce"] >= 10**9]
    executed = [e for e in events if e.kind == "mint" and e.fields["nonce"] >= 10**9]
    assert queued and executed
    assert min(e.time for e in executed) >= THEFT["schedule"]["at"] + 600.0
    assert result.verdicts["safety.mint-backed-by-final-lock"] == "fail"


def test_an_adaptive_forger_gives_up_once_its_queued_forgery_is_challenged():
    captured = {}
    defences = {"challenge_window": 120.0, "watcher": {"enabled": True}}
    result = run(_theft(defences=defences), 1, keep_history=True,
                 setup=lambda b: captured.setdefault("h", b.world.history))
    events = captured["h"].events
    challenged = [e for e in events if e.kind == "mint.challenged"]
    submitted = [e for e in events if e.kind == "attack.submit"]
    assert challenged and len(submitted) == len(challenged) == 1
    assert all(v != "fail" for p, v in result.verdicts.items() if p.startswith("safety."))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cap=st.none() | st.integers(100_000, 2_000_000),
       bucket=st.none() | st.tuples(st.integers(200_000, 3_000_000), st.sampled_from([0.0, 5e3])),
       threshold=st.none() | st.integers(2, 2_500_000))
def test_the_contract_never_refuses_an_adaptive_forgery_for_its_limits(cap, bucket, threshold):
    limits: dict = {"per_transfer_cap": cap, "delay_threshold": threshold, "delay": 300.0}
    if bucket is not None:
        limits.update(rate_capacity=bucket[0], rate_per_second=bucket[1])
    captured = {}
    scenario = _theft(bridge={"limits": {k: v for k, v in limits.items() if v is not None}},
                      workload={"deposits": 0, "withdrawals": 0})
    run(scenario, 1, keep_history=True, setup=lambda b: captured.setdefault("h", b.world.history))
    events = captured["h"].events
    refused = [e.fields["check"] for e in events
               if e.kind == "tx.reverted" and e.fields["tx"].startswith("attack-0:")]
    assert not refused
    forged = [e.fields["amount"] for e in events if e.kind == "attack.submit"]
    assert forged and sum(forged) <= THEFT["params"]["amount"]
    assert cap is None or max(forged) <= cap
