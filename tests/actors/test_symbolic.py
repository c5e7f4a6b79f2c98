"""Symbolic signatures (`[committee] signatures = "symbolic"`): cheap stand-ins, same model.

Unit tests of each stand-in (own signatures verify; wrong digest, wrong signer and malformed
bytes do not; real and symbolic verification never accept each other's signatures), then the
equivalence the mode promises: the same seed gives the same verdicts, metrics and history as
real cryptography, apart from the signature bytes.
"""

from __future__ import annotations

import json
import random
import threading
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab.cli import main
from bridgelab.consortium.block import Commit, Header, verify_commit, vote_bytes
from bridgelab.core.rng import Streams
from bridgelab.crypto import ed25519, symbolic, symbolic_bls
from bridgelab.crypto.bls import (
    InvalidPointError,
    MixedEpochError,
    PartialSignature,
    combine,
    combine_optimistic,
    get_backend,
    lagrange_coefficients,
    partial_sign,
    refresh,
    reshare,
    run_dkg,
    verify_partial,
)
from bridgelab.crypto.bls.backend import CURVE_ORDER, G1_IDENTITY
from bridgelab.crypto.ed25519 import Ed25519Signer
from bridgelab.crypto.hashing import keccak256
from bridgelab.crypto.secp256k1 import EcdsaSigner, ecrecover
from bridgelab.crypto.symbolic import (
    SymbolicEcdsaSigner,
    SymbolicEd25519Signer,
    symbolic_ecrecover,
    symbolic_ed25519_verify,
)
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.protocol.rotation import RotationCertificate, check_rotation, rotation_digest
from bridgelab.protocol.verifier import VerifierConfig, verify_certificate
from bridgelab.report.cli import VERDICT_CODES
from bridgelab.runner import run
from bridgelab.scenario import ScenarioError, parse_scenario
from bridgelab.scenario.load import scenario_hash
from tests.conftest import ATTACKS, baseline_data, deep_merge, small_scenario

DIGEST = keccak256(b"a bridge message")
OTHER_DIGEST = keccak256(b"another bridge message")
SECRET = bytes(range(1, 33))
OTHER_SECRET = bytes(range(2, 34))


# -- ECDSA ------------------------------------------------------------------------------------


def test_symbolic_ecdsa_keeps_the_real_address_and_verifies_its_own_signatures():
    signer, real = SymbolicEcdsaSigner(SECRET), EcdsaSigner(SECRET)
    assert signer.address == real.address
    signature = signer.sign_digest(DIGEST)
    assert len(signature) == len(real.sign_digest(DIGEST)) == 65
    assert symbolic_ecrecover(DIGEST, signature) == real.address
    assert symbolic_ecrecover(OTHER_DIGEST, signature) is None  # wrong digest
    assert "secret" not in repr(signer) and SECRET.hex() not in repr(signer)


def test_symbolic_ecdsa_refuses_wrong_signers_and_malformed_bytes():
    signer, other = SymbolicEcdsaSigner(SECRET), SymbolicEcdsaSigner(OTHER_SECRET)
    signature = signer.sign_digest(DIGEST)
    # Claiming another signer's address breaks the tag.
    forged = signature[:16] + bytes.fromhex(other.address[2:]) + signature[36:]
    assert symbolic_ecrecover(DIGEST, forged) is None
    flipped = signature[:40] + bytes([signature[40] ^ 1]) + signature[41:]
    assert symbolic_ecrecover(DIGEST, flipped) is None
    for garbage in (signature[:64], signature + b"\x00", b"", bytes(65), b"\xff" * 65):
        assert symbolic_ecrecover(DIGEST, garbage) is None
    assert symbolic_ecrecover(DIGEST[:31], signature) is None
    custody = MultisigCustody(Streams(3), 4, 3, (), "symbolic")
    endorsement = custody.endorse(1, DIGEST)
    assert custody.verify_endorsement(1, DIGEST, endorsement)
    assert not custody.verify_endorsement(2, DIGEST, endorsement)  # wrong signer
    assert not custody.verify_endorsement(1, OTHER_DIGEST, endorsement)


def test_real_and_symbolic_ecdsa_never_accept_each_other():
    symbolic_signature = SymbolicEcdsaSigner(SECRET).sign_digest(DIGEST)
    real_signature = EcdsaSigner(SECRET).sign_digest(DIGEST)
    assert ecrecover(DIGEST, symbolic_signature) is None
    assert symbolic_ecrecover(DIGEST, real_signature) is None
    real = MultisigCustody(Streams(3), 4, 3, ())
    symbolic_custody = MultisigCustody(Streams(3), 4, 3, (), "symbolic")
    assert real.addresses == symbolic_custody.addresses
    assert not real.verify_endorsement(0, DIGEST, symbolic_custody.endorse(0, DIGEST))
    assert not symbolic_custody.verify_endorsement(0, DIGEST, real.endorse(0, DIGEST))


# -- Ed25519 ----------------------------------------------------------------------------------


def test_symbolic_ed25519_keeps_the_real_key_and_verifies_only_its_own_signatures():
    signer, real = SymbolicEd25519Signer(SECRET), Ed25519Signer(SECRET)
    assert signer.public_key == real.public_key
    message, other_key = b"vote", SymbolicEd25519Signer(OTHER_SECRET).public_key
    signature = signer.sign(message)
    assert len(signature) == len(real.sign(message)) == 64
    assert symbolic_ed25519_verify(signer.public_key, message, signature)
    assert not symbolic_ed25519_verify(signer.public_key, b"vote!", signature)
    assert not symbolic_ed25519_verify(other_key, message, signature)
    for garbage in (signature[:63], signature + b"\x00", b"", bytes(64)):
        assert not symbolic_ed25519_verify(signer.public_key, message, garbage)
    # Neither verifier accepts the other's signatures.
    assert not ed25519.verify(signer.public_key, message, signature)
    assert not symbolic_ed25519_verify(real.public_key, message, real.sign(message))


def test_light_client_commit_check_follows_the_signature_mode():
    keys = [bytes([i]) * 32 for i in range(4)]
    header = Header(5, 0, bytes(32), 12.0, 1, bytes(32), 0)
    message = vote_bytes(header.height, header.view, header.hash)

    def commit(signers: list[Any]) -> Commit:
        votes = tuple((i, signer.sign(message)) for i, signer in enumerate(signers))
        return Commit(header.height, header.view, header.hash, votes)

    symbolic_signers = [SymbolicEd25519Signer(seed) for seed in keys]
    real_signers = [Ed25519Signer(seed) for seed in keys]
    validator_keys = tuple(signer.public_key for signer in real_signers)
    assert validator_keys == tuple(signer.public_key for signer in symbolic_signers)
    assert verify_commit(header, commit(symbolic_signers), validator_keys, "symbolic")
    assert not verify_commit(header, commit(symbolic_signers), validator_keys)
    assert verify_commit(header, commit(real_signers), validator_keys)
    assert not verify_commit(header, commit(real_signers), validator_keys, "symbolic")


# -- BLS --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dkg_pair():
    """The same 7-member, t = 4 DKG on arkworks and on the symbolic backend."""
    sym, ark = get_backend("symbolic"), get_backend("arkworks")
    key, shares = run_dkg(7, 4, random.Random(11), backend=sym)
    real_key, real_shares = run_dkg(7, 4, random.Random(11), backend=ark)
    return sym, ark, key, shares, real_key, real_shares


def test_symbolic_dkg_gives_the_real_group_key_verification_keys_and_commitments(dkg_pair):
    _sym, _ark, key, shares, real_key, real_shares = dkg_pair
    assert key.group_pk == real_key.group_pk
    assert key.commitments == real_key.commitments
    assert dict(key.verification_keys) == dict(real_key.verification_keys)
    assert shares == real_shares


def test_t_symbolic_partials_verify_under_the_real_group_key_and_t_minus_1_do_not(dkg_pair):
    sym, _ark, key, shares, real_key, _ = dkg_pair
    message = b"certificate digest"
    partials = {i: partial_sign(shares[i], message, backend=sym) for i in (1, 3, 5, 7)}
    for i, partial in partials.items():
        assert verify_partial(key.verification_keys[i], message, partial, backend=sym)
        assert not verify_partial(key.verification_keys[i % 7 + 1], message, partial,
                                  backend=sym)
    signature = combine(partials, 4, backend=sym)
    assert sym.verify(real_key.group_pk, message, signature)
    assert not sym.verify(real_key.group_pk, b"another digest", signature)
    # The pairing equation itself: e(pk, H(m)) * e(-g1, sig) == 1.
    minus_g1 = sym.g1_mul_gen(CURVE_ORDER - 1)
    assert sym.pairing_check([(key.group_pk, sym.hash_to_g2(message)), (minus_g1, signature)])
    assert not sym.pairing_check([(key.group_pk, sym.hash_to_g2(b"x")), (minus_g1, signature)])
    # Three of four: any Lagrange combination of t - 1 partials is not the group signature.
    chosen = [1, 3, 5]
    lam = lagrange_coefficients(chosen)
    short = sym.g2_lincomb([partials[i].signature for i in chosen], [lam[i] for i in chosen])
    assert not sym.verify(key.group_pk, message, short)
    # Optimistic combination names a bad partial exactly as with real BLS.
    bad = dict(partials)
    bad[3] = PartialSignature(3, 0, partial_sign(shares[2], message, backend=sym).signature)
    extra = {**bad, 2: partial_sign(shares[2], message, backend=sym)}
    outcome = combine_optimistic(extra, 4, key.group_pk, message, key.verification_keys,
                                 backend=sym)
    assert outcome.ok and outcome.bad == (3,) and outcome.checked_individually


def test_real_and_symbolic_bls_never_accept_each_other(dkg_pair):
    sym, ark, key, shares, _, real_shares = dkg_pair
    message = b"certificate digest"
    symbolic_signature = combine(
        {i: partial_sign(shares[i], message, backend=sym) for i in (1, 2, 3, 4)}, 4, backend=sym
    )
    real_signature = combine(
        {i: partial_sign(real_shares[i], message, backend=ark) for i in (1, 2, 3, 4)}, 4,
        backend=ark,
    )
    assert ark.verify(key.group_pk, message, real_signature)
    assert not ark.verify(key.group_pk, message, symbolic_signature)
    assert not get_backend("py-ecc").verify(key.group_pk, message, symbolic_signature)
    assert not sym.verify(key.group_pk, message, real_signature)
    assert not ark.g2_is_valid(symbolic_signature) and sym.g2_is_valid(symbolic_signature)
    assert not sym.g2_is_valid(real_signature)
    with pytest.raises(InvalidPointError):
        ark.g2_lincomb([symbolic_signature], [1])
    for garbage in (symbolic_signature[:95], symbolic_signature + b"\x00", bytes(96),
                    symbolic_signature[:64] + CURVE_ORDER.to_bytes(32, "big")):
        assert not sym.verify(key.group_pk, message, garbage)
        with pytest.raises(InvalidPointError):
            sym.g2_lincomb([garbage], [1])
    # The identity key and keys the backend never produced verify nothing.
    assert not sym.verify(G1_IDENTITY, message, sym.sign(1, message))
    assert not sym.verify(b"\x00" * 48, message, symbolic_signature)


def test_refreshed_and_reshared_symbolic_shares_behave_as_real_ones(dkg_pair):
    sym, ark, key, shares, real_key, real_shares = dkg_pair
    message = b"certificate digest"
    new_key, new_shares = refresh(key, shares, random.Random(5), backend=sym)
    real_new_key, _ = refresh(real_key, real_shares, random.Random(5), backend=ark)
    assert new_key.group_pk == key.group_pk
    assert dict(new_key.verification_keys) == dict(real_new_key.verification_keys)
    fresh = {i: partial_sign(new_shares[i], message, backend=sym) for i in (1, 2, 3, 4)}
    assert sym.verify(key.group_pk, message, combine(fresh, 4, backend=sym))
    # Two shares stolen before the refresh and two after: they do not combine.
    mixed = {1: partial_sign(shares[1], message, backend=sym),
             2: partial_sign(shares[2], message, backend=sym), 3: fresh[3], 4: fresh[4]}
    with pytest.raises(MixedEpochError):
        combine(mixed, 4, backend=sym)
    untagged = {i: partial.signature for i, partial in mixed.items()}
    assert not sym.verify(key.group_pk, message, combine(untagged, 4, backend=sym))
    # Resharing to a 5-member, t = 3 committee keeps the group key.
    reshared, reshared_shares = reshare(
        key, {i: shares[i] for i in (1, 2, 3, 4)}, 5, 3, random.Random(6), backend=sym
    )
    assert reshared.group_pk == key.group_pk
    partials = {i: partial_sign(reshared_shares[i], message, backend=sym) for i in (2, 4, 5)}
    assert sym.verify(key.group_pk, message, combine(partials, 3, backend=sym))


def test_the_discrete_log_registry_is_reset_and_bounded(monkeypatch):
    sym = symbolic.symbolic_backend()
    run_dkg(5, 3, random.Random(1), backend=sym)
    assert sym.known_points > 2
    symbolic.reset()
    assert sym.known_points == 2  # the identity and the generator
    monkeypatch.setattr(symbolic_bls, "MAX_DLOGS", 40)
    key, shares = run_dkg(5, 3, random.Random(2), backend=sym)
    assert sym.known_points <= 40
    # The live points (the key's, touched last) survived the eviction of older ones.
    message = b"m"
    partials = {i: partial_sign(shares[i], message, backend=sym) for i in (1, 2, 3)}
    assert sym.verify(key.group_pk, message, combine(partials, 3, backend=sym))
    symbolic.reset()


def test_a_reset_in_one_thread_leaves_another_threads_run_alone():
    # Dask workers may run several campaign runs at once, one per thread.
    sym = symbolic.symbolic_backend()
    dealt, other_reset = threading.Event(), threading.Event()
    outcome: dict[str, bool] = {}

    def first_run() -> None:
        symbolic.reset()
        key, shares = run_dkg(4, 2, random.Random(8), backend=sym)
        dealt.set()
        other_reset.wait(10)
        partials = {i: partial_sign(shares[i], b"m", backend=sym) for i in (1, 2)}
        outcome["verified"] = sym.verify(key.group_pk, b"m", combine(partials, 2, backend=sym))

    def second_run() -> None:
        dealt.wait(10)
        symbolic.reset()
        outcome["fresh"] = sym.known_points == 2
        other_reset.set()

    threads = [threading.Thread(target=first_run), threading.Thread(target=second_run)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert outcome == {"verified": True, "fresh": True}


# -- the destination and the checker ----------------------------------------------------------


def _message() -> BridgeMessage:
    return BridgeMessage("deposit", 7, "GTJA-SP1", 1_000, "user-001", "user-001", "escrow", 3,
                         bytes(32))


@pytest.mark.parametrize("scheme", ["multisig", "threshold-bls"])
def test_a_real_verifier_never_accepts_a_symbolic_certificate(scheme):
    def custody(signatures: str):
        if scheme == "multisig":
            return MultisigCustody(Streams(9), 5, 3, (0,), signatures)
        return ThresholdBlsCustody(Streams(9), 5, 3, (0,), "arkworks", signatures)

    real, sym = custody("real"), custody("symbolic")
    assert real.trust_root(1) == sym.trust_root(1)  # same addresses, same group key
    root, message = real.trust_root(1), _message()
    digest = message.digest(1)
    symbolic_cert = sym.assemble(message, 1, {m: sym.endorse(m, digest) for m in range(3)})
    real_cert = real.assemble(message, 1, {m: real.endorse(m, digest) for m in range(3)})
    real_config, symbolic_config = VerifierConfig(), VerifierConfig(signatures="symbolic")
    assert verify_certificate(root, real_config, real_cert)
    assert verify_certificate(root, symbolic_config, symbolic_cert)
    assert not verify_certificate(root, real_config, symbolic_cert)
    assert not verify_certificate(root, symbolic_config, real_cert)
    assert not verify_certificate(root, VerifierConfig(), symbolic_cert)
    assert verify_certificate(root, VerifierConfig(signatures="symbolic"), symbolic_cert)


def test_rotation_governance_signatures_follow_the_signature_mode():
    old = MultisigCustody(Streams(1), 9, 6, (0,), "symbolic")
    new_root = MultisigCustody(Streams(2), 9, 6, (0,)).trust_root(2)
    digest = rotation_digest(1, new_root)
    rotation = RotationCertificate(
        new_root, tuple(old.governance_sign(member, digest) for member in range(7))
    )
    assert check_rotation(old.trust_root(1), rotation, "symbolic") == "ok"
    assert check_rotation(old.trust_root(1), rotation) == "unauthorised_signer"
    six = RotationCertificate(new_root, rotation.signatures[:6])
    assert check_rotation(old.trust_root(1), six, "symbolic") == "supermajority"


# -- scenarios and the command line -----------------------------------------------------------


def test_symbolic_mode_is_not_part_of_the_scenario_hash():
    real = small_scenario()
    sym = small_scenario({"committee": {"signatures": "symbolic"}})
    assert real.committee.signatures == "real" and sym.committee.signatures == "symbolic"
    assert scenario_hash(real) == scenario_hash(sym)


def test_attacks_that_need_real_signatures_are_refused_in_symbolic_mode(tmp_path, capsys):
    data = tomllib.loads((ATTACKS / "ecdsa-nonce-reuse.toml").read_text())
    parse_scenario(data, "nonce.toml")  # fine with real signatures
    with pytest.raises(ScenarioError) as error:
        parse_scenario(deep_merge(data, {"committee": {"signatures": "symbolic"}}), "nonce.toml")
    index = next(i for i, a in enumerate(data["attacks"]) if a["kind"] == "ecdsa.nonce_reuse")
    assert error.value.key == f"attacks.{index}.kind"
    assert "symbolic" in error.value.expected and "ecdsa.nonce_reuse" in error.value.found
    # On the command line: one line, exit 3, no traceback; from the file or from the flag.
    path = tmp_path / "nonce-symbolic.toml"
    path.write_text((ATTACKS / "ecdsa-nonce-reuse.toml").read_text().replace(
        "[committee]\n", '[committee]\nsignatures = "symbolic"\n', 1))
    assert main(["validate", str(path)]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: attacks.{index}.kind: expected")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    code = main(["run", str(ATTACKS / "ecdsa-nonce-reuse.toml"), "--signatures", "symbolic",
                 "--quiet", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 3 and "--signatures symbolic" in err and "Traceback" not in err
    assert "ecdsa.nonce_reuse" in err


def test_cli_override_labels_the_run_symbolic(tmp_path, capsys):
    scenario = tmp_path / "small.toml"
    scenario.write_text((Path(__file__).parents[1] / "data" / "small.toml").read_text())
    out = tmp_path / "run"
    code = main(["run", str(scenario), "--seed", "3", "--signatures", "symbolic", "--out",
                 str(out)])
    err = capsys.readouterr().err
    assert code == 0
    assert "SYMBOLIC signatures" in err
    results = json.loads((out / "results.json").read_text())
    assert results["fingerprint"]["crypto"] == "symbolic"
    assert results["reproduce"].endswith("--seed 3 --signatures symbolic")
    real_out = tmp_path / "real"
    assert main(["run", str(scenario), "--seed", "3", "--quiet", "--out", str(real_out)]) == 0
    real = json.loads((real_out / "results.json").read_text())
    assert real["fingerprint"]["crypto"] == "real"
    assert real["fingerprint"]["scenario_hash"] == results["fingerprint"]["scenario_hash"]
    assert real["verdicts"] == results["verdicts"]
    assert real["history"]["sha256"] != results["history"]["sha256"]
    # The risk report labels the symbolic run (report.json is validated against the schema).
    code = main(["report", str(out), str(real_out), "--out", str(tmp_path / "report"),
                 "--no-cost"])
    capsys.readouterr()
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert code == VERDICT_CODES[report["summary"]["verdict"]]
    assert sorted(entry["crypto"] for entry in report["runs"]) == ["real", "symbolic"]
    runs_table = (tmp_path / "report" / "runs.md").read_text()
    assert runs_table.count("(symbolic signatures)") == 1


# -- equivalence: same seed, same verdicts and history apart from signature bytes -------------

PLACEHOLDER = "<signature>"


def _read_history(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _strip_signatures(record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The record with every signature value replaced, and the values replaced.

    Only three fields carry signature bytes: a certificate's `signatures` and `cosignatures`
    (hex strings) and a trust-root change's `rotation_signatures`. Nothing else is touched.
    """
    out = dict(record)
    replaced: list[str] = []
    if "rotation_signatures" in out:
        replaced += out["rotation_signatures"]
        out["rotation_signatures"] = [PLACEHOLDER] * len(out["rotation_signatures"])
    certificate = out.get("certificate")
    if isinstance(certificate, dict):
        certificate = dict(certificate)
        for key in ("signatures", "cosignatures"):
            if key in certificate:
                replaced += certificate[key]
                certificate[key] = [PLACEHOLDER] * len(certificate[key])
        out["certificate"] = certificate
    return out, replaced


def _comparable_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    performance = {k: v for k, v in metrics["performance"].items() if k != "wall_time_s"}
    return {**metrics, "performance": performance}


def _run_both(data: dict[str, Any], seed: int, out: Path, name: str = "<scenario>"):
    results, histories = {}, {}
    for mode in ("real", "symbolic"):
        scenario = parse_scenario(deep_merge(data, {"committee": {"signatures": mode}}), name)
        results[mode] = run(scenario, seed, out / mode)
        histories[mode] = _read_history(out / mode / "history.jsonl")
    return results, histories


def _assert_equivalent(results, histories) -> int:
    """Same verdicts, metrics and history apart from signature bytes; returns how many
    signature values the normaliser replaced (the symbolic ones among them are checked)."""
    real, sym = results["real"], results["symbolic"]
    assert real.fingerprint["crypto"] == "real" and sym.fingerprint["crypto"] == "symbolic"
    assert {k: v for k, v in real.fingerprint.items() if k != "crypto"} == {
        k: v for k, v in sym.fingerprint.items() if k != "crypto"
    }
    assert real.verdicts == sym.verdicts
    assert real.violations == sym.violations
    assert real.inconclusive == sym.inconclusive
    assert _comparable_metrics(real.metrics) == _comparable_metrics(sym.metrics)
    assert (real.sim_time, real.sim_steps, real.history_events) == (
        sym.sim_time, sym.sim_steps, sym.history_events
    )
    assert len(histories["real"]) == len(histories["symbolic"])
    replaced = 0
    for real_record, sym_record in zip(histories["real"], histories["symbolic"], strict=True):
        real_stripped, real_sigs = _strip_signatures(real_record)
        sym_stripped, sym_sigs = _strip_signatures(sym_record)
        assert real_stripped == sym_stripped, (real_record, sym_record)
        assert len(real_sigs) == len(sym_sigs)
        for real_sig, sym_sig in zip(real_sigs, sym_sigs, strict=True):
            assert len(real_sig) == len(sym_sig)  # same bytes on the wire, same gas
            # Honest signatures differ between the modes; an empty list has nothing to differ.
            assert real_sig != sym_sig
        replaced += len(real_sigs)
    assert real.history_sha256 != sym.history_sha256
    return replaced


def _scenario(file: str, overrides: dict[str, Any]) -> dict[str, Any]:
    return deep_merge(tomllib.loads((ATTACKS / file).read_text()), overrides)


SMALL_WORKLOAD = {"workload": {"deposits": 30, "withdrawals": 30}}
MOBILE_ACROSS_EPOCHS = {
    "scenario": {"duration": 3_600.0},
    "committee": {"refresh_interval": 300.0},
    "workload": {"deposits": 20, "withdrawals": 20},
    "attacks": [{"kind": "key.mobile", "schedule": {"at": 100.0},
                 "params": {"period": 200.0, "seats_per_period": 1, "periods": 8,
                            "amount": 20_000_000}}],
}
MOBILE_WITHIN_EPOCH = deep_merge(MOBILE_ACROSS_EPOCHS, {"attacks": [
    {"kind": "key.mobile", "schedule": {"at": 100.0},
     "params": {"period": 20.0, "seats_per_period": 2, "periods": 4, "amount": 20_000_000}}]})

# Threshold BLS, member 0 required (baseline.toml), members 1-6 compromised: enough shares,
# but not member 0's own signature.
BLS_REQUIRED_MEMBER_MISSING = {
    "committee": {"custody": "threshold-bls"},
    "workload": {"deposits": 10, "withdrawals": 10},
    "adversary": {"extract": False},
    "attacks": [{"kind": "key.compromise", "targets": {"members": [1, 2, 3, 4, 5, 6]},
                 "schedule": {"at": 30.0}, "params": {"amount": 5_000_000}}],
}

# (file, overrides, what the run must show: failed properties, and event kinds it must have)
EQUIVALENCE = {
    "baseline": ("baseline.toml", {"workload": {"deposits": 40, "withdrawals": 40}}, set(), ()),
    "baseline-batch-certificates": (
        "baseline.toml",
        {"relayers": {"batch_max": 16, "batch_window": 10.0},
         "workload": {"deposits": 40, "withdrawals": 40}},
        set(), (),
    ),
    "key-compromise-multisig": (
        "key-compromise-entity.toml", SMALL_WORKLOAD,
        {"safety.supply-conservation"}, ("attack.compromise",),
    ),
    "key-compromise-threshold-bls": (
        "key-compromise-entity.toml",
        {"committee": {"custody": "threshold-bls"}, "adversary": {"extract": False},
         "workload": {"deposits": 10, "withdrawals": 10}},
        {"safety.supply-conservation"}, ("custody.dkg", "attack.compromise"),
    ),
    "forge-own-keys": (
        "forge-caller-signers.toml", SMALL_WORKLOAD,
        {"safety.certificate-quorum"}, ("attack.own_signers",),
    ),
    "replace-committee-own-key": (
        "message-replace-committee.toml", SMALL_WORKLOAD,
        {"safety.trust-root-governed", "safety.supply-conservation"},
        ("attack.root_replaced",),
    ),
    "bls-required-member-refused": (
        "baseline.toml", BLS_REQUIRED_MEMBER_MISSING, set(), ("attack.submit", "tx.reverted"),
    ),
    "bls-required-member-unchecked": (
        "baseline.toml",
        deep_merge(BLS_REQUIRED_MEMBER_MISSING,
                   {"bridge": {"flaws": ["required_members_unchecked"]}}),
        {"safety.certificate-quorum", "safety.supply-conservation"}, ("attack.submit",),
    ),
    "mobile-bls-refresh-mixed-epochs": (
        "key-mobile-bls-refresh.toml", MOBILE_ACROSS_EPOCHS, set(),
        ("custody.refresh", "tx.reverted"),
    ),
    "mobile-bls-refresh-within-epoch": (
        "key-mobile-bls-refresh.toml", MOBILE_WITHIN_EPOCH,
        {"safety.supply-conservation"}, ("custody.refresh",),
    ),
}


@pytest.mark.parametrize("case", list(EQUIVALENCE))
def test_same_seed_same_verdicts_and_history_as_real_cryptography(case, tmp_path):
    file, overrides, failed, kinds = EQUIVALENCE[case]
    results, histories = _run_both(_scenario(file, overrides), 1, tmp_path, file)
    replaced = _assert_equivalent(results, histories)
    # The normaliser did replace signatures (the test cannot pass vacuously) ...
    assert replaced > 0
    # ... and the run exercised what this case is about.
    verdicts = results["symbolic"].verdicts
    assert {prop for prop, verdict in verdicts.items() if verdict == "fail"} >= failed
    if not failed:
        assert not [p for p, v in verdicts.items() if p.startswith("safety.") and v == "fail"]
    recorded = {record["kind"] for record in histories["symbolic"]}
    assert set(kinds) <= recorded
    # The symbolic run's signatures are the stand-ins, the real run's are not.
    certificates = [r["certificate"] for r in histories["symbolic"] if "certificate" in r]
    real_certificates = [r["certificate"] for r in histories["real"] if "certificate" in r]
    if case == "baseline-batch-certificates":
        assert any("batch" in cert for cert in certificates)  # signatures over batch roots
    if case == "mobile-bls-refresh-mixed-epochs":
        reverted = [r for r in histories["symbolic"] if r["kind"] == "tx.reverted"]
        assert any(r.get("check") == "certificate_group_signature" for r in reverted)
    if case == "bls-required-member-refused":
        reverted = [r for r in histories["symbolic"] if r["kind"] == "tx.reverted"]
        assert [r["check"] for r in reverted if r["tx"].startswith("attack-0")] == [
            "certificate_required_member_missing"]
        assert all(len(cert["cosignatures"]) == 1 for cert in certificates)
        # Co-signatures are ECDSA: symbolic tags in the symbolic run, real ones in the other.
        assert all(bytes.fromhex(cert["cosignatures"][0]).startswith(b"\xff" * 16)
                   for cert in certificates)
        assert not any(bytes.fromhex(cert["cosignatures"][0]).startswith(b"\xff" * 16)
                       for cert in real_certificates)
    for cert, real_cert in zip(certificates, real_certificates, strict=True):
        for signature, real_signature in zip(cert["signatures"], real_cert["signatures"],
                                             strict=True):
            raw, real_raw = bytes.fromhex(signature), bytes.fromhex(real_signature)
            if cert["scheme"] == "multisig":
                assert raw.startswith(b"\xff" * 16) and ecrecover(b"\x00" * 32, raw) is None
                assert not real_raw.startswith(b"\xff" * 16)
            else:
                assert not get_backend("arkworks").g2_is_valid(raw)
                assert get_backend("arkworks").g2_is_valid(real_raw)


def test_a_symbolic_run_is_unaffected_by_runs_before_it(tmp_path):
    data = deep_merge(baseline_data(), {
        "scenario": {"duration": 1_800.0}, "settlement": {"finality_slots": 4},
        "committee": {"custody": "threshold-bls", "refresh_interval": 60.0,
                      "signatures": "symbolic"},
        "workload": {"deposits": 6, "withdrawals": 6, "deposit_interval": 5.0},
    })
    scenario = parse_scenario(data, "<symbolic>")
    first = run(scenario, 2, tmp_path / "a")
    learnt_by_one_run = symbolic.symbolic_backend().known_points
    run(parse_scenario(deep_merge(data, {"committee": {"members": 5, "threshold": 3}}),
                       "<other>"), 3)
    second = run(scenario, 2, tmp_path / "b")
    assert first.history_sha256 == second.history_sha256
    # The registry holds what this run learnt, nothing the runs before it did.
    assert symbolic.symbolic_backend().known_points == learnt_by_one_run


@st.composite
def _committee_runs(draw):
    n = draw(st.integers(3, 6))
    t = draw(st.integers(2, n))
    custody = draw(st.sampled_from(["multisig", "threshold-bls"]))
    seats = draw(st.integers(t - 1, t))  # one short of the threshold, or exactly it
    seed = draw(st.integers(1, 1_000))
    return n, t, custody, seats, seed


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=_committee_runs())
def test_verdicts_and_histories_agree_for_any_small_committee(case, tmp_path_factory):
    n, t, custody, seats, seed = case
    data = deep_merge(baseline_data(), {
        "scenario": {"duration": 1_200.0}, "settlement": {"finality_slots": 4},
        "committee": {"members": n, "threshold": t, "required": [], "custody": custody,
                      "refresh_interval": 120.0 if custody == "threshold-bls" else 0.0},
        "workload": {"deposits": 5, "withdrawals": 3, "deposit_interval": 5.0,
                     "withdraw_delay": 10.0},
        "attacks": [{"kind": "key.compromise", "targets": {"members": list(range(seats))},
                     "schedule": {"at": 60.0}, "params": {"amount": 5_000_000}}],
    })
    results, histories = _run_both(data, seed, tmp_path_factory.mktemp("runs"))
    assert _assert_equivalent(results, histories) > 0
    broke = results["real"].verdicts["safety.supply-conservation"] == "fail"
    assert broke == (seats >= t)
