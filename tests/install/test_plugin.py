"""The pytest plugin's fixtures (through pytester, as a user's test file would use them) and
the Hypothesis strategies: everything drawn validates, and a committee survives an
adversary holding fewer seats than its threshold."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab import strategies as bst
from bridgelab.nemesis.specs import CATALOG
from bridgelab.runner import run
from bridgelab.scenario import ScenarioError, parse_scenario
from bridgelab.testing import (
    SMALL_BASE,
    assert_safe,
    deep_merge,
    safety_failures,
    scenario_from,
    unvouched,
)

pytest_plugins = ["pytester"]

USER_TESTS = '''
import pytest

from bridgelab.pytest_plugin import assert_safe
from bridgelab.scenario import ScenarioError

ATTACK = {"kind": "collusion.fabricated_lock", "targets": {"members": [0, 1, 2]},
          "schedule": {"at": 30.0}, "params": {"amount": 5_000_000}}


def test_scenario_factory(bridgelab_scenario, tmp_path):
    scenario = bridgelab_scenario(committee={"members": 5, "threshold": 4})
    assert (scenario.committee.members, scenario.committee.threshold) == (5, 4)
    data = {"scenario": {"name": "d"}, "workload": {"withdrawals": 1}}
    dotted = bridgelab_scenario(data, {"workload.deposits": 3})
    assert (dotted.workload.deposits, dotted.workload.withdrawals) == (3, 1)
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\\nname = "from-file"\\nseed = 9\\n')
    assert bridgelab_scenario(path).scenario.seed == 9


def test_invalid_override_names_the_key(bridgelab_scenario):
    with pytest.raises(ScenarioError) as error:
        bridgelab_scenario(**{"committee.threshold": 99})
    assert "committee.threshold: expected at most members (9), found 99" in error.value.message


def test_run_factory_keeps_history_in_tmp_path(bridgelab_run, bridgelab_assert_safe, tmp_path):
    result = bridgelab_run(seed=3)
    assert result.exit_code == 0 and result.fingerprint["seed"] == 3
    assert bridgelab_run.last_dir.is_relative_to(tmp_path)
    assert (bridgelab_run.last_dir / "history.jsonl").stat().st_size > 0
    assert (bridgelab_run.last_dir / "results.json").exists()
    bridgelab_assert_safe(result)
    assert_safe(result)


def test_minority_cannot_mint_with_a_correct_verifier(bridgelab_run, bridgelab_assert_safe):
    bridgelab_assert_safe(bridgelab_run(attacks=[ATTACK], adversary={"extract": False}))


def test_flawed_verifier_is_explained(bridgelab_run, bridgelab_assert_safe):
    result = bridgelab_run(bridge={"verifier": {"threshold_override": 3}}, attacks=[ATTACK])
    bridgelab_assert_safe(result)
'''

# A scenario beside the test file, named relative to it; pytest runs from another directory.
NESTED_TEST = '''
from bridgelab.pytest_plugin import RunFactory, ScenarioFactory


def test_paths_are_relative_to_this_file(bridgelab_scenario: ScenarioFactory,
                                         bridgelab_run: RunFactory) -> None:
    assert bridgelab_scenario("scenarios/mine.toml").scenario.name == "beside-the-test"
    result = bridgelab_run("scenarios/mine.toml")
    assert result.fingerprint["scenario"] == "beside-the-test"
'''


def test_fixtures_through_pytester(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([
        "*test_flawed_verifier_is_explained*",
        "*the bridge is not safe: scenario 'small' seed 1 (exit code 1)*",
        "*safety.mint-backed-by-final-lock: fail*",
        "*(mint by bridge): mint of 5000000 * for lock #1000000001, but no lock*",
        "*run directory: *bridgelab-runs/001-small-seed1*",
        "*saved scenario: *bridgelab-runs/001-small-seed1/scenario.toml*",
        "*replay: bridgelab run *001-small-seed1/scenario.toml --seed 1 --out *-replay*",
    ])


def test_a_failure_names_a_replay_that_reproduces_it(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "flawed")
    # Under CI pytest repeats the whole message in its short summary, so the same line may
    # appear twice; it must still be one replay and one hash.
    [line] = sorted({line.split("replay: ", 1)[1].strip()
                     for line in result.outlines if "replay: " in line})
    [sha] = sorted({line.split("history sha256 ", 1)[1].strip()
                    for line in result.outlines if "history sha256 " in line})
    command = line.split()
    assert command[:2] == ["bridgelab", "run"] and command[3] == "--seed"
    # The saved effective scenario alone gives the same history, byte for byte.
    replay = run(scenario_from(command[2]), int(command[4]))
    assert replay.exit_code == 1
    assert replay.history_sha256 == sha


def test_relative_paths_resolve_from_the_test_file(pytester):
    folder = pytester.mkpydir("suite")
    (folder / "scenarios").mkdir()
    (folder / "scenarios" / "mine.toml").write_text(
        '[scenario]\nname = "beside-the-test"\nduration = 600.0\n'
        '[workload]\ndeposits = 1\nwithdrawals = 0\n')
    (folder / "test_nested.py").write_text(NESTED_TEST)
    assert not (Path.cwd() / "scenarios").exists()  # pytest runs from pytester.path, above
    result = pytester.runpytest(str(folder / "test_nested.py"), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_plugin_is_registered_through_its_entry_point(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("bridgelab")


# -- strategies: everything drawn validates -----------------------------------------------

FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
# A base with every section an attack may need, so the whole catalogue can be drawn.
FULL_BASE = deep_merge(SMALL_BASE, {"oracle": {"enabled": True}, "l2": {"enabled": True}})


@FAST
@given(bst.committees(max_members=12))
def test_drawn_committees_validate(committee):
    scenario = parse_scenario(deep_merge(SMALL_BASE, {"committee": committee}), "<drawn>")
    assert scenario.committee.threshold <= scenario.committee.members


@FAST
@given(bst.custody_configs())
def test_drawn_custody_validates_and_partitions_every_seat(custody):
    scenario = parse_scenario(deep_merge(SMALL_BASE, custody), "<drawn>")
    seats = sorted(seat for entity in scenario.entities for seat in entity.members)
    assert seats == list(range(scenario.committee.members))


@FAST
@given(bst.attack_schedules(FULL_BASE, max_size=4))
def test_drawn_attack_schedules_validate(attacks):
    parse_scenario(deep_merge(FULL_BASE, {"attacks": attacks}), "<drawn>")


@pytest.mark.parametrize("kind", sorted(CATALOG))
def test_every_catalogue_kind_can_be_drawn_validly(kind):
    @settings(max_examples=8, deadline=None, derandomize=True)
    @given(bst.attack_schedules(FULL_BASE, kinds=[kind], min_size=1, max_size=2))
    def check(attacks):
        parse_scenario(deep_merge(FULL_BASE, {"attacks": attacks}), "<drawn>")

    check()


@FAST
@given(bst.scenario_data(attacks=True))
def test_drawn_scenarios_validate(data):
    scenario = parse_scenario(data, "<drawn>")
    assert scenario.workload.deposits <= 6


def test_applicable_kinds_follow_the_enabled_sections():
    small = scenario_from()
    assert not any(k.startswith(("l2.", "oracle.")) for k in bst.applicable_kinds(small))
    assert set(bst.applicable_kinds(scenario_from(FULL_BASE))) == set(CATALOG)


# -- a property: below the threshold, the bridge stays safe -------------------------------


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_safety_holds_when_the_adversary_holds_fewer_seats_than_the_threshold(data):
    custody = data.draw(bst.custody_configs(max_members=6, min_threshold=2), label="custody")
    attacks = data.draw(bst.attacks_below_threshold(custody), label="attacks")
    if attacks[0]["kind"] == "key.compromise":
        held = bst.seats_controlled(custody, attacks[0]["targets"]["entities"])
    else:
        held = tuple(attacks[0]["targets"]["members"])
    assert 1 <= len(held) < custody["committee"]["threshold"]
    scenario = scenario_from(None, {
        **custody,
        "attacks": attacks,
        "scenario": {"duration": 900.0},
        "workload": {"deposits": 3, "withdrawals": 2},
    })
    result = run(scenario, 1)
    assert_safe(result)
    assert result.verdicts["safety.mint-backed-by-final-lock"] == "pass"


def test_assert_safe_explains_the_violations():
    attack = {"kind": "collusion.fabricated_lock", "targets": {"members": [0, 1, 2]},
              "schedule": {"at": 30.0}, "params": {"amount": 5_000_000}}
    result = run(scenario_from(None, {"bridge.verifier.threshold_override": 3,
                                      "attacks": [attack]}), 1)
    with pytest.raises(AssertionError) as error:
        assert_safe(result)
    message = str(error.value)
    assert message.startswith("the bridge is not safe: scenario 'small' seed 1")
    assert "safety.supply-conservation: fail" in message
    assert "liveness." not in message.split("inconclusive")[0]


@pytest.mark.parametrize("case", ["attack too late", "nothing exercised"])
def test_assert_safe_never_passes_a_run_that_cannot_vouch_for_safety(case):
    """No safety property failed, but the run is no evidence: its attack never started, or
    it ended before any transfer settled. `assert_safe` passed both."""
    attack = {"kind": "collusion.fabricated_lock", "targets": {"members": [0, 1, 2]},
              "schedule": {"at": 10_000.0}}
    overrides = ({"attacks": [attack], "scenario.duration": 900.0} if case == "attack too late"
                 else {"scenario.duration": 0.5})
    result = run(scenario_from(None, overrides), 1)
    assert result.exit_code == 2 and not safety_failures(result)
    with pytest.raises(AssertionError) as error:
        assert_safe(result)
    message = str(error.value)
    assert message.startswith("the run cannot vouch for safety: scenario 'small' seed 1")
    assert f"inconclusive: {unvouched(result)[0]}" in message


def test_assert_safe_passes_a_run_whose_liveness_alone_is_unknown():
    """A fault still active at the end leaves liveness unknown: that says nothing of what an
    attacker could take, so a run that exercised safety and failed none of it passes."""
    crash = {"kind": "node.crash", "targets": {"select": "f"}, "params": {"role": "validator"},
             "schedule": {"at": 20.0}, "heal": {"after": 100_000.0}}
    result = run(scenario_from(None, {"attacks": [crash]}), 1)
    assert result.exit_code == 2 and result.inconclusive and not unvouched(result)
    assert_safe(result)


def test_scenario_from_reports_bad_files(tmp_path):
    with pytest.raises(ScenarioError) as error:
        scenario_from(tmp_path / "missing.toml")
    assert error.value.message.endswith("expected a readable scenario file, found no such file")
