"""EVM mode (`[settlement] contract = "evm"`): whole runs with the bridge contract executed
as bytecode, against the same runs in model mode; and the scenario checks that refuse what
EVM mode cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")

from bridgelab.runner import run
from bridgelab.scenario.errors import ScenarioError
from bridgelab.scenario.load import deep_merge, parse_scenario
from bridgelab.scenario.reader import read_toml

ROOT = Path(__file__).resolve().parents[2]
INCIDENTS = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("attacks/incidents/*.toml"))
FAST_INCIDENT = "attacks/incidents/wormhole-2022.toml"
SMALL = {"workload": {"deposits": 6, "withdrawals": 3}}


def _scenario(path: str, *overrides: dict):
    data = read_toml(ROOT / path)
    for override in overrides:
        data = deep_merge(data, override)
    return parse_scenario(data, path)


def _run(scenario, seed: int = 1):
    captured = {}
    result = run(scenario, seed, keep_history=True,
                 setup=lambda bridge: captured.update(bridge=bridge),
                 base_dir=None)
    return result, captured["bridge"].world.history.events


def _evm(contract: str = "evm") -> dict:
    return {"settlement": {"contract": contract}}


@pytest.mark.parametrize("path", [
    pytest.param(path, marks=() if path == FAST_INCIDENT else pytest.mark.slow)
    for path in INCIDENTS
])
def test_incidents_reproduce_in_evm_mode_with_the_same_verdicts(path):
    model, _ = _run(_scenario(path, _evm("model")))
    evm, events = _run(_scenario(path, _evm()))
    assert evm.verdicts == model.verdicts
    assert sorted({v["property"] for v in evm.violations}) == sorted(
        {v["property"] for v in model.violations})
    # Every mint of the run went through the bytecode, none past the model's refusal.
    calls = [e.fields for e in events if e.kind == "contract.tx"]
    admitted = [e for e in events if (e.kind == "mint" and not e.fields.get("delayed"))
                or e.kind == "mint.queued"]
    assert sum(1 for call in calls if call["function"] in ("mint", "prove_and_mint")
               and call["ok"]) == len(admitted) > 0
    assert evm.metrics["evm"]["divergences"] == 0


FLAW_SCENARIOS = ["attacks/forge-unbound-proof.toml", "attacks/forge-unbound-proof-defended.toml",
                  "attacks/forge-foreign-burn.toml", "attacks/forge-foreign-burn-defended.toml"]


@pytest.mark.parametrize("path", [
    pytest.param(path, marks=() if path == FLAW_SCENARIOS[0] else pytest.mark.slow)
    for path in FLAW_SCENARIOS
])
def test_flaw_scenarios_give_the_same_verdicts_in_evm_mode(path):
    """`proof_leaf_unbound` runs its contract variant; `foreign_burn_events` is the
    committee's flaw, under the correct contract."""
    model, _ = _run(_scenario(path, _evm("model")))
    evm, events = _run(_scenario(path, _evm()))
    assert evm.verdicts == model.verdicts
    assert evm.metrics["evm"]["divergences"] == 0
    proofs = [e.fields for e in events if e.kind == "contract.tx"
              and e.fields["function"] == "prove_and_mint"]
    if "unbound" in path:
        # The attack's forged proofs went through the bytecode: minted, or refused by the
        # check the variant lacks.
        assert len(proofs) == 4
        expected = (True, None) if path == FLAW_SCENARIOS[0] else (False, "leaf_matches_message")
        assert {(call["ok"], call["check"]) for call in proofs} == {expected}


def test_every_certificate_carries_the_gas_the_evm_metered():
    result, events = _run(_scenario("attacks/evm-baseline.toml", SMALL))
    assert result.verdicts["safety.supply-conservation"] == "pass"
    calls = [e.fields for e in events if e.kind == "contract.tx" and e.fields["function"] == "mint"]
    mints = [e for e in events if e.kind == "mint"]
    assert len(calls) == len(mints) == result.metrics["transfers"]["mints"] == 6
    # A mint is a transaction (21,000) plus ecrecovers, storage writes and calldata.
    assert all(call["ok"] and call["gas"] > 21_000 + 6 * 3_000 for call in calls)
    figures = result.metrics["evm"]
    assert figures["contract"] == "bridge.vy"
    assert figures["gas_per_certificate"]["count"] == 6
    assert figures["gas_per_certificate"]["max"] == max(call["gas"] for call in calls)
    assert figures["gas_by_function"]["burn"]["count"] == result.metrics["transfers"]["burns"]


def test_model_mode_histories_carry_no_evm_records():
    result, events = _run(_scenario("attacks/baseline.toml", SMALL))
    assert "evm" not in result.metrics
    assert not [e for e in events if e.kind.startswith("contract.")]


def test_evm_mode_is_deterministic():
    scenario = _scenario("attacks/evm-baseline.toml", SMALL)
    assert _run(scenario)[0].history_sha256 == _run(scenario)[0].history_sha256


def test_reorgs_restore_the_contract_state_of_the_fork_point():
    reorgs = {"settlement": {"finality_slots": 4,
                             "reorgs": {"probability": 0.5, "max_depth": 3}}}
    model, _ = _run(_scenario("attacks/baseline.toml", SMALL, reorgs))
    evm, events = _run(_scenario("attacks/baseline.toml", SMALL, reorgs, _evm()))
    assert evm.metrics["settlement"]["reorgs"] > 0
    reverted = [item for e in events if e.kind == "settlement.reorg"
                for item in e.fields["reverted"] if item["kind"] == "mint"]
    assert reverted, "no reorg orphaned a mint: the test exercises nothing"
    # A contract not rolled back would refuse the re-executed mints (nonce used).
    assert evm.verdicts == model.verdicts
    assert evm.verdicts["liveness.deposits-minted"] == "pass"
    assert evm.metrics["transfers"] == model.metrics["transfers"]


# -- what EVM mode refuses ------------------------------------------------------------------


def _refused(path: str, *overrides: dict) -> ScenarioError:
    with pytest.raises(ScenarioError) as refused:
        _scenario(path, *overrides)
    assert refused.value.exit_code == 3
    return refused.value


def test_a_missing_evm_extra_is_bad_input(monkeypatch):
    import bridgelab.scenario.model as schema

    real = schema.find_spec
    monkeypatch.setattr(schema, "find_spec",
                        lambda name: None if name == "vyper" else real(name))
    error = _refused("attacks/baseline.toml", _evm())
    assert error.key == "settlement.contract"
    assert "pip install 'bridgelab[evm]'" in error.message and "vyper" in error.message
    _scenario("attacks/baseline.toml")  # model mode needs nothing


@pytest.mark.parametrize(("override", "key"), [
    ({"committee": {"signatures": "symbolic"}}, "committee.signatures"),
    ({"settlement": {"slot_time": 12.5}}, "settlement.slot_time"),
    ({"l2": {"enabled": True}}, "l2.enabled"),
])
def test_evm_mode_refuses_what_the_chain_cannot_run(override, key):
    assert _refused("attacks/baseline.toml", _evm(), override).key == key


def test_a_contract_source_needs_evm_mode():
    source = {"settlement": {"contract_source": {
        "vyper": "verifier.vy",
        "adapter": {"submit": {"function": "submit", "args": ["digest"]}},
    }}}
    assert _refused("attacks/baseline.toml", source).key == "settlement.contract"
