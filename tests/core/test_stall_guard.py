"""The stall guard (core/guard.py): a run that stops advancing, or outgrows its event or
memory budget, ends as incomplete and inconclusive, naming what kept it busy; never a pass.

The scenarios that used to hang are refused by the loader now (timers faster than 1 ms,
slots under 0.1 s, more than 10,000 background bundles a slot), so the first two are built
past the loader, as a bug in the loader or the model would let them through."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core.guard import CHECK_EVERY, Guard, RunLimits, busiest
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_INCONCLUSIVE
from bridgelab.runner import run
from bridgelab.scenario import Scenario, ScenarioError
from tests.conftest import small_scenario

TIGHT = RunLimits(max_events=200_000, stall_events=50_000)


def _past_the_loader(scenario: Scenario, section: str, **values: float) -> Scenario:
    """`scenario` with `values` set in `section` without validation."""
    part = getattr(scenario, section).model_copy(update=values)
    return scenario.model_copy(update={section: part})


def _assert_stopped(result, why: str, component: str) -> None:
    assert result.stopped is not None and why in result.stopped
    assert component in result.stopped
    assert result.exit_code == EXIT_INCONCLUSIVE
    assert result.inconclusive[0].startswith("the run was stopped early")
    assert "pass" not in result.verdicts.values()


def _endless() -> Scenario:
    """A year's duration, and every relayer censors for good: nothing ever settles."""
    return small_scenario({
        "scenario": {"duration": 365 * 86_400.0},
        "attacks": [{"kind": "relayer.censor", "targets": {"relayers": [0, 1, 2]},
                     "schedule": {"at": 0.0}}],
    })


def test_a_view_timer_faster_than_the_clock_stops_as_stalled():
    scenario = _past_the_loader(small_scenario(), "consortium", view_timeout=1e-9)
    result = run(scenario, 1, limits=TIGHT)
    _assert_stopped(result, "simulated time advanced less than", "ConsortiumChain")
    assert result.sim_time < 60.0  # it stalls in the first view changes


def test_a_settlement_slot_of_no_time_stops_as_stalled():
    scenario = _past_the_loader(small_scenario(), "settlement", slot_time=1e-300)
    result = run(scenario, 1, limits=TIGHT)
    _assert_stopped(result, "simulated time advanced less than", "SettlementChain._slots")


def test_a_stalled_run_stops_at_the_same_event_every_time():
    scenario = _past_the_loader(small_scenario(), "settlement", slot_time=1e-300)
    first, second = (run(scenario, 1, limits=TIGHT) for _ in range(2))
    assert first.stopped == second.stopped
    assert first.history_sha256 == second.history_sha256


def test_a_year_with_a_fault_that_never_heals_stops_at_the_event_budget(tmp_path):
    """Every relayer censors for good: nothing settles, so the run would go on for a year
    of simulated time; the event budget ends it, and nothing it saw counts as a pass
    (nor the deposits it never minted as a failure: the run did not reach its end)."""
    result = run(_endless(), 1, out_dir=tmp_path / "run", limits=TIGHT)
    _assert_stopped(result, "more than 200,000 events", "relayer-")
    assert result.sim_time < 365 * 86_400.0
    assert result.verdicts["liveness.deposits-minted"] == "unknown"
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["complete"] is False and saved["stopped"] == result.stopped
    last = (tmp_path / "run" / "history.jsonl").read_text().splitlines()[-2]
    assert json.loads(last)["kind"] == "run.stopped"


def test_background_bundles_count_toward_the_event_budget():
    """At the loader's most background bundles a slot, a slot is one event but thousands
    of bundles: the budget counts them, so a long run of full slots is bounded too."""
    scenario = small_scenario({
        "scenario": {"duration": 365 * 86_400.0, "drain_grace": 365 * 86_400.0},
        "settlement": {"demand": {"gas_per_slot": 2.1e8, "bundle_gas": 21_000}},
    })
    result = run(scenario, 1, limits=RunLimits(max_events=50_000, stall_events=50_000))
    _assert_stopped(result, "more than 50,000 events (background bundles", "")
    # Far fewer events than the budget, before the guard's first check: bundles filled it.
    assert result.sim_steps < CHECK_EVERY


def test_a_memory_budget_below_the_process_stops_the_run_at_its_first_check():
    result = run(_endless(), 1, limits=RunLimits(max_rss_mb=1))
    _assert_stopped(result, "resident memory reached", "")
    assert result.sim_steps < 2 * CHECK_EVERY + 4_096


@pytest.mark.slow
def test_py_ecc_with_many_members_is_bounded_by_the_event_budget():
    """Pure-Python pairings make every certificate slow; with many members and many
    transfers the budget still ends the run, inconclusive, after a bounded number of
    events (each one's cost is bounded by the loader's size limits)."""
    scenario = small_scenario({
        "scenario": {"duration": 365 * 86_400.0},
        "workload": {"deposits": 1_000, "withdrawals": 1_000},
        "committee": {"custody": "threshold-bls", "bls_backend": "py-ecc", "members": 12,
                      "threshold": 9},
    })
    result = run(scenario, 1, limits=RunLimits(max_events=CHECK_EVERY,
                                               stall_events=CHECK_EVERY))
    _assert_stopped(result, f"more than {CHECK_EVERY:,} events", "")


def test_a_run_within_its_limits_is_not_stopped():
    result = run(small_scenario(), 1, limits=RunLimits())
    assert result.stopped is None and "stopped" not in result.to_json()


@settings(max_examples=60, deadline=None)
@given(advances=st.lists(st.sampled_from([0.0, 1e-9, 1e-4, 1e-3, 5.0]), max_size=40),
       stall_checks=st.integers(1, 6))
def test_the_guard_calls_a_stall_after_exactly_the_still_events_it_allows(advances,
                                                                          stall_checks):
    """Against a plain count: time must move by min_advance from where it last moved."""
    limits = RunLimits(max_events=10**12, stall_events=stall_checks * CHECK_EVERY,
                       max_rss_mb=10**9)
    guard = Guard(limits)
    now = moved_at = 0.0
    still = 0
    for advance in advances:
        now += advance
        if now - moved_at >= limits.min_advance:
            moved_at, still = now, 0
        else:
            still += CHECK_EVERY
        broken = guard.check(now, CHECK_EVERY)
        assert (broken is not None) == (still >= limits.stall_events)
        if broken:
            break


def test_the_event_budget_is_broken_only_past_it():
    guard = Guard(RunLimits(max_events=3 * CHECK_EVERY, max_rss_mb=10**9))
    assert guard.check(1.0, CHECK_EVERY) is None
    assert guard.check(2.0, 2 * CHECK_EVERY) is None
    assert "more than" in guard.check(3.0, 1)


def test_the_busiest_component_is_the_most_named_and_ties_go_by_name():
    assert busiest(["b", "a", "b"]) == "b"
    assert busiest(["b", "a"]) == "a"
    assert busiest([]).startswith("nothing")


def test_limits_are_read_from_the_environment():
    limits = RunLimits.from_environment({"BRIDGELAB_MAX_EVENTS": "5000000",
                                         "BRIDGELAB_STALL_EVENTS": "",
                                         "BRIDGELAB_MAX_RSS_MB": "512"})
    assert limits == RunLimits(max_events=5_000_000, max_rss_mb=512)
    assert RunLimits.from_environment({}) == RunLimits()


@pytest.mark.parametrize("variable,value", [
    ("BRIDGELAB_MAX_EVENTS", "lots"), ("BRIDGELAB_MAX_EVENTS", "10"),
    ("BRIDGELAB_STALL_EVENTS", "-1"), ("BRIDGELAB_MAX_RSS_MB", "0"),
    ("BRIDGELAB_MAX_RSS_MB", "1e3\nx"),
])
def test_a_bad_limit_is_bad_input_on_one_line(variable, value):
    with pytest.raises(ScenarioError) as caught:
        RunLimits.from_environment({variable: value})
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert variable in caught.value.message and "\n" not in caught.value.message


def test_the_cli_stops_a_run_over_budget_as_inconclusive(tmp_path):
    scenario = Path(__file__).parents[2] / "attacks" / "baseline.toml"
    env = {**os.environ, "BRIDGELAB_MAX_EVENTS": str(CHECK_EVERY)}
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "bridgelab", "run", str(scenario), "--out",
                           str(out)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == EXIT_INCONCLUSIVE, done.stderr
    assert json.loads((out / "results.json").read_text())["complete"] is False
    env["BRIDGELAB_MAX_EVENTS"] = "many"
    done = subprocess.run([sys.executable, "-m", "bridgelab", "run", str(scenario), "--out",
                           str(tmp_path / "out2")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == EXIT_BAD_INPUT
    assert len(done.stderr.strip().splitlines()) == 1 and "BRIDGELAB_MAX_EVENTS" in done.stderr


def test_work_before_the_first_event_is_bounded_by_the_loader():
    # Key generation on py-ecc happens before any event, out of the guard's reach: the
    # loader refuses committees it could not set up in seconds; the native backends take them.
    from bridgelab.scenario import ScenarioError, parse_scenario

    committee = {"members": 40, "threshold": 27, "custody": "threshold-bls"}
    named = {"scenario": {"name": "big-committee"}}
    with pytest.raises(ScenarioError) as refused:
        parse_scenario({**named, "committee": {**committee, "bls_backend": "py-ecc"}})
    assert "committee.members: expected at most 21 members on the py-ecc backend" in str(
        refused.value.message)
    for backend in ("blst", "arkworks"):
        assert parse_scenario({**named, "committee": {**committee, "bls_backend": backend}})
    symbolic = {**committee, "bls_backend": "py-ecc", "signatures": "symbolic"}
    assert parse_scenario({**named, "committee": symbolic}).committee.members == 40
