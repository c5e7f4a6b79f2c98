"""False "safe" verdicts from policies that did not mean what they said (issue 17, item 4).

Under threshold BLS one group signature cannot say who signed, so `required = [0]` was silently
ignored: with members 1-6 of a 6-of-9 committee compromised, multisig held but threshold BLS
minted a forgery, and `safety.certificate-quorum` passed because the checker re-verified the
certificate the same way the contract did. Now each required member's own signature travels
beside the group signature and both destinations check it; and the checker judges every
accepted certificate against the policy the scenario configures, not the recorded trust root.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bridgelab.checker.judge import check_records
from bridgelab.consortium.escrow import (
    ESCROW_CONTRACT,
    EscrowState,
    ReleaseTx,
    process_release,
)
from bridgelab.core.rng import Streams
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.protocol.revert import Revert
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.runner import run
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT, BridgeState, process_mint
from bridgelab.settlement.transactions import Fee, MintTx
from bridgelab.testing import scenario_from

# Members 1-6 of a 6-of-9 committee whose member 0 is required: enough seats, not member 0.
COMPROMISE_ALL_BUT_REQUIRED = {
    "kind": "key.compromise",
    "targets": {"members": [1, 2, 3, 4, 5, 6]},
    "schedule": {"at": 30.0},
    "params": {"amount": 5_000_000},
}


def _run(custody: str, flaws: list[str] = (), batch_max: int = 1):
    scenario = scenario_from(None, {
        "committee": {"custody": custody, "required": [0]},
        "bridge": {"flaws": list(flaws)},
        "relayers": {"batch_max": batch_max, "batch_window": 60.0 if batch_max > 1 else 0.0},
        "adversary": {"extract": False},
        "attacks": [COMPROMISE_ALL_BUT_REQUIRED],
    })
    captured: dict[str, Any] = {}
    result = run(scenario, 1, keep_history=True, setup=lambda b: captured.update(bridge=b))
    return result, captured["bridge"].world.history.events


def _failed(result) -> set[str]:
    return {prop for prop, verdict in result.verdicts.items() if verdict == "fail"}


@pytest.mark.parametrize("custody", ["multisig", "threshold-bls"])
def test_seats_without_the_required_member_cannot_mint_under_either_scheme(custody):
    result, events = _run(custody)
    assert not {prop for prop in _failed(result) if prop.startswith("safety.")}
    submitted = [e for e in events if e.kind == "attack.submit"]
    reverted = [e for e in events if e.kind == "tx.reverted"
                and e.fields["tx"].startswith("attack-0")]
    assert len(submitted) == 1
    assert [e.fields["check"] for e in reverted] == ["certificate_required_member_missing"]
    assert not [e for e in events if e.kind == "mint" and e.fields["nonce"] >= 10**9]


@pytest.mark.parametrize("batch_max", [1, 8])
def test_honest_bls_certificates_carry_the_required_members_co_signature(batch_max):
    result, events = _run("threshold-bls", batch_max=batch_max)
    certificates = [e.fields["certificate"] for e in events if e.kind in ("mint", "release")
                    and e.fields["nonce"] < 10**9]
    assert certificates and all(len(c["cosignatures"]) == 1 for c in certificates)
    if batch_max > 1:
        assert any("batch" in c for c in certificates)  # co-signed over the batch digest
    assert result.verdicts["liveness.deposits-minted"] == "pass"


@pytest.mark.parametrize("custody", ["multisig", "threshold-bls"])
def test_a_destination_that_skips_the_required_check_fails_certificate_quorum(custody):
    result, _ = _run(custody, ["required_members_unchecked"])
    assert {"safety.certificate-quorum", "safety.mint-backed-by-final-lock"} <= _failed(result)
    [quorum] = [v for v in result.violations if v["property"] == "safety.certificate-quorum"]
    assert quorum["event_kind"] == "mint"
    assert "'required_member_missing'" in quorum["detail"]


@pytest.mark.parametrize("destination", ["settlement", "consortium"])
def test_both_destinations_refuse_a_group_signature_without_the_co_signature(destination):
    custody = ThresholdBlsCustody(Streams(5), 9, 6, (0,))
    root = custody.trust_root(1)
    if destination == "settlement":
        message = BridgeMessage("deposit", 4, "A", 10, "u", "u", ESCROW_CONTRACT, 1, bytes(32))
    else:
        message = BridgeMessage("withdrawal", 4, "A", 10, "u", "u", BRIDGE_CONTRACT, 1,
                                bytes(32))
    digest = message.digest(1)
    cert = custody.assemble(message, 1, {m: custody.endorse(m, digest) for m in range(6)})
    stripped = replace(cert, cosignatures=())

    def submit(certificate):
        if destination == "settlement":
            state = BridgeState(root, VerifierConfig(), ESCROW_CONTRACT)
            return process_mint(state, MintTx("tx", "r", 0.0, Fee(0, 0), certificate))
        state = EscrowState(root, VerifierConfig(), BRIDGE_CONTRACT, None, escrowed={"A": 10})
        return process_release(state, ReleaseTx("tx", "r", certificate, 0.0))

    assert submit(cert).nonce == 4
    with pytest.raises(Revert) as refused:
        submit(stripped)
    assert refused.value.check == "certificate_required_member_missing"


# -- the checker holds certificates to the configured policy, not to the recorded root -------


@pytest.fixture(scope="module")
def honest_histories(tmp_path_factory) -> dict[str, tuple[Any, list[dict[str, Any]]]]:
    """An honest run of each scheme (6 of 9, member 0 required), as saved on disk."""
    histories = {}
    for custody in ("multisig", "threshold-bls"):
        scenario = scenario_from(None, {"committee": {"custody": custody},
                                        "workload": {"deposits": 3, "withdrawals": 0}})
        out = tmp_path_factory.mktemp(custody)
        run(scenario, 2, out)
        records = [json.loads(line) for line in Path(out / "history.jsonl").read_text()
                   .splitlines()]
        histories[custody] = (scenario, records)
    return histories


def _weakened(custody: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history as a deployment with a weaker trust root (3 signers, none required)
    would record it, its certificates cut to what that root accepts."""
    weakened = []
    for record in records:
        record = json.loads(json.dumps(record))
        if record["kind"] == "trust_root":
            record.update(threshold=3, required=[])
        certificate = record.get("certificate")
        if certificate:
            if custody == "multisig":
                certificate["signatures"] = certificate["signatures"][1:4]  # members 1-3
            certificate.pop("cosignatures", None)
        weakened.append(record)
    return weakened


@pytest.mark.parametrize("custody", ["multisig", "threshold-bls"])
def test_a_certificate_meeting_a_weakened_root_fails_the_configured_policy(
    custody, honest_histories
):
    from bridgelab.checker.policy import CommitteePolicy

    scenario, records = honest_histories[custody]
    policy = CommitteePolicy.of_scenario(scenario)
    assert check_records(records, policy=policy).verdicts()[
        "safety.certificate-quorum"] == "pass"
    weakened = _weakened(custody, records)
    monitor = check_records(weakened, policy=policy)
    assert monitor.verdicts()["safety.certificate-quorum"] == "fail"
    details = [v.detail for v in monitor.violations if v.property == "safety.certificate-quorum"]
    assert len(details) == 3  # each of the three mints
    assert all("'trust_root_threshold'" in d and "6-of-9" in d for d in details)
    # Without the configured policy the checker cannot vouch for them: unknown, never pass.
    unjudged = check_records(weakened)
    assert unjudged.verdicts()["safety.certificate-quorum"] == "unknown"
    assert any("no configured committee policy" in r for r in unjudged.inconclusive_reasons())


def test_a_dkg_that_built_a_lower_degree_than_asked_fails_the_configured_policy(monkeypatch):
    """The DKG record states what the DKG built (read from its commitments), not the
    configured threshold: a group polynomial one degree short (its top coefficient zero,
    so t - 1 shares would sign for the group) fails certificate-quorum."""
    from bridgelab.crypto.bls.backend import G1_IDENTITY
    from bridgelab.custody import threshold_bls

    real_dkg = threshold_bls.run_dkg

    def short_dkg(*args, **kwargs):
        key, shares = real_dkg(*args, **kwargs)
        return replace(key, commitments=(*key.commitments[:-1], G1_IDENTITY)), shares

    scenario = scenario_from(None, {"committee": {"custody": "threshold-bls"},
                                    "workload": {"deposits": 3, "withdrawals": 0}})
    honest = run(scenario, 1)
    assert honest.verdicts["safety.certificate-quorum"] == "pass"
    monkeypatch.setattr(threshold_bls, "run_dkg", short_dkg)
    result = run(scenario, 1)
    assert result.verdicts["safety.certificate-quorum"] == "fail"
    assert any("'group_key_threshold'" in violation["detail"]
               and "5-of-9 group key" in violation["detail"] for violation in result.violations)
