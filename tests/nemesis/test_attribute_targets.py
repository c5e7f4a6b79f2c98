"""Attacks that target by attribute: jurisdiction, organisation, provider, storage class.

An attribute selection resolves, before the run, into the named entities, seats, relayers
or nodes it stands for; validation refuses selections that would silently hit nothing; the
scenario hash of a scenario that uses none of the new keys is what it was; the report's
concentration cell and the cost search read the same attributes.
"""

from __future__ import annotations

import tomllib
from types import SimpleNamespace
from typing import Any

import pytest

from bridgelab.core.history import History
from bridgelab.hunt.cost import Evaluator, _costs, cheapest_break
from bridgelab.report import cells, words
from bridgelab.runner import build, run
from bridgelab.scenario import ScenarioError, attributes, parse_scenario
from bridgelab.scenario.load import scenario_hash
from tests.conftest import ATTACKS, small_scenario

EXAMPLE = ATTACKS / "jurisdiction-coercion.toml"


def example_data() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text())


def with_attacks(attacks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    data = example_data()
    data["attacks"] = attacks
    data.update(extra)
    return data


def refused(data: dict[str, Any]) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, "x.toml")
    return caught.value


# -- resolution -------------------------------------------------------------------------------


def test_a_jurisdiction_selects_its_entities_in_name_order_and_their_seats():
    scenario = parse_scenario(example_data(), "x.toml")
    bridge = build(scenario, 1, History())
    coerce, outage = bridge.attacks
    assert coerce.spec.targets.entities == ["lion-custody", "merlion-trust", "strait-nodes"]
    assert coerce.selected_by == {"jurisdiction": "SG"}
    assert outage.spec.targets.nodes == ["validator-0", "validator-1"]


@pytest.mark.parametrize(("kind", "targets", "params", "expected"), [
    ("collusion.fabricated_lock", {"provider": "cloud-b"}, {}, {"members": [4, 5, 6]}),
    ("relayer.censor", {"jurisdiction": "SG"}, {}, {"relayers": [0]}),
    ("relayer.delay", {"provider": "on-premises"}, {}, {"relayers": [2]}),
    ("node.crash", {"provider": "on-premises"}, {"role": "validator"},
     {"nodes": ["validator-4", "validator-5", "validator-6"]}),
    ("node.crash", {"jurisdiction": "SG"}, {"role": "member"},
     {"nodes": [f"member-{i}" for i in range(6)]}),
    ("network.partition", {"organisation": "strait-group"}, {"role": "member"},
     {"nodes": ["member-4", "member-5"]}),
    ("key.compromise", {"storage": "hot-server"}, {}, {"entities": ["strait-nodes"]}),
    # A Byzantine validator kind: the validators the matching entities run.
    ("consortium.equivocate", {"jurisdiction": "NO"}, {},
     {"nodes": ["validator-5", "validator-6"]}),
    ("key.compromise", {"jurisdiction": "SG", "provider": "cloud-a"}, {},
     {"entities": ["lion-custody", "merlion-trust"]}),
])
def test_each_role_resolves_to_what_the_attack_acts_on(kind, targets, params, expected):
    scenario = parse_scenario(
        with_attacks([{"kind": kind, "targets": targets, "params": params}]), "x.toml"
    )
    attack = scenario.attacks[0]
    from bridgelab.nemesis.specs import CATALOG

    resolved = attributes.explicit_targets(
        scenario, kind, CATALOG[kind].target_role, attack.targets, attack.params
    )
    for key, value in expected.items():
        assert getattr(resolved, key) == value
    assert attributes.wanted(resolved) == {}


def test_a_partition_by_provider_isolates_exactly_those_nodes():
    data = with_attacks([{"kind": "network.partition", "targets": {"provider": "cloud-a"},
                          "schedule": {"at": 100.0}, "heal": {"after": 60.0},
                          "params": {"role": "validator"}}])
    data["workload"] = {**data["workload"], "deposits": 5, "withdrawals": 0}
    captured: dict[str, Any] = {}
    run(parse_scenario(data, "x.toml"), 1, keep_history=True,
        setup=lambda b: captured.setdefault("h", b.world.history))
    start = next(e.fields for e in captured["h"].events if e.kind == "fault.start")
    assert start["side_a"] == ["validator-0", "validator-1"]
    assert "validator-2" in start["side_b"] and "validator-0" not in start["side_b"]
    assert start["selected_by"] == {"provider": "cloud-a"}


# -- validation -------------------------------------------------------------------------------


def test_an_unknown_attribute_value_is_refused_with_the_known_ones():
    error = refused(with_attacks([{"kind": "key.compromise",
                                   "targets": {"jurisdiction": "XX"}}]))
    assert error.key == "attacks.0.targets.jurisdiction"
    assert "'SG'" in error.expected and "XX" in error.found


def test_attributes_are_not_mixed_with_other_target_forms():
    targets = {"provider": "cloud-a", "entities": ["harbour-ops"]}
    error = refused(with_attacks([{"kind": "key.compromise", "targets": targets}]))
    assert error.key == "attacks.0.targets.provider"


def test_an_attack_that_targets_nobody_refuses_attributes():
    error = refused(with_attacks([{"kind": "adversary.forge", "targets": {"provider": "cloud-a"}}]))
    assert error.key == "attacks.0.targets.provider"


def test_a_selection_that_holds_none_of_what_the_attack_needs_is_refused():
    # HK's only entity runs no relayer: a relayer attack on HK would hit nothing.
    error = refused(with_attacks([{"kind": "relayer.censor", "targets": {"jurisdiction": "HK"}}]))
    assert error.key == "attacks.0.targets.jurisdiction"
    assert "harbour-ops" in error.expected


@pytest.mark.parametrize(("key", "value", "path"), [
    ("validators", [7], "entities.0.validators"),
    ("relayers", [3], "entities.0.relayers"),
    ("validators", [2], "entities.3.validators"),  # alpine-keys, the second claimant
])
def test_operated_nodes_exist_and_have_one_operator(key, value, path):
    data = example_data()
    data["entities"][0][key] = value
    assert refused(data).key == path


def test_a_priced_attribute_value_must_exist():
    data = example_data()
    data["attribute_costs"] = [{"attribute": "provider", "value": "cloud-z", "cost": 1.0}]
    assert refused(data).key == "attribute_costs.0.value"


# -- identity ---------------------------------------------------------------------------------


def test_new_keys_at_their_defaults_leave_the_scenario_hash_unchanged():
    base = small_scenario()
    defaults = small_scenario({"entities": [
        {"name": f"operator-{m}", "members": [m]} for m in range(base.committee.members)
    ]})
    spelt = small_scenario({"entities": [
        {"name": f"operator-{m}", "members": [m], "provider": "unspecified", "validators": [],
         "relayers": []} for m in range(base.committee.members)
    ]})
    assert scenario_hash(defaults) == scenario_hash(spelt)
    moved = small_scenario({"entities": [
        {"name": f"operator-{m}", "members": [m], "provider": "cloud-a"}
        for m in range(base.committee.members)
    ]})
    assert scenario_hash(moved) != scenario_hash(defaults)


# -- report and cost --------------------------------------------------------------------------


def test_largest_jurisdiction_and_provider_shares():
    config = example_data()
    assert words.largest_share(config, "jurisdiction") == ("SG", 6)
    assert words.largest_share(config, "provider") == ("cloud-a", 4)
    assert attributes.shares(parse_scenario(config, "x.toml"), "provider")[0] == ("cloud-a", 4)
    assert words.undeclared_seats(config, "provider") == 0


def group(config: dict[str, Any], members: int = 9, threshold: int = 6) -> SimpleNamespace:
    return SimpleNamespace(members=members, threshold=threshold, config=config, records=[])


def test_concentration_cell_is_bad_when_a_jurisdiction_reaches_the_threshold():
    cell = cells.concentration(group(example_data()))
    assert cell["sentiment"] == "bad" and "jurisdiction SG holds 6" in cell["reason"]
    assert cells.concentration(group(example_data(), threshold=8))["sentiment"] == "good"
    assert cells.concentration(group(example_data(), threshold=7))["sentiment"] == "warning"


def test_concentration_is_never_good_when_attributes_are_undeclared():
    config = example_data()
    for entity in config["entities"]:
        entity.pop("provider", None)
    cell = cells.concentration(group(config, threshold=8))
    assert cell["sentiment"] == "warning" and "provider" in cell["reason"]


def test_cost_search_prices_a_jurisdiction_as_one_unit():
    data = example_data()
    data["attacks"] = []
    scenario = parse_scenario(data, "x.toml")
    costs = _costs(scenario)
    assert costs["jurisdiction:SG"] == 6.0 and costs["strait-nodes"] == 3.0
    evaluator = Evaluator(scenario, 1)
    assert evaluator.entities_of(("jurisdiction:SG", "lion-custody")) == (
        "lion-custody", "merlion-trust", "strait-nodes")
    found = cheapest_break(scenario, 1, evaluator=evaluator)
    # Buying SG's three companies costs 13; the court order 6. Nothing cheaper reaches six
    # seats (the single entities and the pairs under 6 were each probed and failed).
    assert found.entities == ("jurisdiction:SG",) and found.cost == 6.0
    assert found.evaluations == 7 and evaluator.runs == 7
