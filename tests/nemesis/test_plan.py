"""The adaptive adversary's planner (`nemesis.plan`): every forgery it proposes is one the
contract admits, it waits for a refill rather than be reverted, stops when paused, and
reaches its target when time is not short."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.nemesis import bound, plan
from bridgelab.protocol.limits import TokenBucket


@st.composite
def limits(draw) -> plan.Limits:
    cap = draw(st.none() | st.integers(1, 2_000_000))
    capacity = draw(st.none() | st.integers(1, 5_000_000))
    rate = draw(st.sampled_from([0.0, 0.5, 17.0, 1_000.0, 250_000.0]))
    threshold = draw(st.none() | st.integers(1, 3_000_000))
    delay = draw(st.sampled_from([0.0, 60.0, 86_400.0]))
    return plan.Limits(cap, capacity, rate if capacity is not None else 0.0, threshold, delay)


@st.composite
def views(draw, limits_: plan.Limits) -> plan.View:
    now = draw(st.floats(0.0, 1e6, allow_nan=False))
    bucket = None
    if limits_.bucket_capacity is not None:
        capacity = limits_.bucket_capacity
        level = draw(st.floats(0.0, float(capacity), allow_nan=False))
        updated = draw(st.floats(0.0, now, allow_nan=False))
        bucket = TokenBucket(capacity, limits_.bucket_rate, level, updated)
    headroom = draw(st.none() | st.integers(0, 10_000_000))
    return plan.View(now, False, bucket, headroom)


def _admits(limits_: plan.Limits, view: plan.View, forgery: plan.Forgery, in_flight: int) -> bool:
    """What the contract does with the forgery after the in-flight ones took their tokens."""
    if limits_.per_transfer_cap is not None and forgery.amount > limits_.per_transfer_cap:
        return False
    if view.headroom is not None and forgery.amount + in_flight > view.headroom:
        return False
    if view.bucket is not None:
        bucket = view.bucket.copy()
        if in_flight and not bucket.try_take(view.now, in_flight):
            return False
        if not bucket.try_take(view.now, forgery.amount):
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(data=st.data(), limits_=limits(), remaining=st.integers(1, 20_000_000),
       left=st.integers(1, 200), in_flight=st.integers(0, 3_000_000))
def test_a_proposed_forgery_is_one_the_contract_admits(data, limits_, remaining, left, in_flight):
    view = data.draw(views(limits_))
    if view.bucket is not None:
        in_flight = min(in_flight, view.bucket.capacity)
    decision = plan.next_forgery(limits_, view, remaining, left, in_flight)
    if not isinstance(decision, plan.Forgery):
        return
    assert 1 <= decision.amount <= remaining
    assert _admits(limits_, view, decision, in_flight)
    threshold = limits_.delay_threshold
    assert decision.queued == (threshold is not None and decision.amount >= threshold)
    if decision.queued:
        # The delay is accepted only when forgeries below it are dust or too few.
        assert not plan.dodges_delay(limits_, remaining, left)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), limits_=limits(), remaining=st.integers(1, 20_000_000),
       left=st.integers(1, 200))
def test_a_wait_for_the_bucket_ends_when_a_worthwhile_forgery_fits(data, limits_, remaining,
                                                                   left):
    view = data.draw(views(limits_))
    view = plan.View(view.now, False, view.bucket, None)
    decision = plan.next_forgery(limits_, view, remaining, left)
    if not isinstance(decision, plan.Wait):
        return
    assert decision.reason == "rate_limit" and decision.until > view.now
    later = plan.next_forgery(limits_, plan.View(decision.until, False, view.bucket), remaining,
                              left)
    assert isinstance(later, plan.Forgery)
    assert _admits(limits_, plan.View(decision.until, False, view.bucket), later, 0)


@given(limits_=limits(), remaining=st.integers(1, 10**9), left=st.integers(1, 100))
def test_nothing_is_sent_into_a_paused_bridge(limits_, remaining, left):
    bucket = None
    if limits_.bucket_capacity is not None:
        bucket = TokenBucket.full(limits_.bucket_capacity, limits_.bucket_rate)
    assert plan.next_forgery(limits_, plan.View(10.0, True, bucket), remaining, left) is None


def _campaign(limits_: plan.Limits, target: int, forgeries: int) -> tuple[list[int], float]:
    """Drive the planner against a contract bucket with no other traffic: amounts, last time."""
    bucket = (TokenBucket.full(limits_.bucket_capacity, limits_.bucket_rate)
              if limits_.bucket_capacity is not None else None)
    now, sent, last = 0.0, [], 0.0
    for _ in range(4 * forgeries + 64):
        view = plan.View(now, False, bucket.copy() if bucket is not None else None)
        decision = plan.next_forgery(limits_, view, target - sum(sent), forgeries - len(sent))
        if decision is None:
            break
        if isinstance(decision, plan.Wait):
            assert decision.until > now
            now = decision.until
            continue
        assert bucket is None or bucket.try_take(now, decision.amount), "reverted: rate_limited"
        sent.append(decision.amount)
        last = now
    return sent, last


@settings(max_examples=150, deadline=None)
@given(limits_=limits(), multiple=st.floats(0.01, 12.0))
def test_with_time_and_forgeries_enough_the_total_reaches_the_target(limits_, multiple):
    hard = min([b for b in (limits_.per_transfer_cap, limits_.bucket_capacity) if b] or [10**6])
    target = max(1, int(hard * multiple))
    forgeries = 2_000
    sent, last = _campaign(limits_, target, forgeries)
    if limits_.bucket_capacity is not None and limits_.bucket_rate == 0:
        assert sum(sent) == min(target, limits_.bucket_capacity)
    else:
        assert sum(sent) == target
        expected = plan.time_to_target(limits_, target, forgeries)
        assert expected is not None
        if expected < plan.MAX_CAMPAIGN_SECONDS:  # reported up to a year
            assert last <= expected + 1e-3 * max(1.0, expected)
    cap = limits_.per_transfer_cap
    assert all(amount <= cap for amount in sent) if cap else True
    # Sized to the limits (the delay threshold too, when dodged), not split into dust.
    size, _ = plan.size_limit(limits_, target, forgeries)
    assert len(sent) <= 10 * math.ceil(target / size) + 10


@settings(max_examples=200, deadline=None)
@given(limits_=limits(), target=st.integers(1, 50_000_000), forgeries=st.integers(1, 30))
def test_a_campaign_never_sends_more_than_its_target_or_its_forgeries(limits_, target,
                                                                       forgeries):
    sent, _ = _campaign(limits_, target, forgeries)
    assert sum(sent) <= target and len(sent) <= forgeries


@given(target=st.integers(1, 10**12), forgeries=st.integers(1, 1_000))
def test_the_naive_split_sums_to_the_target_in_near_equal_parts(target, forgeries):
    parts = plan.split_evenly(target, forgeries)
    assert sum(parts) == target and 1 <= len(parts) <= forgeries
    assert max(parts) - min(parts) <= 1 and min(parts) >= 1


def test_a_cap_splits_the_target_and_the_delay_is_dodged_while_it_can_be():
    capped = plan.Limits(per_transfer_cap=1_000_000, delay_threshold=600_000, delay=3_600.0)
    view = plan.View(0.0)
    forgery = plan.next_forgery(capped, view, 4_500_000, 100)
    assert forgery == plan.Forgery(599_999, False)
    # Two forgeries left cannot make 4.5M below the threshold: accept the delay, at the cap.
    assert plan.next_forgery(capped, view, 4_500_000, 2) == plan.Forgery(1_000_000, True)
    # Nor is dodging worth it when only dust fits below the threshold.
    dusty = plan.Limits(per_transfer_cap=1_000_000, delay_threshold=50_000, delay=3_600.0)
    assert plan.next_forgery(dusty, view, 4_500_000, 100) == plan.Forgery(1_000_000, True)
    # A challenge window queues everything (threshold 1): nothing can dodge it.
    window = plan.Limits(delay_threshold=1, delay=600.0)
    assert plan.next_forgery(window, view, 10, 5) == plan.Forgery(10, True)


def test_the_accountant_headroom_bounds_a_forgery_and_an_empty_one_waits():
    view = plan.View(5.0, headroom=300)
    assert plan.next_forgery(plan.Limits(), view, 1_000, 1) == plan.Forgery(300, False)
    empty = plan.next_forgery(plan.Limits(), plan.View(5.0, headroom=0), 1_000, 1, poll=12.0)
    assert empty == plan.Wait(17.0, "accountant")


# -- the configured bound and the probe's horizon (`nemesis.bound`) ---------------------------


def _bounded_scenario(limits: dict, watcher: dict | None = None):
    from tests.conftest import small_scenario

    overrides: dict = {"bridge": {"limits": limits}}
    if watcher is not None:
        overrides["defences"] = {"watcher": {"enabled": True, **watcher}}
    return small_scenario(overrides)


def test_without_a_pausing_watcher_nothing_bounds_an_incident():
    capped = bound.loss_bound(_bounded_scenario({"per_transfer_cap": 1_000}))
    assert capped["bounded"] is False and capped["at"] == {}
    frozen = bound.loss_bound(_bounded_scenario({"rate_capacity": 5_000, "rate_per_second": 0}))
    assert frozen["bounded"] is True and frozen["at"]["never"]["bound"] == 5_000


def test_the_bound_is_the_cap_times_transfers_or_the_bucket_before_the_pause():
    scenario = _bounded_scenario(
        {"per_transfer_cap": 1_000, "rate_capacity": 10**9, "rate_per_second": 100.0},
        {"detection_delay": {"dist": "fixed", "value": 300.0}},
    )
    slot = scenario.settlement.slot_time
    result = bound.loss_bound(scenario)
    worst = result["at"]["max"]
    seconds = 300.0 + 2 * slot
    assert worst["time_to_pause"] == seconds == result["at"]["p50"]["time_to_pause"]
    per_block = scenario.settlement.gas_limit // bound.MIN_MINT_GAS
    assert worst["by_cap"] == 1_000 * per_block * (int(seconds // slot) + 1)
    assert worst["by_rate"] == 10**9 + int(100.0 * seconds)
    assert worst["bound"] == min(worst["by_cap"], worst["by_rate"]) and result["bounded"]


@given(median=st.floats(1.0, 10_000.0), sigma=st.floats(0.0, 3.0), cap=st.floats(1.0, 1e6))
def test_detection_quantiles_are_ordered_and_capped(median, sigma, cap):
    from bridgelab.scenario.base import LogNormal

    latency = LogNormal(dist="lognormal", median=median, sigma=sigma, cap=cap)
    p50, p99, top = (bound.quantile(latency, q) for q in (0.5, 0.99, 1.0))
    assert p50 == min(cap, median) and p50 <= p99 <= top == cap


def test_the_probe_runs_long_enough_for_the_bucket_to_refill():
    rated = plan.Limits(bucket_capacity=1_000_000, bucket_rate=2_000.0)
    forgeries = plan.forgeries_needed(rated, 10_000_000, 64)
    horizon = bound.probe_horizon(rated, 10_000_000, forgeries, 12.0)
    refills = bound.PROBE_REFILLS * 1_000_000 / 2_000.0
    assert horizon == refills + bound.PROBE_SETTLE_SLOTS * 12.0
    # A delay that cannot be dodged (a challenge window queues everything) is waited out.
    window = plan.Limits(delay_threshold=1, delay=7 * 86_400.0)
    assert bound.probe_horizon(window, 10_000_000, 1, 12.0) >= 7 * 86_400.0
