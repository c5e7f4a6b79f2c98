"""`forge.unbound_digest`: an honest certificate's digest and signatures replayed beside a
forged deposit. The bridge's verifier derives the digest and refuses it; a user's contract
that takes the digest from the caller mints it, and the checker, which derives the digest
itself, fails it. A run in which the attack found nothing to copy vouches for nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridgelab.protocol.messages import (
    BridgeMessage,
    Certificate,
    certificate_fields,
    certificate_from_fields,
)
from bridgelab.runner import run
from bridgelab.scenario import load_scenario
from bridgelab.scenario.load import deep_merge, parse_scenario
from bridgelab.scenario.reader import read_toml
from tests.conftest import byo_example_copy, small_scenario

ROOT = Path(__file__).resolve().parents[2]
BYO = ROOT / "attacks" / "byo-contract"
ATTACK = {"kind": "forge.unbound_digest", "schedule": {"at": 60.0},
          "params": {"amount": 1_000_000}}
QUIET = {"workload": {"deposits": 10, "withdrawals": 0, "deposit_interval": 5.0},
         "adversary": {"extract": False}}
BATCHED = {"relayers": {"batch_max": 4, "batch_window": 6.0}}
BROKEN = {"safety.certificate-quorum", "safety.mint-backed-by-final-lock",
          "safety.supply-conservation", "safety.escrow-covers-supply"}


def _run(scenario, base_dir: Path | None = None):
    captured = {}
    result = run(scenario, 1, keep_history=True, base_dir=base_dir,
                 setup=lambda bridge: captured.update(bridge=bridge))
    return result, captured["bridge"].world.history.events


def _safety_failed(result) -> set[str]:
    return {p for p, v in result.verdicts.items() if p.startswith("safety.") and v == "fail"}


def _attack_reverts(events) -> list[str]:
    return [e.fields["check"] for e in events
            if e.kind == "tx.reverted" and "unbound_digest" in e.fields["tx"]]


@pytest.mark.parametrize(("custody", "extra", "check"), [
    ("multisig", {}, "certificate_unauthorised_signer"),
    ("multisig", BATCHED, "certificate_unauthorised_signer"),
    ("threshold-bls", {}, "certificate_group_signature"),
])
def test_the_bridges_verifier_derives_the_digest_and_refuses(custody, extra, check):
    scenario = small_scenario(deep_merge(QUIET, deep_merge(extra, {
        "committee": {"custody": custody}, "attacks": [ATTACK]})))
    result, events = _run(scenario)
    replayed = [e.fields for e in events if e.kind == "attack.replayed_signatures"]
    assert len(replayed) == 1 and replayed[0]["copied_nonce"] < replayed[0]["nonce"]
    assert _attack_reverts(events) == [check]
    assert not _safety_failed(result)
    assert not result.inconclusive, result.inconclusive


def _fixed_byo(tmp_path: Path) -> Path:
    """The shipped example with its empty-certificate flaw removed: only the unbound digest
    is left to find."""
    return byo_example_copy(tmp_path / "byo", fix=True)


@pytest.mark.parametrize("batched", [False, True])
def test_a_contract_that_takes_the_digest_from_the_caller_mints_the_forgery(tmp_path, batched):
    pytest.importorskip("eth", reason="needs the 'evm' extra")
    directory = _fixed_byo(tmp_path)
    data = read_toml(directory / "unbound-digest.toml")
    if batched:
        # A batched certificate signs its batch's digest: the claimed digest is that one.
        data = deep_merge(data, BATCHED)
    result, events = _run(parse_scenario(data, "unbound-digest.toml"), directory)
    assert _safety_failed(result) == BROKEN
    divergences = [e.fields for e in events if e.kind == "contract.divergence"]
    assert [d["model_check"] for d in divergences] == ["certificate_unauthorised_signer"]
    quorum = [v for v in result.violations if v["property"] == "safety.certificate-quorum"]
    assert "unauthorised_signer" in quorum[0]["detail"]
    # The forged mint carries the claimed digest in the history, beside its own message.
    minted = [e.fields for e in events if e.kind == "mint"
              and e.fields["certificate"].get("claimed_digest") is not None]
    replayed = next(e.fields for e in events if e.kind == "attack.replayed_signatures")
    assert [m["certificate"]["claimed_digest"] for m in minted] == [replayed["digest"]]


def test_the_shipped_witness_breaks_the_shipped_contract():
    pytest.importorskip("eth", reason="needs the 'evm' extra")
    result, _ = _run(load_scenario(BYO / "unbound-digest.toml"), BYO)
    assert _safety_failed(result) == BROKEN


def test_an_attack_with_nothing_to_copy_leaves_the_run_inconclusive():
    """No deposit, so no certificate to copy: the round records that it tested nothing and
    the run may not vouch for safety, though every property holds."""
    scenario = small_scenario(deep_merge(QUIET, {
        "workload": {"deposits": 0, "withdrawals": 0}, "attacks": [ATTACK]}))
    result, events = _run(scenario)
    failed = [e.fields for e in events if e.kind == "attack.failed"]
    assert failed == [{"reason": "no_certificate_seen", "attack": "forge.unbound_digest",
                       "tested": False}]
    assert not _safety_failed(result)
    assert any("found nothing to attack" in reason for reason in result.inconclusive)


def test_a_claimed_digest_is_recorded_only_when_there_is_one():
    message = BridgeMessage("deposit", 7, "GTJA-SP1", 5, "alice", "bob", "escrow", 3,
                            bytes(32), "")
    plain = Certificate(message, 1, "multisig", (b"\x01" * 65,))
    claimed = Certificate(message, 1, "multisig", (b"\x01" * 65,), claimed_digest=b"\x02" * 32)
    assert "claimed_digest" not in certificate_fields(plain)
    assert certificate_from_fields(certificate_fields(plain)) == plain
    assert certificate_from_fields(certificate_fields(claimed)) == claimed
    assert certificate_fields(claimed)["claimed_digest"] == "02" * 32
