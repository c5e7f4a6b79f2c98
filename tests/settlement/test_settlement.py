"""Settlement realism: the EIP-1559 rule, congestion, reorgs against confirmation depth,
and the contract's outflow limits."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.protocol.limits import TokenBucket
from bridgelab.runner import run
from bridgelab.settlement.fees import GWEI, effective_tip, next_base_fee
from tests.conftest import small_scenario

GAS_LIMIT = 30_000_000
TARGET = GAS_LIMIT // 2


def test_base_fee_update_rule_matches_eip1559_for_a_sequence_of_fullnesses():
    # Fullness as a fraction of the gas limit, block by block.
    fullness = [1.0, 1.0, 1.0, 0.5, 0.0, 0.75, 0.25, 1.0, 0.0, 0.0, 0.6, 0.5]
    base_fee = 10 * GWEI
    for fraction in fullness:
        used = int(GAS_LIMIT * fraction)
        # The specification's arithmetic, written out independently.
        if used == TARGET:
            expected = base_fee
        elif used > TARGET:
            expected = base_fee + max(1, base_fee * (used - TARGET) // TARGET // 8)
        else:
            expected = base_fee - base_fee * (TARGET - used) // TARGET // 8
        got = next_base_fee(base_fee, used, GAS_LIMIT)
        assert got == expected
        base_fee = got
    # Three full blocks raise it by 12.5% each, an empty one lowers it by 12.5%.
    assert next_base_fee(8 * GWEI, GAS_LIMIT, GAS_LIMIT) == 9 * GWEI
    assert next_base_fee(8 * GWEI, 0, GAS_LIMIT) == 7 * GWEI
    assert next_base_fee(8 * GWEI, TARGET, GAS_LIMIT) == 8 * GWEI


def test_effective_tip():
    assert effective_tip(10, 9, 5) is None
    assert effective_tip(10, 12, 5) == 2
    assert effective_tip(10, 100, 5) == 5


def _block_fees(result_history):
    return [(e.time, e.fields["base_fee"]) for e in result_history if e.kind == "settlement.block"]


def test_demand_spike_raises_the_base_fee_and_bridge_transactions_wait_longer():
    demand = {"gas_per_slot": 14_000_000, "max_fee_median_gwei": 20.0}
    calm = small_scenario({"settlement": {"demand": demand},
                           "workload": {"deposits": 40, "withdrawals": 0}})
    spiked = small_scenario({
        "settlement": {"demand": {**demand, "spikes": [
            {"start": 30.0, "end": 300.0, "factor": 5.0, "priority_factor": 5.0}]}},
        "workload": {"deposits": 40, "withdrawals": 0},
    })
    captured = {}

    def keep(name):
        def setup(bridge):
            captured[name] = bridge.world.history
        return setup

    calm_result = run(calm, 3, keep_history=True, setup=keep("calm"))
    spiked_result = run(spiked, 3, keep_history=True, setup=keep("spiked"))
    calm_fees = [fee for t, fee in _block_fees(captured["calm"].events) if 200 < t < 400]
    spike_fees = [fee for t, fee in _block_fees(captured["spiked"].events) if 200 < t < 400]
    assert max(spike_fees) > 2 * max(calm_fees)
    during = lambda r: r.metrics["deposit_latency_s"]["p95"]  # noqa: E731
    assert during(spiked_result) > during(calm_result)
    assert spiked_result.exit_code == calm_result.exit_code == 0
    # Full blocks raise the fee block by block, never more than 12.5% at a time.
    fees = [fee for _t, fee in _block_fees(captured["spiked"].events)]
    assert all(b <= a * 1.125 + 1 for a, b in itertools.pairwise(fees))


def _reorg_scenario(confirmations: int, probability: float, max_depth: int):
    return small_scenario({
        "settlement": {
            "finality_slots": 8,
            "confirmations": confirmations,
            "reorgs": {"probability": probability, "max_depth": max_depth},
        },
        "workload": {"deposits": 30, "withdrawals": 30},
    })


def _endorsed_burns_reverted(history) -> list[int]:
    endorsed: set[int] = set()
    reverted: list[int] = []
    for event in history.events:
        if event.kind == "endorse" and event.fields["direction"] == "withdrawal":
            endorsed.add(event.fields["nonce"])
        elif event.kind == "settlement.reorg":
            reverted += [item["nonce"] for item in event.fields["reverted"]
                         if item["kind"] == "burn" and item["nonce"] in endorsed]
    return reverted


def test_reorg_deeper_than_confirmations_reverts_a_burn_the_committee_saw():
    captured = {}

    def setup(bridge):
        captured["history"] = bridge.world.history
        chain = bridge.settlement
        env = bridge.world.env

        def deep_reorgs():
            # Every minute, a 4-block reorg: deeper than the 2 confirmations relied on.
            while True:
                yield env.timeout(60.0)
                chain.reorg(4, cause="test")

        env.process(deep_reorgs())

    result = run(_reorg_scenario(2, 0.0, 4), 1, keep_history=True, setup=setup)
    assert _endorsed_burns_reverted(captured["history"])
    assert result.verdicts["safety.release-backed-by-final-burn"] == "fail"
    assert any("reverted by a reorg" in v["detail"] for v in result.violations)


def test_confirmations_above_reorg_depth_never_revert_a_seen_burn():
    for seed in range(1, 6):
        captured: dict = {}

        def setup(bridge, captured=captured):
            captured["history"] = bridge.world.history

        result = run(_reorg_scenario(6, 0.3, 4), seed, keep_history=True, setup=setup)
        reorgs = [e for e in captured["history"].events if e.kind == "settlement.reorg"]
        assert reorgs, "the scenario must actually reorg"
        assert _endorsed_burns_reverted(captured["history"]) == []
        assert not any("reverted by a reorg" in v["detail"] for v in result.violations)
        assert result.verdicts["safety.supply-conservation"] == "pass"


def test_reorged_mints_are_reminted_without_double_counting():
    result = run(_reorg_scenario(8, 0.3, 4), 2)
    assert result.metrics["transfers"]["deposits_submitted"] == 30
    assert result.verdicts["safety.no-double-mint"] == "pass"
    assert result.verdicts["liveness.deposits-minted"] == "pass"
    assert result.verdicts["safety.supply-conservation"] == "pass"


@settings(max_examples=200, deadline=None)
@given(
    capacity=st.integers(1, 10_000),
    rate=st.floats(0, 500, allow_nan=False),
    requests=st.lists(
        st.tuples(st.floats(0, 50, allow_nan=False), st.integers(1, 5_000)), max_size=60
    ),
)
def test_rate_limit_admits_at_most_capacity_plus_rate_times_window(capacity, rate, requests):
    bucket = TokenBucket.full(capacity, rate)
    now = 0.0
    admitted: list[tuple[float, int]] = []
    for gap, amount in requests:
        now += gap
        if bucket.try_take(now, amount):
            admitted.append((now, amount))
    for i, (start, _) in enumerate(admitted):
        total = 0
        for when, amount in admitted[i:]:
            total += amount
            assert total <= capacity + rate * (when - start) + 1e-6


def _reference_level(capacity: int, rate: float, takes: list[tuple[float, int]],
                     now: float) -> float:
    """The bucket's level at `now` had only `takes` (time, amount) ever happened."""
    level, updated = float(capacity), 0.0
    for when, amount in takes:
        level = min(float(capacity), level + rate * (when - updated)) - amount
        updated = when
    return min(float(capacity), level + rate * (now - updated))


@settings(max_examples=300, deadline=None)
@given(
    capacity=st.integers(1, 10_000),
    rate=st.floats(0, 500, allow_nan=False),
    steps=st.lists(
        st.tuples(st.booleans(), st.floats(0, 50, allow_nan=False), st.integers(1, 5_000)),
        max_size=60,
    ),
)
def test_giving_back_the_newest_takes_leaves_the_bucket_as_if_they_never_happened(
    capacity, rate, steps
):
    # A reorg undoes the newest transactions first: each undo gives back the latest take
    # still standing. The bucket must then be what the standing takes alone would leave.
    bucket = TokenBucket.full(capacity, rate)
    now = 0.0
    standing: list[tuple[float, int]] = []
    for undo, gap, amount in steps:
        now += gap
        if undo and standing:
            _when, taken = standing.pop()
            bucket.give_back(now, taken)
        elif not undo and bucket.try_take(now, amount):
            standing.append((now, amount))
        assert 0.0 <= bucket.level <= capacity + 1e-9
        bucket.refill(now)
        expected = _reference_level(capacity, rate, standing, now)
        assert abs(bucket.level - expected) <= 1e-6 * max(1.0, capacity)


def test_undoing_a_mint_returns_its_tokens_but_a_queued_mint_coming_due_took_none():
    from bridgelab.core.rng import Streams
    from bridgelab.custody.multisig import MultisigCustody
    from bridgelab.protocol.messages import BridgeMessage
    from bridgelab.protocol.verifier import VerifierConfig
    from bridgelab.settlement.bridge_contract import (
        BridgeState,
        Limits,
        MintEvent,
        MintQueued,
        due_nonces,
        process_due_mint,
        process_mint,
        undo_mint,
        undo_queue,
    )
    from bridgelab.settlement.transactions import Fee, MintTx

    custody = MultisigCustody(Streams(1), 4, 3, ())
    root = custody.trust_root(1)

    def certificate(nonce: int, amount: int):
        message = BridgeMessage("deposit", nonce, "A", amount, "u", "u", "consortium:escrow", 1,
                                bytes(32))
        digest = message.digest(root.version)
        return custody.assemble(message, root.version,
                                {seat: custody.endorse(seat, digest) for seat in range(3)})

    state = BridgeState(root, VerifierConfig(), "consortium:escrow",
                        Limits(delay_threshold=500, delay=100.0), TokenBucket.full(1_000, 0.0))
    small = process_mint(state, MintTx("t0", "r", 0.0, Fee(0, 0), certificate(0, 300)), 1.0)
    assert isinstance(small, MintEvent) and state.bucket.level == 700
    large = process_mint(state, MintTx("t1", "r", 0.0, Fee(0, 0), certificate(1, 600)), 2.0)
    assert isinstance(large, MintQueued) and state.bucket.level == 100
    (nonce,) = due_nonces(state, 150.0)
    due, item = process_due_mint(state, nonce, 150.0)
    # A reorg of the block where the queued mint came due puts it back in the queue: its
    # tokens were taken when it was queued and stay taken.
    undo_mint(state, due, 160.0, admitted=False)
    state.delayed[due.nonce] = item
    assert state.bucket.level == 100
    undo_queue(state, large, 160.0)
    undo_mint(state, small, 160.0)
    assert state.bucket.level == 1_000 and not state.delayed and not state.minted_nonces


def test_per_transfer_cap_and_rate_limit_bound_the_minted_value():
    scenario = small_scenario({
        "bridge": {"limits": {"per_transfer_cap": 600_000, "rate_capacity": 2_000_000,
                              "rate_per_second": 2_000.0}},
        "workload": {"deposits": 30, "withdrawals": 0, "deposit_interval": 2.0},
    })
    captured = {}

    def setup(bridge):
        captured["history"] = bridge.world.history

    run(scenario, 5, keep_history=True, setup=setup)
    events = captured["history"].events
    checks = [e.fields["check"] for e in events if e.kind == "tx.reverted"]
    assert "per_transfer_cap" in checks
    mints = [(e.time, e.fields["amount"]) for e in events if e.kind == "mint"]
    assert all(amount <= 600_000 for _t, amount in mints)
    for i, (start, _) in enumerate(mints):
        total = 0
        for when, amount in mints[i:]:
            total += amount
            assert total <= 2_000_000 + 2_000.0 * (when - start) + 1e-6


def test_large_transfers_wait_in_the_delay_queue():
    scenario = small_scenario({
        "bridge": {"limits": {"delay_threshold": 500_000, "delay": 300.0}},
        "workload": {"deposits": 20, "withdrawals": 0},
    })
    captured = {}

    def setup(bridge):
        captured["history"] = bridge.world.history

    result = run(scenario, 6, keep_history=True, setup=setup)
    events = captured["history"].events
    queued = {e.fields["nonce"]: e.time for e in events if e.kind == "mint.queued"}
    delayed = {
        e.fields["nonce"]: e.time for e in events if e.kind == "mint" and e.fields["delayed"]
    }
    assert queued and set(queued) == set(delayed)
    assert all(delayed[nonce] - queued[nonce] >= 300.0 for nonce in queued)
    assert result.verdicts["liveness.deposits-minted"] == "pass"
    # The queued deposits' latency includes the whole delay.
    assert result.metrics["deposit_latency_s"]["max"] >= 300.0


def test_relayers_stop_bidding_when_their_gas_budget_runs_out():
    # 0.003 ETH at ~10 gwei and ~95k gas per mint pays for a couple of mints, not twenty.
    scenario = small_scenario({"relayers": {"gas_budget_eth": 0.003},
                               "workload": {"deposits": 20, "withdrawals": 0}})
    captured = {}
    result = run(scenario, 1, keep_history=True,
                 setup=lambda b: captured.setdefault("bridge", b))
    out_of_funds = [e for e in captured["bridge"].world.history.events
                    if e.kind == "relayer.out_of_funds"]
    assert out_of_funds
    spent = captured["bridge"].settlement.fees_by_sender
    for relayer in captured["bridge"].relayers:
        assert spent.get(relayer.node, 0) <= 0.003 * 10**18
    assert result.verdicts["liveness.deposits-minted"] == "fail"
    assert all(v != "fail" for p, v in result.verdicts.items() if p.startswith("safety."))


def test_only_the_guardian_pauses_and_only_the_admin_upgrades():
    import pytest

    from bridgelab.core.rng import Streams
    from bridgelab.custody.multisig import MultisigCustody
    from bridgelab.protocol.revert import Revert
    from bridgelab.protocol.verifier import VerifierConfig
    from bridgelab.settlement.bridge_contract import (
        BridgeState,
        process_burn,
        process_pause,
        process_upgrade,
    )
    from bridgelab.settlement.transactions import BurnTx, Fee, PauseTx, UpgradeTx

    free = Fee(0, 0)

    state = BridgeState(MultisigCustody(Streams(1), 4, 3, ()).trust_root(1), VerifierConfig(),
                        "consortium:escrow")
    state.balances[("u", "A")] = 10
    with pytest.raises(Revert) as refused:
        process_pause(state, PauseTx("p0", "mallory", 0.0, free, True))
    assert refused.value.check == "only_guardian"
    assert process_pause(state, PauseTx("p1", "guardian", 0.0, free, True)) is True
    with pytest.raises(Revert) as paused:
        process_burn(state, BurnTx("b", "u", 0.0, free, "A", 5, "u"))
    assert paused.value.check == "paused"
    assert process_pause(state, PauseTx("p2", "guardian", 0.0, free, False)) is False
    assert process_burn(state, BurnTx("b", "u", 0.0, free, "A", 5, "u")).amount == 5
    with pytest.raises(Revert) as not_admin:
        process_upgrade(state, UpgradeTx("u0", "guardian", 0.0, free,
                                         VerifierConfig(threshold_override=1)))
    assert not_admin.value.check == "only_admin"
    process_upgrade(state, UpgradeTx("u1", "admin", 0.0, free,
                                     VerifierConfig(threshold_override=1)))
    assert state.verifier.threshold_override == 1
