"""The checker reads how many shares the group key takes from the recorded Feldman
commitments, in the DKG record and in every refresh, never from the model's own count."""

from __future__ import annotations

import pytest

from bridgelab.checker.monitor import Monitor
from bridgelab.checker.policy import CommitteePolicy
from bridgelab.consortium.escrow import ESCROW_CONTRACT
from bridgelab.core.history import Event
from bridgelab.core.rng import Streams
from bridgelab.crypto import symbolic
from bridgelab.crypto.bls.backend import G1_IDENTITY
from bridgelab.crypto.bls.dkg import CommitteeKey
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.protocol.messages import BridgeMessage, certificate_fields, trust_root_fields
from bridgelab.runner import run
from tests.conftest import small_scenario

IDENTITY = G1_IDENTITY.hex()


def _custody() -> ThresholdBlsCustody:
    symbolic.reset()  # a fresh discrete-log registry, as a symbolic run starts with
    return ThresholdBlsCustody(Streams(4), 5, 3, (), "arkworks", "symbolic")


def _dkg_fields(custody: ThresholdBlsCustody) -> dict:
    key = custody.key
    return {"group_key": key.group_pk.hex(), "threshold": key.shares_needed,
            "commitments": [commitment.hex() for commitment in key.commitments]}


def _quorum_checks(custody: ThresholdBlsCustody, key_events: list[tuple[str, dict]]) -> list:
    """The certificate-quorum checks that fail for a 3-of-5 certificate after `key_events`."""
    root = custody.trust_root(1)
    message = BridgeMessage("deposit", 0, "A", 10, "u", "u", ESCROW_CONTRACT, 1, bytes(32))
    digest = message.digest(1)
    cert = custody.assemble(message, 1, {m: custody.endorse(m, digest) for m in range(3)})
    monitor = Monitor(policy=CommitteePolicy("threshold-bls", 5, 3, ()), signatures="symbolic")
    events = [
        *key_events,
        ("trust_root", trust_root_fields(root)),
        ("lock", {"nonce": 0, "asset": "A", "amount": 10, "recipient": "u", "escrowed": 10}),
        ("mint", {"nonce": 0, "asset": "A", "amount": 10, "recipient": "u",
                  "certificate": certificate_fields(cert)}),
    ]
    for seq, (kind, fields) in enumerate(events):
        actor = "escrow" if kind == "lock" else "bridge"
        monitor.observe(Event(seq, float(seq), actor, kind, fields))
    return [v.detail.split("'")[1] for v in monitor.violations
            if v.property == "safety.certificate-quorum"]


def _lowered(commitments: list[str]) -> list[str]:
    # The top coefficient committed as zero: the polynomial a degree lower.
    return [*commitments[:-1], IDENTITY]


def test_the_dkgs_commitments_as_recorded_meet_the_policy():
    custody = _custody()
    assert _quorum_checks(custody, [("custody.dkg", _dkg_fields(custody))]) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # Commitments of a lower degree, and a record that says so: too few shares needed.
        (lambda f: {**f, "threshold": 2, "commitments": _lowered(f["commitments"])},
         "group_key_threshold"),
        # The same commitments under the configured count: the record contradicts itself.
        (lambda f: {**f, "commitments": _lowered(f["commitments"])}, "group_key_commitments"),
        (lambda f: {key: v for key, v in f.items() if key != "commitments"},
         "group_key_commitments"),
        (lambda f: {**f, "commitments": f["commitments"][1:]}, "group_key_commitments"),
        (lambda f: {**f, "commitments": "not a list"}, "group_key_commitments"),
    ],
)
def test_a_dkg_record_whose_commitments_take_fewer_shares_or_do_not_check_fails(edit, expected):
    custody = _custody()
    assert _quorum_checks(custody, [("custody.dkg", edit(_dkg_fields(custody)))]) == [expected]


def test_a_refresh_to_a_lower_degree_or_another_key_fails_the_policy():
    custody = _custody()
    dkg = ("custody.dkg", _dkg_fields(custody))
    same = {"epoch": 1, "group_key": custody.key.group_pk.hex(),
            "commitments": _dkg_fields(custody)["commitments"]}
    assert _quorum_checks(custody, [dkg, ("custody.refresh", same)]) == []
    lower = {**same, "commitments": _lowered(same["commitments"])}
    assert _quorum_checks(custody, [dkg, ("custody.refresh", lower)]) == ["group_key_threshold"]
    # A refresh back to full degree does not restore it: the epoch-1 shares may still be held.
    later = ("custody.refresh", {**same, "epoch": 2})
    assert _quorum_checks(custody, [dkg, ("custody.refresh", lower), later]) == [
        "group_key_threshold"
    ]
    other = _custody_with_seed(5).key.commitments
    moved = {**same, "group_key": other[0].hex(), "commitments": [c.hex() for c in other]}
    assert _quorum_checks(custody, [dkg, ("custody.refresh", moved)]) == [
        "group_key_commitments"
    ]
    assert _quorum_checks(custody, [("custody.refresh", same)]) == ["group_key_commitments"]


def _custody_with_seed(seed: int) -> ThresholdBlsCustody:
    return ThresholdBlsCustody(Streams(seed), 5, 3, (), "arkworks", "symbolic")


def test_a_model_that_miscounts_its_own_key_is_caught_from_the_commitments(monkeypatch):
    """The model's DKG builds a polynomial of a lower degree and its own count says the
    configured threshold: the checker, counting from the commitments, fails the run."""
    import bridgelab.custody.threshold_bls as custody_module

    real_dkg = custody_module.run_dkg

    def lower_degree_dkg(members, threshold, rng, **kwargs):
        return real_dkg(members, threshold - 1, rng, **kwargs)

    monkeypatch.setattr(custody_module, "run_dkg", lower_degree_dkg)
    monkeypatch.setattr(CommitteeKey, "shares_needed", property(lambda key: key.t + 1))
    scenario = small_scenario({"committee": {"custody": "threshold-bls",
                                             "signatures": "symbolic"}})
    result = run(scenario, 1)
    failures = [v["detail"] for v in result.violations
                if v["property"] == "safety.certificate-quorum"]
    assert failures and "'group_key_commitments'" in failures[0]
    assert result.exit_code == 1
