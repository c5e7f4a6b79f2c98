"""The checker's symbolic BLS check reads only bytes: never the model's registry of discrete logs.

The model's symbolic backend verifies with the discrete logs it recorded; the checker checks
pk == (s / h) * g1 in the real G1. The two must agree on everything the model can produce, and
the checker's answer must not move when the model's registry is emptied or lied to.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker import policy
from bridgelab.checker.finality import SettlementFinality
from bridgelab.checker.judge import check_records
from bridgelab.checker.policy import CommitteePolicy
from bridgelab.core import memo
from bridgelab.core.history import read_history
from bridgelab.crypto import symbolic_bls
from bridgelab.crypto.bls import combine, partial_sign, run_dkg
from bridgelab.crypto.bls.backend import CURVE_ORDER, G1_IDENTITY, get_backend
from bridgelab.runner import run
from tests.conftest import small_scenario

LIBRARIES = ("blst", "arkworks")


def checker_verify(library: str, pk: bytes, msg: bytes, sig: bytes) -> bool:
    memo.reset()  # each answer computed afresh, not read from an earlier example's memo
    return policy._bls_verify("symbolic", library, pk, msg, sig)


@pytest.fixture(scope="module")
def group():
    """A 5-member, t = 3 symbolic DKG and a group signature over one message."""
    sym = get_backend("symbolic")
    sym.reset()
    key, shares = run_dkg(5, 3, random.Random(7), backend=sym)
    message = b"batch digest"
    partials = {i: partial_sign(shares[i], message, backend=sym) for i in (1, 2, 4)}
    return sym, key, shares, message, combine(partials, 3, backend=sym)


@settings(max_examples=60, deadline=None)
@given(
    sk=st.integers(1, CURVE_ORDER - 1),
    other=st.integers(1, CURVE_ORDER - 1),
    msg=st.binary(max_size=40),
    other_msg=st.binary(max_size=40),
    library=st.sampled_from(LIBRARIES),
)
def test_the_checker_agrees_with_the_model_s_backend(sk, other, msg, other_msg, library):
    sym = get_backend("symbolic")
    sym.reset()
    pk, other_pk = sym.sk_to_pk(sk), sym.sk_to_pk(other)
    cases = [
        (pk, msg, sym.sign(sk, msg)),
        (pk, other_msg, sym.sign(sk, msg)),
        (pk, msg, sym.sign(other, msg)),
        (other_pk, msg, sym.sign(sk, msg)),
        (pk, msg, sym.hash_to_g2(msg)),  # the generator's signature, not pk's
    ]
    for case in cases:
        assert checker_verify(library, *case) == sym.verify(*case)
    assert checker_verify(library, pk, msg, sym.sign(sk, msg))


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_group_signature_passes_and_an_altered_one_fails(group, library):
    sym, key, shares, message, signature = group
    assert checker_verify(library, key.group_pk, message, signature)
    assert not checker_verify(library, key.group_pk, b"another digest", signature)
    # One share's partial alone is not the group's signature.
    lone = partial_sign(shares[1], message, backend=sym).signature
    assert not checker_verify(library, key.group_pk, message, lone)
    # The exponent moved by one.
    moved = symbolic_bls._encode_g2(symbolic_bls.g2_exponent(signature) + 1)
    assert not checker_verify(library, key.group_pk, message, moved)


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_checker_answers_alike_whatever_the_model_s_registry_holds(group, library):
    sym, key, _shares, message, signature = group
    sym.reset()  # the model forgot every discrete log: it can verify nothing now
    assert not sym.verify(key.group_pk, message, signature)
    assert checker_verify(library, key.group_pk, message, signature)
    # The model's registry lied: the group key's log is 1, so the generator's "signature"
    # H(m) verifies for the model. The checker is not told and refuses it.
    sym._learn(key.group_pk, 1)
    forged = sym.hash_to_g2(message)
    assert sym.verify(key.group_pk, message, forged)
    assert not checker_verify(library, key.group_pk, message, forged)
    assert checker_verify(library, key.group_pk, message, signature)


@pytest.mark.parametrize("library", LIBRARIES)
def test_keys_and_signatures_that_are_no_keys_or_signatures_fail(group, library):
    _sym, key, _shares, message, signature = group
    # The identity key with the identity signature satisfies the equation; KeyValidate
    # refuses it, as for real keys.
    assert not checker_verify(library, G1_IDENTITY, message, symbolic_bls._encode_g2(0))
    # Bytes that are not a G1 point, and a real compressed G2 point as the signature.
    assert not checker_verify(library, b"\x01" * 48, message, signature)
    assert not checker_verify(library, key.group_pk[:-1], message, signature)
    real = get_backend("arkworks").hash_to_g2(message)
    assert not checker_verify(library, key.group_pk, message, real)
    assert not checker_verify(library, key.group_pk, message, signature[:-1])
    assert not checker_verify(library, key.group_pk, "not bytes", signature)  # type: ignore[arg-type]


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_message_hashed_to_the_identity_takes_only_the_identity_signature(
    monkeypatch, library
):
    # sha256 never gives 0 mod r in practice, so the branch is reached by a stand-in hash.
    monkeypatch.setattr(symbolic_bls, "hash_exponent", lambda msg: 0 if msg == b"zero" else 5)
    sym = get_backend("symbolic")
    sym.reset()
    pk = sym.sk_to_pk(12345)
    assert sym.sign(12345, b"zero") == symbolic_bls._encode_g2(0)
    assert checker_verify(library, pk, b"zero", symbolic_bls._encode_g2(0))
    assert not checker_verify(library, pk, b"zero", symbolic_bls._encode_g2(1))
    assert checker_verify(library, pk, b"other", symbolic_bls._encode_g2(5 * 12345))


def test_a_saved_symbolic_history_rechecks_as_the_live_run_did(tmp_path):
    """A re-check in a fresh process has no registry of the run's discrete logs: the checker
    must judge the group signatures from the history's bytes alone."""
    scenario = small_scenario(
        {"committee": {"custody": "threshold-bls", "signatures": "symbolic"}}
    )
    result = run(scenario, 3, tmp_path)
    get_backend("symbolic").reset()  # what a fresh process starts from
    memo.reset()
    rechecked = check_records(
        read_history(tmp_path / "history.jsonl"), signatures="symbolic",
        policy=CommitteePolicy.of_scenario(scenario),
        finality=SettlementFinality.of_scenario(scenario),
    )
    assert rechecked.exercised["safety.certificate-quorum"] > 0
    assert rechecked.verdicts() == result.verdicts
    assert [violation.to_dict() for violation in rechecked.violations] == result.violations
    assert result.violations == []
