"""The bridge with the L2 as its destination, and the L2 attacks against it.

Deposits are credited on the L2 after the PTC certificate and the oracle's M-of-N approval;
withdrawals start on the L2 and are released once their batch is final on L1. The attack
tests run on small variants (20 transfers, batches every minute, 4-slot L1 finality).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bridgelab.actors.member_checks import L2_WITHDRAWAL_CHECKS, refusal
from bridgelab.checker import l2_metrics
from bridgelab.crypto import merkle
from bridgelab.l2.gateway import (
    L2_NONCE_BASE,
    L2WithdrawalProof,
    deposit_ref,
)
from bridgelab.l2.message_oracle import DepositMessage
from bridgelab.nemesis.specs import CATALOG
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.protocol.revert import Revert
from bridgelab.runner import Bridge, RunResult, run
from bridgelab.scenario import load_scenario, parse_scenario
from bridgelab.scenario.load import ScenarioError
from bridgelab.settlement.bridge_contract import process_mint
from bridgelab.settlement.transactions import Fee, MintTx
from tests.conftest import ATTACKS, small_scenario

BASELINE_L2 = ATTACKS / "baseline-l2.toml"
L2_FILES = sorted(ATTACKS.glob("l2-*.toml"))
# Batches every minute and a 20-minute hatch: each run takes simulated minutes.
FAST_L2 = {
    "enabled": True,
    "destination": "l2",
    "batch_interval": 60.0,
    "resubmit_after": 36.0,
    "max_resubmits": 3,
    "escape_timeout": 1_200.0,
}
# The properties an L2 round trip exercises; any other registered one may be not_exercised.
CORE = (
    "safety.supply-conservation",
    "safety.no-double-mint",
    "safety.no-double-release",
    "safety.certificate-quorum",
    "safety.mint-backed-by-final-lock",
    "safety.release-backed-by-final-burn",
    "liveness.deposits-minted",
    "liveness.withdrawals-released",
)


def l2_scenario(l2: dict[str, Any] | None = None, **overrides: Any):
    return small_scenario({"l2": {**FAST_L2, **(l2 or {})}, **overrides})


def run_captured(
    scenario, seed: int = 1, out: Path | None = None
) -> tuple[RunResult, Bridge, list[dict[str, Any]]]:
    """Run, keeping the built bridge and the history records."""
    captured: list[Bridge] = []
    result = run(scenario, seed, out, keep_history=True, setup=captured.append)
    bridge = captured[0]
    records = [
        {"t": event.time, "actor": event.actor, "kind": event.kind, **event.fields}
        for event in bridge.world.history.events
    ]
    return result, bridge, records


def all_hold(result: RunResult) -> bool:
    """Every core property passes and no safety or liveness property fails."""
    verdicts = result.verdicts
    judged = [v for p, v in verdicts.items() if p.startswith(("safety.", "liveness."))]
    return all(verdicts[p] == "pass" for p in CORE) and "fail" not in judged


def safe(result: RunResult) -> bool:
    verdicts = result.verdicts
    return all(verdicts[p] == "pass" for p in CORE if p.startswith("safety.")) and not [
        p for p, v in verdicts.items() if p.startswith("safety.") and v == "fail"
    ]


def of_kind(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [record for record in records if record["kind"] == kind]


def attack(kind: str, at: float, heal: float | None = None, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"kind": kind, "schedule": {"at": at}, **extra}
    if heal is not None:
        spec["heal"] = {"after": heal}
    return spec


# -- the shipped L2 baseline ----------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline_l2(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline-l2")
    scenario = load_scenario(BASELINE_L2)
    result, bridge, records = run_captured(scenario, 1, out)
    return scenario, result, bridge, records, out


def test_baseline_l2_round_trip_credits_every_deposit_and_releases_every_withdrawal(
    baseline_l2,
):
    scenario, result, bridge, records, out = baseline_l2
    assert all_hold(result), result.verdicts
    assert result.violations == [] and result.settled
    workload = scenario.workload
    transfers = result.metrics["transfers"]
    assert transfers["locks"] == transfers["mints"] == workload.deposits
    assert transfers["burns"] == transfers["releases"] == workload.withdrawals
    volume = result.metrics["volume"]
    assert volume["locked"] == volume["minted"] == volume["burned"] == volume["released"] > 0
    deposits = result.metrics["l2"]["deposits"]
    assert deposits == {key: workload.deposits for key in deposits}  # requested .. final
    # Every mint is an L2 credit and every burn an L2 withdrawal: nothing touched L1's supply.
    assert {r.get("layer") for r in of_kind(records, "mint") + of_kind(records, "burn")} == {"l2"}
    assert bridge.settlement.bridge.minted_total == {}
    assert all(r["nonce"] >= L2_NONCE_BASE for r in of_kind(records, "burn"))
    # The certificate stays in the path: each credit carries one, checked by the monitor.
    assert all(r["certificate"] is not None for r in of_kind(records, "mint"))
    saved = json.loads((out / "results.json").read_text())
    assert saved["metrics"]["l2"]["deposit_settlement_lag_s"]["count"] == workload.deposits


def test_baseline_l2_settlement_lag_is_batch_wait_plus_inclusion_plus_finality(baseline_l2):
    scenario, result, _, records, _ = baseline_l2
    config, settlement = scenario.l2, scenario.settlement
    slot, finality = settlement.slot_time, settlement.finality_slots * settlement.slot_time
    times = l2_metrics.deposit_times(records)
    assert len(times) == scenario.workload.deposits
    for deposit in times:
        to_batch = math.ceil(deposit.soft / config.batch_interval) * config.batch_interval
        to_batch -= deposit.soft
        # Inclusion waits for the next slot: half a slot on average, at most one.
        expected = to_batch + slot / 2 + finality
        assert abs(deposit.settlement_lag - expected) <= config.tolerance, (deposit, expected)
    lag = result.metrics["l2"]["deposit_settlement_lag_s"]
    # On average a deposit waits half a batch interval for its batch.
    mean_expected = config.batch_interval / 2 + slot / 2 + finality
    assert abs(lag["mean"] - mean_expected) <= config.batch_interval / 4, lag


# -- the committee's check of an L2 withdrawal and the inbox's check of a deposit ------------


@pytest.fixture(scope="module")
def small_l2_run():
    return run_captured(l2_scenario())


def test_small_l2_run_passes(small_l2_run):
    result, _, _ = small_l2_run
    assert all_hold(result), result.verdicts


def test_committee_checks_l2_withdrawals_against_l1_not_the_relayer(small_l2_run):
    _, bridge, records = small_l2_run
    l2, settlement = bridge.l2, bridge.settlement
    burn = of_kind(records, "burn")[0]
    batch = l2.batcher.batches[burn["batch"]]
    leaves = [item.leaf() for item in batch.withdrawals]
    position = next(i for i, item in enumerate(batch.withdrawals)
                    if L2_NONCE_BASE + item.index == burn["nonce"])
    header = batch.l1_header
    message = BridgeMessage(
        "withdrawal", burn["nonce"], burn["asset"], burn["amount"], burn["sender"],
        burn["recipient"], "settlement:bridge", header.number, header.hash,
    )
    proof = L2WithdrawalProof("relayer-0", message, batch.number, leaves[position],
                              merkle.prove(leaves, position))
    view = bridge.members[0].view

    def check_l2_withdrawal(proof, l2, settlement):
        checked = replace(view, l2=l2, settlement=settlement)
        return refusal(L2_WITHDRAWAL_CHECKS, checked, proof) or "ok"

    assert check_l2_withdrawal(proof, l2, settlement) == "ok"
    bigger = replace(message, amount=message.amount * 10)
    assert check_l2_withdrawal(replace(proof, message=bigger), l2, settlement) == "event_fields"
    forged_leaf = replace(proof, message=bigger, leaf=_leaf_for(bigger))
    assert check_l2_withdrawal(forged_leaf, l2, settlement) == "merkle_inclusion"
    moved = replace(message, source_block=header.number + 1)
    assert check_l2_withdrawal(replace(proof, message=moved), l2, settlement) == "source_block"
    l1_range = replace(message, nonce=7)
    assert check_l2_withdrawal(replace(proof, message=l1_range), l2, settlement) == "nonce_range"
    assert check_l2_withdrawal(replace(proof, batch=10_000), l2, settlement) == "unknown_batch"
    assert check_l2_withdrawal(proof, None, settlement) == "no_l2"


def _leaf_for(message: BridgeMessage) -> bytes:
    from bridgelab.l2.sequencer import withdrawal_leaf

    return withdrawal_leaf(message.nonce - L2_NONCE_BASE, message.asset, message.amount,
                           message.sender, message.recipient)


def test_the_inbox_checks_certificates_and_marks_the_nonce_used_on_l1(small_l2_run):
    _, bridge, _ = small_l2_run
    gateway = bridge.l2_gateway
    certificate, _ = gateway.certificates[deposit_ref(0)]
    # A replay is refused; so is a certificate cut below the threshold.
    assert not gateway.deliver(certificate, "relayer-x")
    fresh = replace(certificate.message, nonce=10_000)
    cut = replace(certificate, message=fresh, signatures=certificate.signatures[:2])
    assert not gateway.deliver(cut, "relayer-x")
    checks = [r["check"] for r in of_kind(_records(bridge), "l2.bridge.deliver")[-2:]]
    assert checks[0] == "nonce_unused" and checks[1].startswith("certificate_")
    # The same certificate cannot also mint on L1: the inbox used the nonce.
    mint = MintTx("tx-x", "relayer-x", bridge.world.now, Fee(100_000, 1), certificate)
    with pytest.raises(Revert) as refused:
        process_mint(bridge.settlement.bridge, mint, bridge.world.now)
    assert refused.value.check == "nonce_unused"


def _records(bridge: Bridge) -> list[dict[str, Any]]:
    return [{"t": e.time, "kind": e.kind, **e.fields} for e in bridge.world.history.events]


def test_a_deposit_forged_by_colluding_oracle_members_is_caught_by_the_monitor():
    scenario = l2_scenario()
    asset = scenario.workload.asset

    def strike(bridge: Bridge):
        yield bridge.world.env.timeout(50.0)
        bridge.l2.oracle.collude([0, 1, 2])  # M = 3 colluders: no lock, no certificate
        bridge.l2.oracle.forge(DepositMessage("forged-1", "mallory", asset, 10**9, 50.0))

    captured: list[Bridge] = []

    def setup(bridge: Bridge) -> None:
        captured.append(bridge)
        bridge.world.env.process(strike(bridge))

    result = run(scenario, 1, keep_history=True, setup=setup)
    [forged] = [r for r in _records(captured[0]) if r["kind"] == "mint"
                and r["ref"] == "forged-1"]
    assert forged["certificate"] is None and forged["layer"] == "l2"
    failed = {p for p, v in result.verdicts.items() if v == "fail"}
    assert {"safety.mint-backed-by-final-lock", "safety.supply-conservation"} <= failed
    assert result.verdicts["safety.certificate-quorum"] == "pass"  # no certificate was forged


# -- L2 attacks -----------------------------------------------------------------------------


def test_sequencer_halt_shorter_than_the_escape_timeout_recovers_after_the_heal():
    halt_at, heal_after = 30.0, 300.0
    scenario = l2_scenario(attacks=[attack("l2.sequencer_halt", halt_at, heal_after)])
    result, _, records = run_captured(scenario)
    assert all_hold(result), result.verdicts
    workload = scenario.workload
    transfers = result.metrics["transfers"]
    assert transfers["mints"] == workload.deposits
    assert transfers["releases"] == workload.withdrawals
    heal = halt_at + heal_after
    soft = [r["t"] for r in of_kind(records, "l2.soft_confirm")]
    assert not [t for t in soft if halt_at + 1.0 < t < heal]  # nothing confirmed while down
    assert max(soft) > heal  # the backlog was confirmed after the heal
    summary = result.metrics["l2"]
    assert summary["sequencer"]["halts"] == 1 and not summary["escape"]["opened"]
    assert summary["deposit_soft_confirm_s"]["max"] > heal_after / 2


def test_sequencer_halt_past_the_escape_timeout_lets_users_escape_and_conserves_supply():
    scenario = l2_scenario(
        {"escape_timeout": 300.0},
        scenario={"name": "halt-escape", "duration": 900.0},
        workload={"deposits": 20, "withdrawals": 4, "deposit_interval": 5.0},
        attacks=[attack("l2.sequencer_halt", 70.0)],
    )
    result, bridge, records = run_captured(scenario)
    l2 = bridge.l2
    assert l2.hatch.open
    summary = result.metrics["l2"]["escape"]
    assert summary["opened"] and summary["withdrawals"] >= 1 and summary["paid"] > 0
    finalised = l2.batcher.last_finalized_state
    asset = scenario.workload.asset
    paid = of_kind(records, "l2.escape.paid_on_l1")
    assert paid and sum(r["amount"] for r in paid) == summary["paid"]
    for record in paid:
        # Each escaper gets exactly its balance in the last finalised state, as L1 tokens.
        assert record["amount"] == finalised.balance(record["account"], asset) > 0
        assert bridge.settlement.bridge.balances[(record["account"], asset)] == record["amount"]
    # An escape is not a mint: supply is conserved, and no other safety property breaks.
    assert safe(result), result.verdicts
    volume = result.metrics["volume"]
    assert volume["minted"] - volume["burned"] <= volume["locked"] - volume["released"]
    assert summary["paid"] <= volume["minted"] - volume["burned"]
    # Deposits after the halt are never credited: liveness says so.
    assert result.verdicts["liveness.deposits-minted"] == "fail"


def test_redemption_run_queue_rises_then_drains():
    scenario = l2_scenario(
        workload={"deposits": 20, "withdrawals": 0, "deposit_interval": 5.0},
        attacks=[attack("l2.redemption_run", 150.0, params={"fraction": 0.5})],
    )
    result, _, records = run_captured(scenario)
    assert all_hold(result), result.verdicts
    summary = result.metrics["l2"]
    [run_] = summary["redemption_runs"]
    redeemers = run_["withdrawals"]
    assert redeemers >= 5 and run_["outstanding"] == 0
    assert run_["drained_after_s"] >= scenario.settlement.finality_slots * 12.0
    assert summary["redemption_queue"]["max"] >= redeemers  # it rose ...
    assert summary["redemption_queue"]["final"] == 0  # ... and drained
    assert result.metrics["transfers"]["releases"] == redeemers  # each one released
    queue = 0
    lengths = []
    for record in records:
        if record["kind"] == "l2.withdraw.request" and record["accepted"]:
            queue += 1
        elif record["kind"] == "l2.withdraw.final":
            queue -= 1
        lengths.append(queue)
    assert max(lengths) == redeemers and lengths[-1] == 0


def test_l1_congestion_grows_l2_settlement_lag_and_batches_re_bid():
    congestion = attack("settlement.congestion", 20.0,
                        params={"factor": 6.0, "priority_factor": 5.0, "duration": 400.0})
    calm, _, _ = run_captured(l2_scenario())
    busy, _, _ = run_captured(l2_scenario(attacks=[congestion]))
    for result in (calm, busy):
        assert all_hold(result), result.verdicts
    calm_l2, busy_l2 = calm.metrics["l2"], busy.metrics["l2"]
    slot = 12.0
    assert busy_l2["deposit_settlement_lag_s"]["mean"] > (
        calm_l2["deposit_settlement_lag_s"]["mean"] + 10 * slot
    )
    assert calm_l2["batches"]["resubmitted"] == 0
    assert busy_l2["batches"]["resubmitted"] >= 1


def test_oracle_below_quorum_stalls_deposits_until_the_heal():
    start, heal_after = 20.0, 300.0
    scenario = l2_scenario(attacks=[attack(
        "l2.oracle_offline", start, heal_after, targets={"select": "majority"},
    )])
    result, bridge, records = run_captured(scenario)
    assert all_hold(result), result.verdicts
    [fault] = of_kind(records, "fault.start")
    assert fault["online"] < fault["quorum"] == bridge.l2.config.oracle_quorum
    heal = start + heal_after
    requested = [r["t"] for r in of_kind(records, "l2.deposit.request") if r["accepted"]]
    approved = [r["t"] for r in of_kind(records, "l2.deposit.approved")]
    assert [t for t in requested if start < t < heal]  # deposits arrived during the fault
    assert not [t for t in approved if start < t < heal]  # ... and none was approved
    assert len(approved) == scenario.workload.deposits  # all of them after the heal
    assert result.metrics["transfers"]["mints"] == scenario.workload.deposits
    assert result.metrics["l2"]["deposit_approval_s"]["max"] > heal_after / 2


def test_sequencer_censorship_holds_only_the_named_account_until_the_heal():
    scenario = l2_scenario(attacks=[attack(
        "l2.sequencer_censor", 0.0, 400.0, params={"accounts": ["user-003"]},
    )])
    result, _, records = run_captured(scenario)
    assert all_hold(result), result.verdicts
    censored = of_kind(records, "l2.censored")
    assert censored
    soft = {r["tx"]: r for r in of_kind(records, "l2.soft_confirm")}
    for record in censored:
        assert soft[record["tx"]]["t"] >= 400.0  # ordered only after the heal
        assert soft[record["tx"]]["account"] == "user-003"


# -- scenarios and schema -------------------------------------------------------------------


@pytest.mark.parametrize("path", [BASELINE_L2, *L2_FILES], ids=lambda path: path.name)
def test_shipped_l2_scenarios_validate(path):
    scenario = load_scenario(path)
    assert scenario.l2.enabled and scenario.l2.destination == "l2"


def test_every_l2_attack_has_a_scenario_file_and_a_valid_example():
    kinds = {spec.kind for path in L2_FILES for spec in load_scenario(path).attacks}
    l2_kinds = {kind for kind in CATALOG if kind.startswith("l2.")}
    assert l2_kinds == {"l2.sequencer_halt", "l2.sequencer_censor", "l2.redemption_run",
                        "l2.oracle_offline"}
    assert l2_kinds | {"settlement.congestion"} <= kinds
    import tomllib

    for kind in sorted(l2_kinds):
        example = tomllib.loads(CATALOG[kind].example)["attacks"]
        parsed = l2_scenario(attacks=example)
        assert parsed.attacks[0].kind == kind


@pytest.mark.parametrize(("overrides", "key"), [
    ({"l2": {"destination": "l2"}}, "l2.destination"),
    ({"attacks": [{"kind": "l2.sequencer_halt"}]}, "attacks.0.kind"),
    ({"l2": {"enabled": True}, "attacks": [{"kind": "l2.oracle_offline",
                                            "targets": {"members": [5]}}]},
     "attacks.0.targets.members"),
])
def test_l2_schema_errors_name_the_key(overrides, key):
    with pytest.raises(ScenarioError) as error:
        small_scenario(overrides)
    assert error.value.key == key


def test_destination_defaults_to_l1():
    scenario = parse_scenario(
        {"scenario": {"name": "x"}, "l2": {"enabled": True}}, "<x>"
    )
    assert scenario.l2.destination == "l1"
