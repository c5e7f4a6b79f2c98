"""ECDSA nonce reuse: two signatures with one nonce give the key away (Anyswap 2021)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.crypto.ecdsa_raw import (
    N,
    NonceReusingSigner,
    address_of_secret,
    recover_private_key,
    sign_with_nonce,
    signer_from_secret,
)
from bridgelab.crypto.secp256k1 import HALF_ORDER, EcdsaSigner, ecrecover
from bridgelab.runner import run
from tests.conftest import deep_merge, small_scenario

scalars = st.integers(min_value=1, max_value=N - 1)
digests = st.binary(min_size=32, max_size=32)


@settings(max_examples=40, deadline=None)
@given(secret=scalars, nonce=scalars, z1=digests, z2=digests)
def test_two_signatures_with_one_nonce_reveal_the_key(secret, nonce, z1, z2):
    if int.from_bytes(z1, "big") % N == int.from_bytes(z2, "big") % N:
        return
    sig1 = sign_with_nonce(secret, z1, nonce)
    sig2 = sign_with_nonce(secret, z2, nonce)
    address = address_of_secret(secret)
    # Real Ethereum signatures: low s, and ecrecover names the signer.
    assert ecrecover(z1, sig1) == ecrecover(z2, sig2) == address
    assert int.from_bytes(sig1[32:64], "big") <= HALF_ORDER
    assert sig1[:32] == sig2[:32]
    recovered = recover_private_key(z1, sig1, z2, sig2)
    assert recovered == secret
    assert signer_from_secret(recovered).address == address


@settings(max_examples=20, deadline=None)
@given(secret=scalars, k1=scalars, k2=scalars, z1=digests, z2=digests)
def test_different_nonces_reveal_nothing(secret, k1, k2, z1, z2):
    sig1 = sign_with_nonce(secret, z1, k1)
    sig2 = sign_with_nonce(secret, z2, k2)
    if sig1[:32] == sig2[:32]:
        return  # the same point (k2 = +-k1): not a case of different nonces
    with pytest.raises(ValueError):
        recover_private_key(z1, sig1, z2, sig2)


def test_libsecp256k1_signatures_never_share_a_nonce():
    signer = EcdsaSigner(b"\x07" * 32)
    sig1, sig2 = signer.sign_digest(b"\x01" * 32), signer.sign_digest(b"\x02" * 32)
    with pytest.raises(ValueError, match="different r"):
        recover_private_key(b"\x01" * 32, sig1, b"\x02" * 32, sig2)


def test_the_flawed_signer_signs_validly_for_the_members_address():
    honest = EcdsaSigner(b"\x09" * 32)
    flawed = NonceReusingSigner.replacing(honest, 12345)
    assert flawed.address == honest.address
    assert ecrecover(b"\x03" * 32, flawed.sign_digest(b"\x03" * 32)) == honest.address
    assert "redacted" in repr(flawed)


QUIET = {
    "workload": {"deposits": 10, "withdrawals": 0, "deposit_interval": 5.0},
    "adversary": {"extract": False},
}
NONCE_REUSE = {"kind": "ecdsa.nonce_reuse", "schedule": {"at": 10.0}, "params": {"member": 2}}
# Threshold - 1 = 5 seats, the required member 0 among them, from a compromised operator.
FIVE_SEATS = {
    "kind": "key.compromise", "targets": {"members": [0, 1, 3, 4, 5]},
    "schedule": {"at": 5.0}, "params": {"dwell": 1.0},
}


def _run(attacks, extra=None):
    overrides = deep_merge(QUIET, {"attacks": attacks})
    if extra:
        overrides = deep_merge(overrides, extra)
    captured = {}

    def setup(bridge):
        captured["bridge"] = bridge
        signers = getattr(bridge.custody, "_signers", None)
        if signers is not None:
            captured["secret"] = signers[2]._key.to_int()

    result = run(small_scenario(overrides), 1, keep_history=True, setup=setup)
    return result, captured


def _events(captured, kind):
    return [e for e in captured["bridge"].world.history.events if e.kind == kind]


def _safety_failed(result):
    return {p for p, v in result.verdicts.items() if v == "fail" and p.startswith("safety.")}


def test_nonce_reuse_alone_recovers_one_key_and_breaks_nothing():
    result, captured = _run([NONCE_REUSE])
    recovered = _events(captured, "attack.key_recovered")
    address = captured["bridge"].custody.addresses[2]
    assert [e.fields for e in recovered] == [{"member": 2, "address": address}]
    assert captured["bridge"].adversary.recovered[2].address == address
    # One key of six: submitted all the same, and the destination refuses it.
    (submitted,) = _events(captured, "attack.submit")
    assert submitted.fields["signers"] == [2]
    reverted = [e for e in _events(captured, "tx.reverted")
                if e.fields["tx"] == submitted.fields["tx"]]
    assert len(reverted) == 1
    assert not _safety_failed(result) and result.inconclusive == []
    # What the adversary learnt never reaches the history: not the key, not the nonce.
    text = "\n".join(e.to_json() for e in captured["bridge"].world.history.events)
    nonce = captured["bridge"].custody._signers[2]._nonce
    for secret in (captured["secret"], nonce):
        assert f"{secret:064x}" not in text and str(secret) not in text


def test_threshold_minus_one_seats_are_refused_until_nonce_reuse_tips_it_over():
    alone, _ = _run([FIVE_SEATS])
    assert not _safety_failed(alone)
    result, captured = _run([FIVE_SEATS, NONCE_REUSE])
    assert {"safety.mint-backed-by-final-lock", "safety.supply-conservation"} <= (
        _safety_failed(result)
    )
    submits = _events(captured, "attack.submit")
    # The five seats alone were refused; with the recovered key the forgery has six.
    assert [len(e.fields["signers"]) for e in submits] == [5, 6]
    reverted = [e for e in _events(captured, "tx.reverted")
                if e.fields["tx"].startswith("attack-0")]
    assert reverted[0].fields["check"] == "certificate_below_threshold"
    unbacked = [v for v in result.violations
                if v["property"] == "safety.mint-backed-by-final-lock"]
    assert unbacked[0]["event_kind"] == "mint"
    assert f"lock #{submits[1].fields['nonce']}" in unbacked[0]["detail"]


def test_nonce_reuse_does_not_apply_to_threshold_bls_endorsements():
    result, captured = _run([NONCE_REUSE], {"committee": {"custody": "threshold-bls"}})
    assert _events(captured, "attack.failed")[0].fields["reason"] == "not_applicable"
    assert not _safety_failed(result)
    assert any("found nothing to attack" in reason for reason in result.inconclusive)
