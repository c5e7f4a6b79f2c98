"""The cost search's probe with no key, for a user's own contract: a forgery that needs no
key is the cheapest break (cost 0); the probe vouches for a contract only on evidence (every
forgery refused for its certificate, the digest its calls carried its own), else the search
goes on by keys with the gap left; other bridges get no such probe."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")

from bridgelab.hunt.cost import Evaluator, cheapest_break
from bridgelab.hunt.keyless import (
    Refusals,
    certified_refusals,
    keyless_kinds,
    keyless_probe_scenario,
)
from bridgelab.hunt.probe import Outcome
from bridgelab.scenario import load_scenario
from bridgelab.scenario.load import parse_scenario
from bridgelab.scenario.reader import read_toml
from tests.conftest import BYO_ADAPTER_MODULE, BYO_EXAMPLE, byo_example_copy, small_scenario

THRESHOLD = ("operator-0", "operator-1", "operator-2", "operator-3")


def test_a_keyless_forgery_is_the_cheapest_break_of_the_example():
    found = cheapest_break(load_scenario(BYO_EXAMPLE / "scenario.toml"), 1,
                           base_dir=BYO_EXAMPLE)
    assert found.entities == () and found.cost == 0.0 and found.evaluations == 1
    assert found.witness is not None
    assert found.witness.verdicts["safety.certificate-quorum"] == "fail"
    # Nothing is cheaper than no key: no way in is left untried.
    assert found.gaps == () and found.loss is not None and found.loss["minted"] > 0


def _bound_contract(tmp_path: Path):
    """The example fixed, with an adapter that derives the digest: no keyless forgery."""
    directory = byo_example_copy(tmp_path / "byo", fix=True)
    (directory / "deriving_adapter.py").write_text(BYO_ADAPTER_MODULE)
    data = read_toml(directory / "scenario.toml")
    source = data["settlement"]["contract_source"]
    del source["adapter"]
    source["adapter_class"] = "deriving_adapter:Adapter"
    return parse_scenario(data, "scenario.toml"), directory


def test_a_python_adapters_contract_is_never_vouched_for_without_keys(tmp_path):
    """Every forgery reverts, but a Python adapter chose the digest each call carried (this
    one derives it): the replayed digest never reached the contract, so the probe vouches
    for nothing, the search goes on by keys and the gap stays."""
    scenario, directory = _bound_contract(tmp_path)
    evaluator = Evaluator(scenario, 1, base_dir=directory)
    found = cheapest_break(scenario, 1, evaluator=evaluator, base_dir=directory)
    keyless = evaluator.outcomes[()]
    assert keyless.verdict == "unknown" and "Python adapter" in keyless.reasons[0]
    assert found.entities == THRESHOLD and found.cost == 4.0
    assert any("not shown to withstand forgeries that need no key" in gap
               for gap in found.gaps)


def _refusals(*checks: str | None) -> Refusals:
    refusals = Refusals()
    for index, check in enumerate(checks):
        refusals.add({"kind": "attack.submit", "tx": f"keyless-{index}/mint{index}"})
        if check is not None:
            refusals.add({"kind": "tx.reverted", "tx": f"keyless-{index}/mint{index}",
                          "check": check})
    return refusals


def test_the_keyless_probe_holds_only_on_refusals_of_the_certificate():
    scenario = load_scenario(BYO_EXAMPLE / "scenario.toml")  # a table adapter
    held = Outcome("held")
    signed = _refusals("certificate_unauthorised_signer", "certificate_below_threshold")
    assert certified_refusals(scenario, held, signed) == held
    for refused in (_refusals("certificate_unauthorised_signer", "rate_limited"),
                    _refusals("certificate_rejected"), _refusals(None), _refusals()):
        assert certified_refusals(scenario, held, refused).verdict == "unknown"
    broke = Outcome("broke")
    assert certified_refusals(scenario, broke, _refusals()) == broke


def test_only_a_users_own_contract_gets_the_keyless_probe():
    assert keyless_probe_scenario(small_scenario()) is None
    evaluator = Evaluator(small_scenario(), 1)
    cheapest_break(small_scenario(), 1, evaluator=evaluator, max_evaluations=1)
    assert () not in evaluator.outcomes
    data = read_toml(BYO_EXAMPLE / "scenario.toml")
    assert "forge.caller_signers" in keyless_kinds(parse_scenario(data, "s.toml"))
    data["committee"]["custody"] = "threshold-bls"
    # A group signature has no signer list to pass.
    assert "forge.caller_signers" not in keyless_kinds(parse_scenario(data, "s.toml"))
