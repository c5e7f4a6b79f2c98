"""The checker verifies group signatures with a BLS library the model does not use in the run,
so a bug in the model's library cannot make the checker accept what it accepted."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from bridgelab.checker import policy
from bridgelab.checker.policy import CommitteePolicy, certificate_shortfall, checker_bls_library
from bridgelab.core import memo
from bridgelab.core.rng import Streams
from bridgelab.crypto.bls.backend import DEFAULT_BACKEND, available_backends
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.protocol.messages import BridgeMessage

MODEL_LIBRARIES = list(available_backends())


class _Refuses:
    """A library that must not be asked: the test fails if the checker asks it."""

    def verify(self, pk: bytes, msg: bytes, sig: bytes) -> bool:
        raise AssertionError("the checker used the model's own BLS library")


@pytest.mark.parametrize("model_backend", MODEL_LIBRARIES)
def test_the_checker_s_library_is_never_the_model_s(model_backend):
    assert checker_bls_library(model_backend) != model_backend
    assert checker_bls_library(model_backend) in policy._CHECKER_BLS


def test_a_policy_without_a_scenario_checks_on_other_than_the_default_backend():
    assert policy.DEFAULT_BLS_LIBRARY != DEFAULT_BACKEND
    assert CommitteePolicy("threshold-bls", 4, 3).bls_library == policy.DEFAULT_BLS_LIBRARY


def test_the_policy_of_a_scenario_names_the_checker_s_library():
    committee = SimpleNamespace(custody="threshold-bls", members=4, threshold=3, required=[],
                                bls_backend="blst")
    chosen = CommitteePolicy.of_scenario(SimpleNamespace(committee=committee))
    assert chosen.bls_library == "arkworks"
    committee.bls_backend = "arkworks"
    assert CommitteePolicy.of_scenario(SimpleNamespace(committee=committee)).bls_library == "blst"


@pytest.mark.parametrize("model_backend", ["blst", "arkworks"])
def test_verdicts_come_from_the_other_library(model_backend, monkeypatch):
    custody = ThresholdBlsCustody(Streams(5), 4, 3, (), model_backend)
    root = custody.trust_root(1)
    message = BridgeMessage("deposit", 1, "A", 10, "s", "r", "c", 1, b"\x02" * 32)
    endorsements = {member: custody.endorse(member, message.digest(1)) for member in (0, 1, 3)}
    honest = custody.assemble(message, 1, endorsements)
    forged = replace(honest, signatures=(custody.backend.sign(777, message.digest(1)),))
    monkeypatch.setitem(policy._CHECKER_BLS, model_backend, _Refuses())
    checker_policy = CommitteePolicy("threshold-bls", 4, 3, (), checker_bls_library(model_backend))
    memo.reset()
    try:
        assert certificate_shortfall(root, checker_policy, honest) is None
        shortfall = certificate_shortfall(root, checker_policy, forged)
        assert shortfall is not None and shortfall.check == "group_signature"
    finally:
        memo.reset()
