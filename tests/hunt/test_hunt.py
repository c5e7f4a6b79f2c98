"""`bridgelab hunt`: a shrunk minimal attack with replayable artefacts, nothing found on a
diversified bridge, and the cost-to-break search agreeing with exhaustive search."""

from __future__ import annotations

import copy
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab.hunt import artefacts
from bridgelab.hunt.cost import Evaluator, cheapest_break, exhaustive
from bridgelab.hunt.machine import Budget
from bridgelab.hunt.search import hunt
from bridgelab.runner import run
from bridgelab.scenario import load_scenario, parse_scenario
from tests.conftest import ATTACKS

FLAWED = ATTACKS / "hunt-multisig-entities.toml"


@pytest.fixture(scope="module")
def found():
    scenario = load_scenario(FLAWED)
    result = hunt(scenario, 1, Budget(entities=2, relayers=1), wall_budget=120.0)
    assert result.found, "the two-entity attack must be found within the budget"
    return scenario, result


def test_hunt_finds_the_two_entity_attack_and_shrinks_it(found):
    _, result = found
    actions = [step.action for step in result.steps]
    compromised = [step.args["entity"] for step in result.steps if step.action == "compromise"]
    # ops-a holds k - 1 = 3 seats: it and exactly one more entity, then one forgery.
    assert "ops-a" in compromised and len(compromised) == 2
    assert actions.count("forge") == 1
    assert "deposit" not in actions and "censor" not in actions
    assert result.violation["property"].startswith("safety.")


def test_artefacts_replay_and_explain(found, tmp_path):
    scenario, result = found
    written = artefacts.write(scenario, FLAWED, 1, result.steps, result.violation, tmp_path,
                              persist=False)
    replay = load_scenario(written.scenario)
    assert replay.scenario.seed == 1
    replayed = run(replay, 1)
    assert replayed.verdicts[result.violation["property"]] == "fail"
    text = written.explanation.read_text()
    assert "Let the adversary compromise entity `ops-a`" in text
    assert "contradicts" in text
    assert written.command == f"bridgelab run {written.scenario} --seed 1"


def _pytest(test_file: Path) -> int:
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True, text=True, check=False,
    )
    return completed.returncode


def test_regression_test_fails_on_the_flawed_config_and_passes_on_the_fixed_one(found, tmp_path):
    scenario, result = found
    config = tmp_path / "bridge.toml"
    config.write_text(FLAWED.read_text())
    written = artefacts.write(scenario, config, 1, result.steps, result.violation,
                              tmp_path / "out", persist=False)
    assert _pytest(written.test) == 1
    # Not a fix: a day's challenge window with nobody to challenge only holds the forged
    # mint back past the run's end, and the replay ends inconclusive.
    delayed = tomllib.loads(config.read_text())
    delayed.setdefault("defences", {})["challenge_window"] = 86_400.0
    config.write_text(artefacts.scenario_toml(delayed, "delayed"))
    assert _pytest(written.test) == 1
    # The fix: ops-a gives up a seat to a fresh independent operator.
    data = tomllib.loads(FLAWED.read_text())
    data["committee"]["members"] = 7
    data["entities"][0]["members"] = [0, 1]
    data["entities"].append({"name": "ops-e", "members": [2], "cost": 5.0})
    data["entities"].append({"name": "ops-f", "members": [6], "cost": 5.0})
    parse_scenario(data, "fixed")  # still a valid configuration
    config.write_text(artefacts.scenario_toml(data, "fixed"))
    assert _pytest(written.test) == 0


def test_well_diversified_threshold_bls_with_refresh_survives_the_same_budget():
    scenario = load_scenario(ATTACKS / "hunt-bls-diversified.toml")
    result = hunt(scenario, 1, Budget(entities=2, relayers=1), wall_budget=15.0)
    assert not result.found
    assert result.examples >= 25


@st.composite
def committees(draw):
    n = draw(st.integers(2, 7))
    t = draw(st.integers(1, n))
    owners = draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=n))
    names = sorted(set(owners))
    entities = [
        {"name": f"e{owner}", "members": [m for m in range(n) if owners[m] == owner],
         "cost": draw(st.integers(1, 20)) * 1.0}
        for owner in names
    ]
    # A per-transfer cap only splits the adaptive adversary's forgeries: it never changes
    # which sets of entities break the bridge.
    cap = draw(st.none() | st.sampled_from([1_000_000, 3_000_000]))
    return n, t, entities, cap


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=committees())
def test_cost_to_break_agrees_with_exhaustive_search(case):
    n, t, entities, cap = case
    data = tomllib.loads(FLAWED.read_text())
    data["committee"].update({"members": n, "threshold": t, "required": []})
    data["entities"] = entities
    if cap is not None:
        data["bridge"] = {"limits": {"per_transfer_cap": cap}}
    scenario = parse_scenario(data, "committee")
    evaluator = Evaluator(scenario, 1)
    searched = cheapest_break(scenario, 1, evaluator=evaluator)
    truth = exhaustive(scenario, 1, evaluator=evaluator)
    assert (searched.entities, searched.cost) == (truth.entities, truth.cost)
    assert truth.complete and (searched.entities is not None or searched.complete)
    if searched.entities is not None:
        seats = sum(len(e["members"]) for e in entities if e["name"] in searched.entities)
        assert seats >= t


def test_a_search_stopped_at_its_limit_says_it_did_not_try_every_set():
    data = tomllib.loads(FLAWED.read_text())
    data["committee"].update({"members": 3, "threshold": 2, "required": []})
    data["entities"] = [{"name": f"e{m}", "members": [m], "cost": 1.0} for m in range(3)]
    scenario = parse_scenario(data, "committee")
    evaluator = Evaluator(scenario, 1)
    cut = cheapest_break(scenario, 1, max_evaluations=1, evaluator=evaluator)
    assert cut.entities is None and cut.evaluations == 1 and not cut.complete
    assert cheapest_break(scenario, 1, evaluator=evaluator).entities is not None


@pytest.mark.parametrize("delay_days", [0, 60])
def test_a_probe_whose_forgery_is_still_queued_proves_nothing(delay_days):
    """Every mint above one token waits `delay`: sixty days outlast the probe's thirty-day
    cap, so the forged mint is still queued when the probe ends. "No set breaks it, every
    set tried" then vouched for a bridge whose theft was merely pending."""
    data = tomllib.loads(FLAWED.read_text())
    data["committee"].update({"members": 3, "threshold": 2, "required": []})
    data["entities"] = [{"name": f"e{m}", "members": [m], "cost": 1.0} for m in range(3)]
    if delay_days:
        data["bridge"] = {"limits": {"delay_threshold": 1, "delay": delay_days * 86_400.0}}
        # The escrow pays only this user, so a forged release takes nothing: only the
        # queued forged mints could break the bridge.
        data["consortium"] = {"kyc": ["user-000"]}
    scenario = parse_scenario(data, "delayed")
    evaluator = Evaluator(scenario, 1)
    truth = exhaustive(scenario, 1, evaluator=evaluator)
    if not delay_days:
        assert truth.entities is not None and truth.complete and not truth.unsettled
        return
    assert truth.entities is None and not truth.complete
    # Every pair and the three of them hold the threshold: each probe left its forgery queued.
    assert truth.unsettled == (("e0", "e1"), ("e0", "e2"), ("e1", "e2"), ("e0", "e1", "e2"))
    searched = cheapest_break(scenario, 1, evaluator=evaluator)
    assert searched.entities is None and not searched.complete


def test_a_break_found_after_an_unsettled_cheaper_set_says_a_cheaper_one_may_exist(
        monkeypatch):
    """A cheaper set whose forged mint was still queued when its probe ended may break the
    bridge too: the break found is then an upper bound on the cost, and the result says so
    rather than reading as the cheapest."""
    data = tomllib.loads(FLAWED.read_text())
    data["committee"].update({"members": 3, "threshold": 2, "required": []})
    data["entities"] = [{"name": f"e{m}", "members": [m], "cost": 1.0} for m in range(3)]
    scenario = parse_scenario(data, "committee")
    evaluator = Evaluator(scenario, 1)
    plain = cheapest_break(scenario, 1, evaluator=evaluator)
    assert plain.entities == ("e0", "e1") and plain.unsettled == ()
    monkeypatch.setattr(Evaluator, "unsettled", lambda self: (("e2",),))
    found = cheapest_break(scenario, 1, evaluator=evaluator)
    assert found.entities == ("e0", "e1") and found.unsettled == (("e2",),)
    assert not found.complete


CAPPED = {
    "scenario": {"name": "capped", "duration": 3_600.0},
    "committee": {"members": 3, "threshold": 2, "required": [], "custody": "multisig"},
    "settlement": {"finality_slots": 4},
    "workload": {"deposits": 3, "withdrawals": 0, "deposit_interval": 5.0},
    "bridge": {"limits": {"per_transfer_cap": 1_000_000}},
}


def test_hunt_breaks_a_capped_bridge_with_forgeries_under_the_cap(tmp_path):
    scenario = parse_scenario(copy.deepcopy(CAPPED), "capped")
    result = hunt(scenario, 1, Budget(entities=2, relayers=0), wall_budget=120.0)
    assert result.found
    forge = next(step for step in result.steps if step.action == "forge")
    assert set(forge.args) == {"amount", "forgeries", "pacing", "directions"}
    # Replayed as a scenario, the forged mints stay under the cap and still break safety.
    config = tmp_path / "capped.toml"
    config.write_text(artefacts.scenario_toml(scenario.model_dump(mode="json"), "capped"))
    written = artefacts.write(scenario, config, 1, result.steps, result.violation,
                              tmp_path / "out", persist=False)
    captured = {}
    replayed = run(load_scenario(written.scenario), 1, keep_history=True,
                   setup=lambda b: captured.setdefault("h", b.world.history))
    assert replayed.verdicts[result.violation["property"]] == "fail"
    forged = [e.fields["amount"] for e in captured["h"].events
              if e.kind == "mint" and e.fields["nonce"] >= 1_000_000_000]
    assert forged and max(forged) <= 1_000_000
    if forge.args["pacing"] == "adaptive":
        assert "sized and paced" in written.explanation.read_text()
    assert forge.args["directions"] == ["deposit"]  # the simplest: shrunk to mints alone


@pytest.mark.parametrize("entities, unsettled, words", [
    (["e0", "e1"], [], None),
    (["e0", "e1"], [["e2"]], "For 1 cheaper set(s) a forged mint was still queued"),
    (None, [["e2"]], "for 1 set(s) a forged mint was still queued"),
])
def test_the_report_says_when_a_queued_forgery_leaves_the_cost_open(entities, unsettled, words):
    from bridgelab.report.groups import ConfigGroup
    from bridgelab.report.sections import cost_section

    found = {"entities": entities, "cost": 2.0 if entities else None, "evaluations": 4,
             "searched_all": False, "unsettled_probes": unsettled}
    [entry] = cost_section([ConfigGroup("k", "cfg-1", "multisig 2-of-3")], {"k": found})
    if words is None:
        assert "queued" not in entry["text"]
    else:
        assert words in entry["text"]
