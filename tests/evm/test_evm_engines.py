"""The two EVM engines against each other (evm/machine.py): every transaction of the shipped
EVM-mode scenarios, of multisig incidents and flaw scenarios run in EVM mode, of the
governance cases (upgrade, rotation, veto, delay queue, challenge, restore) and of generated
certificate sessions runs on py-evm and on revm through `DualMachine`, which fails at the first
difference in outcome, revert reason, return data, gas or storage root. Then the engine seam:
the choice "auto" makes, the setting's validation, and what revm refuses."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")
pytest.importorskip("pyrevm", reason="needs the 'evm' extra")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab.evm import bridge as evm_bridge
from bridgelab.evm import byo as evm_byo
from bridgelab.evm.differential import Config, Pair
from bridgelab.evm.engine_revm import (
    MissingPrecompile,
    RevmGasUnknown,
    RevmMachine,
    calldata_floor,
    prague_gas_used,
)
from bridgelab.evm.machine import actor_address, choose_engine
from bridgelab.evm.variants import CONTRACT_FLAWS
from bridgelab.runner import run
from bridgelab.scenario.errors import ScenarioError
from bridgelab.scenario.load import deep_merge, load_scenario, parse_scenario, scenario_hash
from bridgelab.scenario.reader import read_toml
from tests.evm import dual_engine
from tests.evm.dual_engine import COMPARED, dual_machine

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("attacks/**/*.toml")
                 if read_toml(path).get("settlement", {}).get("contract") == "evm")
EVM = {"settlement": {"contract": "evm"}}
SMALL = {"workload": {"deposits": 6, "withdrawals": 3}}
MULTISIG_FLAWS = ((), *((flaw,) for flaw in CONTRACT_FLAWS))


@pytest.fixture
def dual(monkeypatch):
    """Every EVM the contracts build is a `DualMachine`."""
    monkeypatch.setattr(evm_bridge, "new_machine", dual_machine)
    monkeypatch.setattr(evm_byo, "new_machine", dual_machine)
    before = COMPARED["transactions"]
    yield
    assert COMPARED["transactions"] > before, "no transaction reached the dual machine"


def _scenario(path: str, *overrides: dict):
    data = read_toml(ROOT / path)
    for override in overrides:
        data = deep_merge(data, override)
    return parse_scenario(data, path)


def test_the_shipped_evm_mode_scenarios_are_found():
    assert {"attacks/evm-baseline.toml", "attacks/evm-forge-empty-certificate.toml",
            "attacks/byo-contract/scenario.toml"} <= set(SHIPPED)


@pytest.mark.parametrize("path", SHIPPED)
def test_shipped_evm_mode_scenarios_run_alike_on_both_engines(path, dual):
    scenario = load_scenario(ROOT / path)
    run(scenario, scenario.scenario.seed or 1, base_dir=(ROOT / path).parent)


@pytest.mark.parametrize("path", [
    "attacks/incidents/wormhole-2022.toml",
    pytest.param("attacks/forge-unbound-proof.toml", marks=pytest.mark.slow),
    pytest.param("attacks/incidents/nomad-2022.toml", marks=pytest.mark.slow),
    pytest.param("attacks/incidents/ronin-2022.toml", marks=pytest.mark.slow),
    pytest.param("attacks/incidents/qubit-2022.toml", marks=pytest.mark.slow),
    pytest.param("attacks/incidents/poly-network-2021.toml", marks=pytest.mark.slow),
    pytest.param("attacks/incidents/harmony-2022.toml", marks=pytest.mark.slow),
    pytest.param("attacks/forge-foreign-burn.toml", marks=pytest.mark.slow),
])
def test_multisig_attacks_in_evm_mode_run_alike_on_both_engines(path, dual):
    run(_scenario(path, EVM), 1)


def test_the_watchers_pause_veto_and_delay_queue_run_alike_on_both_engines(dual):
    """The committee-replacing message call, defended: the rotation waits in the timelock,
    the watcher vetoes it and pauses the bridge, mints wait out the challenge window."""
    defended = {"defences": {"rotation_timelock": 3600.0, "watcher": {"enabled": True},
                             "accountant": True, "challenge_window": 60.0},
                "workload": {"deposits": 10, "withdrawals": 4}}
    result = run(_scenario("attacks/message-replace-committee.toml", EVM, defended), 1)
    functions = result.metrics["evm"]["gas_by_function"]
    assert {"pause", "veto", "execute_due", "mint", "burn"} <= set(functions)
    assert result.verdicts["safety.supply-conservation"] == "pass"


def test_reorgs_restore_alike_on_both_engines(dual):
    reorgs = {"settlement": {"finality_slots": 4,
                             "reorgs": {"probability": 0.5, "max_depth": 3}}}
    restores = COMPARED["restores"]
    result = run(_scenario("attacks/baseline.toml", SMALL, reorgs, EVM), 1)
    assert result.metrics["settlement"]["reorgs"] > 0
    assert COMPARED["restores"] > restores


@pytest.mark.parametrize("name", [
    "test_a_timelocked_rotation_waits_and_a_watcher_can_veto_it",
    "test_upgrades_change_parameters_and_swap_in_a_flaw_variant",
    "test_the_delay_queue_the_challenge_and_the_accountant",
    "test_a_deposit_proven_against_an_accepted_block",
    "test_a_restored_snapshot_matches_the_models_undo",
])
def test_governance_cases_run_alike_on_both_engines(name, dual):
    from tests.evm import test_evm_governance

    upgrades = COMPARED["upgrades"]
    getattr(test_evm_governance, name)()
    if "upgrade" in name:
        assert COMPARED["upgrades"] > upgrades


def test_multisig_rotation_runs_alike_on_both_engines(dual):
    from tests.evm.test_evm_governance import (
        test_rotation_installs_the_next_root_only_with_a_supermajority as rotation,
    )

    rotation("multisig")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_certificate_sessions_run_alike_on_both_engines(data):
    """Generated certificates (valid, and broken in each named way), pauses, burns and due
    queues, on the shipped contract and each flaw variant, under multisig custody."""
    from tests.evm.test_evm_differential import SLOT, sessions

    config, steps = data.draw(sessions("multisig"))
    config = replace(config, flaws=data.draw(st.sampled_from(MULTISIG_FLAWS)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evm_bridge, "new_machine", dual_machine)
        pair = Pair(config)
        now = 0
        for name, tx, _label in steps:
            now += SLOT
            # `Pair` compares the model with the contract (test_evm_differential); here the
            # dual machine compares the engines under the contract, on every call it makes.
            pair.due(now) if name == "due" else pair.step(name, tx, now)
        pair.evm.machine.check_storage()


# -- gas rules revm does not know --------------------------------------------------------


def test_the_calldata_floor_counts_tokens_as_eip_7623_does():
    assert calldata_floor(b"") == 21_000
    assert calldata_floor(bytes(10)) == 21_000 + 10 * 10
    assert calldata_floor(b"\x01" * 10) == 21_000 + 10 * 40


def test_the_floor_applies_as_py_evm_applies_it():
    data = b"\x01" * 1_000  # floor 61,000
    assert prague_gas_used(data, 90_000, 0) == 90_000
    assert prague_gas_used(data, 40_000, 0) == 61_000
    # A refund below the cap: py-evm adds the floor's shortfall before taking the refund.
    assert prague_gas_used(data, 50_000, 2_000) == 61_000 + 2_000 - 2_000


def test_a_capped_refund_under_the_floor_is_refused_not_guessed():
    with pytest.raises(RevmGasUnknown):
        prague_gas_used(b"\x01" * 1_000, 40_000, 10_000)


def test_revm_refuses_a_contract_that_calls_a_bls_precompile():
    machine = RevmMachine()
    # STATICCALL(gas, 0x0f, 0, 0, 0, 0); STOP: a pairing check with no input.
    runtime = bytes.fromhex("6000600060006000600f5afa5000")
    initcode = bytes.fromhex(f"60{len(runtime):02x}600c60003960{len(runtime):02x}6000f3") + runtime
    address = machine.deploy(actor_address("deployer"), initcode)
    with pytest.raises(MissingPrecompile, match="0x000000000000000000000000000000000000000f"):
        machine.transact(actor_address("caller"), address, b"", 12)


def test_revm_starts_every_transaction_cold():
    """A slot written by one transaction costs the next one a cold read again (pyrevm keeps
    one journal open across calls; the engine must not)."""
    machine = RevmMachine()
    # SSTORE(calldata[0], calldata[32]); STOP
    runtime = bytes.fromhex("60203560003555" + "00")
    initcode = bytes.fromhex(f"60{len(runtime):02x}600c60003960{len(runtime):02x}6000f3") + runtime
    address = machine.deploy(actor_address("deployer"), initcode)
    sender = actor_address("caller")
    write = (1).to_bytes(32, "big") + (7).to_bytes(32, "big")
    first = machine.transact(sender, address, write, 12)
    again = machine.transact(sender, address, write, 24)
    intrinsic = 21_000 + 16 * 2 + 4 * 62
    assert first.gas_used == intrinsic + 12 + 2_100 + 20_000  # cold, zero to non-zero
    assert again.gas_used == intrinsic + 12 + 2_100 + 100  # cold again, unchanged value
    assert machine.storage(address, 1) == 7


# -- the setting -------------------------------------------------------------------------


def test_auto_runs_revm_for_multisig_and_py_evm_for_threshold_bls():
    assert choose_engine("auto", needs_bls_precompiles=False) == "revm"
    assert choose_engine("auto", needs_bls_precompiles=True) == "py-evm"
    assert choose_engine("py-evm", needs_bls_precompiles=False) == "py-evm"
    with pytest.raises(ValueError, match="EIP-2537"):
        choose_engine("revm", needs_bls_precompiles=True)
    with pytest.raises(ValueError, match="expected one of"):
        choose_engine("geth", needs_bls_precompiles=False)


def test_auto_picks_the_engine_from_the_deployed_trust_root():
    from tests.evm.evm_cases import custody

    assert Pair(Config(custody("multisig").trust_root(1))).evm.machine.engine == "revm"
    assert Pair(Config(custody("threshold-bls").trust_root(1))).evm.machine.engine == "py-evm"


def test_the_engine_does_not_change_the_scenario_identity():
    base = _scenario("attacks/evm-baseline.toml")
    hashes = {scenario_hash(_scenario("attacks/evm-baseline.toml",
                                      {"settlement": {"evm_engine": engine}}))
              for engine in ("auto", "py-evm", "revm")}
    assert hashes == {scenario_hash(base)}


@pytest.mark.parametrize(("override", "found"), [
    ({"settlement": {"contract": "evm", "evm_engine": "geth"}}, "geth"),
    ({"settlement": {"contract": "model", "evm_engine": "revm"}}, "revm"),
    ({"settlement": {"contract": "evm", "evm_engine": "revm"},
      "committee": {"custody": "threshold-bls"}}, "revm"),
])
def test_a_bad_engine_setting_is_bad_input(override, found):
    with pytest.raises(ScenarioError) as refused:
        _scenario("attacks/baseline.toml", override)
    assert refused.value.exit_code == 3
    assert "settlement.evm_engine" in str(refused.value)
    assert found in str(refused.value)


def test_the_dual_machine_notices_a_difference(monkeypatch):
    """The comparison can fail: an engine that charges one more gas is caught."""
    machine = dual_engine.DualMachine()
    runtime = bytes.fromhex("60203560003555" + "00")
    initcode = bytes.fromhex(f"60{len(runtime):02x}600c60003960{len(runtime):02x}6000f3") + runtime
    address = machine.deploy(actor_address("deployer"), initcode)
    real = machine.fast.transact
    monkeypatch.setattr(machine.fast, "transact",
                        lambda *args: replace(real(*args), gas_used=real(*args).gas_used + 1))
    with pytest.raises(dual_engine.EngineDisagreement, match="py-evm"):
        machine.transact(actor_address("caller"), address, bytes(64), 12)


def test_the_block_environment_is_the_same_on_both_engines():
    """NUMBER, TIMESTAMP, CHAINID, GASLIMIT, BASEFEE, COINBASE and PREVRANDAO, as a contract
    sees them, in a deployment's and later transactions' blocks."""
    opcodes = (0x43, 0x42, 0x46, 0x45, 0x48, 0x41, 0x44)
    runtime = b"".join(bytes((op, 0x60, 32 * i, 0x52)) for i, op in enumerate(opcodes))
    runtime += bytes((0x60, 32 * len(opcodes), 0x60, 0, 0xF3))
    initcode = bytes.fromhex(f"60{len(runtime):02x}600c60003960{len(runtime):02x}6000f3") + runtime
    machine = dual_engine.DualMachine()
    address = machine.deploy(actor_address("deployer"), initcode, 0)
    outcomes = [machine.transact(actor_address("caller"), address, b"", t) for t in (12, 36)]
    number, timestamp = (int.from_bytes(outcomes[1].output[i:i + 32], "big") for i in (0, 32))
    assert (number, timestamp) == (int.from_bytes(outcomes[0].output[:32], "big") + 1, 36)


def test_revm_without_pyrevm_is_bad_input_and_auto_falls_back_to_py_evm(monkeypatch):
    import bridgelab.evm.machine as machine
    import bridgelab.scenario.model as schema

    real = schema.find_spec
    monkeypatch.setattr(schema, "find_spec",
                        lambda name: None if name == "pyrevm" else real(name))
    with pytest.raises(ScenarioError) as refused:
        _scenario("attacks/baseline.toml",
                  {"settlement": {"contract": "evm", "evm_engine": "revm"}})
    assert refused.value.key == "settlement.evm_engine"
    assert "pyrevm is missing" in refused.value.message
    monkeypatch.setattr(machine, "find_spec",
                        lambda name: None if name == "pyrevm" else real(name))
    assert choose_engine("auto", needs_bls_precompiles=False) == "py-evm"


def test_a_rotation_to_threshold_bls_under_revm_stops_rather_than_verify_nothing():
    from tests.evm.evm_cases import VERSION, custody
    from tests.evm.test_evm_governance import _rotation

    current = custody("multisig")
    pair = Pair(Config(current.trust_root(VERSION)))
    assert pair.evm.machine.engine == "revm"
    new_root = custody("threshold-bls").trust_root(VERSION + 1)
    with pytest.raises(RuntimeError, match="evm_engine = 'py-evm'"):
        pair.evm.process_rotate(_rotation(current, new_root, range(current.members)), 12)
